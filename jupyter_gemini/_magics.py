"""`%%gemini` and `%gemini`: parse the line, then hand over to the session.

Settings are traitlets, so `%config GeminiMagics.model = "..."` and
`ipython_config.py` work with no extra code.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Float, Int, TraitError, Unicode, default, validate

from ._catalog import DEFAULT_MODEL
from ._errors import OptionError
from ._interpolate import interpolate
from ._keys import ENV_VAR, mask, redact
from ._render import format_usd, history_bundle, models_bundle, tally_bundle
from ._session import FORMATS, AskOptions, Session
from ._settings import APP_TITLE, APP_URL, default_base_url, default_budget
from ._values import value_to_text

SUBCOMMANDS: dict[str, str] = {
    "model": "%gemini model [ID]           show or set the model for this session",
    "models": "%gemini models               Flash models with prices per million tokens",
    "cost": "%gemini cost [--reconcile]   this session's cost per model; --reconcile settles ≈ estimates",
    "budget": "%gemini budget [USD|off]     show, set or remove the session's spending cap",
    "key": "%gemini key [--clear|--save] type the API key (kept in memory only, never echoed)",
    "reset": "%gemini reset                start a fresh conversation (the cost tally stays)",
    "history": "%gemini history              the conversation so far",
    "emulator": "%gemini emulator [on|off]    answer from a local OpenRouter emulator: offline, canned, free",
    "debug": "%gemini debug                the full traceback of the last error",
    "help": "%gemini help                 this list",
}


def _parse_options(magic: Any, line: str) -> Any:
    """Like `parse_argstring`, but with shell quoting: `--system "Be terse."` loses its quotes."""
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Cannot parse the %%gemini options: {exc}.") from None
    return magic.parser.parse_args(argv)


_LINE_HELP = (
    "Session commands:\n\n"
    + "\n".join(SUBCOMMANDS.values())
    + "\n\nAsk questions with the %%gemini cell magic (%%gemini? lists its options)."
)


@magics_class
class GeminiMagics(Magics):
    """Ask Gemini Flash models through OpenRouter from a notebook."""

    model = Unicode(DEFAULT_MODEL, help="OpenRouter model id used when -m is not given.").tag(config=True)
    base_url = Unicode(
        help="OpenRouter API base URL. Defaults to $OPENROUTER_BASE_URL, else https://openrouter.ai/api/v1."
    ).tag(config=True)
    max_history = Int(10, help="How many earlier exchanges each question carries (0: none).").tag(config=True)
    stream = Bool(True, help="Stream answers as they are written.").tag(config=True)
    app_url = Unicode(APP_URL, help="Sent as HTTP-Referer for OpenRouter's app attribution.").tag(config=True)
    app_title = Unicode(APP_TITLE, help="Sent as X-Title / X-OpenRouter-Title.").tag(config=True)
    timeout = Float(120.0, help="Seconds to wait for OpenRouter before giving up.").tag(config=True)
    max_retries = Int(2, help="Retries for rate limits and server errors before the first token.").tag(config=True)
    retry_limit = Float(60.0, help="Most seconds spent waiting between retries of one request.").tag(config=True)
    stall_timeout = Float(
        60.0, help="Seconds with no data (keep-alives aside) before a streaming answer counts as stalled."
    ).tag(config=True)
    budget = Float(
        default_value=None,
        allow_none=True,
        help="Session spending cap in USD (None: no cap). Defaults to $JUPYTER_GEMINI_BUDGET. See %gemini budget.",
    ).tag(config=True)

    @default("base_url")
    def _default_base_url(self) -> str:
        return default_base_url()

    @default("budget")
    def _default_budget(self) -> float | None:
        return default_budget()

    @validate("budget")
    def _validate_budget(self, proposal: Any) -> float | None:
        value = proposal["value"]
        if value is not None and value < 0:
            raise TraitError(f"The budget must be a positive amount of USD, not {value}.")
        return value  # type: ignore[no-any-return]

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session = Session(self, shell)

    # -- %%gemini -------------------------------------------------------------

    @magic_arguments()
    @argument("-m", "--model", help="OpenRouter model id for this question (see %%gemini models).")
    @argument(
        "-f",
        "--format",
        default="markdown",
        choices=FORMATS,
        help="markdown (default), code (also placed in a new cell below), text or json.",
    )
    @argument("--system", help="System prompt for this question.")
    @argument("--temperature", type=float, help="Sampling temperature, 0 to 2.")
    @argument("--max-tokens", type=int, help="Cap on the answer's length (and so its cost).")
    @argument("--new", action="store_true", help="Start a fresh conversation with this question.")
    @argument("--no-stream", action="store_true", help="Wait for the whole answer instead of streaming.")
    @cell_magic("gemini")  # type: ignore[arg-type]  # IPython annotates the marker as taking Never
    def gemini_cell(self, line: str, cell: str) -> None:
        """Send the cell to a Gemini Flash model; the answer streams in below.

        `{name}` inserts a variable (also `{obj.attr}`, `{x[0]}`, `{In[3]}`,
        `{Out[3]}`); every other brace is sent as it is. `{{name}}` sends the
        braces literally. The conversation carries on across cells until
        `--new` or `%gemini reset`.
        """
        try:
            self._ask_cell(line, cell)
        except Exception as error:
            self.session.last_error = error
            raise

    def _ask_cell(self, line: str, cell: str) -> None:
        args = _parse_options(self.gemini_cell, line)
        cell = cell.strip("\n").rstrip()
        if not cell.strip():
            raise OptionError("The cell is empty, so nothing was sent.", hint="Write your question below %%gemini.")
        assert self.shell is not None, "registered magics always have a shell"
        prompt = interpolate(cell, self.shell.user_ns, value_to_text)
        options = AskOptions(
            model=args.model,
            format=args.format,
            system=args.system,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            new=args.new,
            stream=False if args.no_stream else None,
        )
        self.session.ask(prompt, options)

    # -- %gemini --------------------------------------------------------------

    @line_magic("gemini")  # type: ignore[arg-type]  # as above
    def gemini_line(self, line: str) -> None:
        words = shlex.split(line)
        if not words:
            return self._help()
        command, rest = words[0], words[1:]
        handler: Callable[[list[str]], None] | None = getattr(self, f"_cmd_{command}", None)
        if command not in SUBCOMMANDS or handler is None:
            raise UsageError(f"Unknown %gemini command {command!r}. Commands: {', '.join(SUBCOMMANDS)}.")
        handler(rest)

    gemini_line.__doc__ = _LINE_HELP  # type: ignore[assignment]  # shown by %gemini?

    def _help(self, _: list[str] | None = None) -> None:
        print(_LINE_HELP)

    _cmd_help = _help

    def _cmd_model(self, args: list[str]) -> None:
        if not args:
            print(f"Model: {self.model}")
            return
        model_id = args[0]
        info = self.session.catalog().get(model_id)
        self.model = model_id
        if info is not None and not info.available:
            alternatives = ", ".join(self.session.current_flash_ids())
            print(f"Model set to {model_id}, but it is no longer available on OpenRouter; use one of: {alternatives}.")
        elif info is None:
            print(f"Model set to {model_id} (not in the Flash catalog; its cost comes from OpenRouter).")
        else:
            print(f"Model set to {model_id}.")

    def _cmd_models(self, _: list[str]) -> None:
        catalog = self.session.refresh_catalog()
        self._show(models_bundle(catalog.flash(), self.model, live=catalog.live))

    def _cmd_cost(self, args: list[str]) -> None:
        if args and args != ["--reconcile"]:
            raise UsageError("Usage: %gemini cost [--reconcile]")
        if args:
            waiting = len(self.session.tally.pending)
            if not waiting:
                print("No estimates to settle: every cost in the tally was reported by OpenRouter.")
            else:
                print(f"Looking up the billed cost of {waiting} estimated answer(s) on OpenRouter…")
                settled, pending = self.session.reconcile()
                still = f"; {pending} not ready yet, try again in a minute" if pending else ""
                print(f"Settled {settled} of {waiting}{still}.")
        self._show(tally_bundle(self.session.tally))

    def _cmd_budget(self, args: list[str]) -> None:
        tally = self.session.tally
        if args == ["off"]:
            self.budget = None
            print("Budget removed: requests are no longer capped.")
            return
        if args:
            try:
                amount = Decimal(args[0].lstrip("$"))
            except ArithmeticError:
                raise UsageError(
                    f"Usage: %gemini budget [USD|off], e.g. %gemini budget 0.50 (not {args[0]!r})."
                ) from None
            if not amount.is_finite() or amount < 0:
                raise UsageError(f"The budget must be a positive amount of USD, not {args[0]}.")
            self.budget = float(amount)
        budget = self.session.budget
        if budget is None:
            print(f"No budget set ({format_usd(tally.total)} spent). Set one with %gemini budget 0.50.")
            return
        left = max(budget - tally.total, Decimal(0))
        print(
            f"Budget {format_usd(budget)}: {format_usd(tally.total, estimated=tally.estimated)} spent, "
            f"{format_usd(left)} left. Requests that could go over it are refused before they are sent."
        )

    def _cmd_key(self, args: list[str]) -> None:
        keys = self.session.keys
        if args == ["--clear"]:
            keys.clear()
            print(f"Forgot the typed key. Key now: {keys.source}.")
            return
        if args not in ([], ["--save"]):
            raise UsageError("Usage: %gemini key [--clear|--save]")
        import getpass

        try:
            key = getpass.getpass("OpenRouter API key (kept in memory only): ")
        except Exception:  # no stdin: nbclient, or a frontend that cannot prompt
            raise OptionError(
                "This frontend cannot prompt for a key.",
                hint=f"Set {ENV_VAR} in the environment that starts Jupyter instead.",
            ) from None
        if not key.strip():
            print("No key entered; nothing changed.")
            return
        keys.set(key)
        saved = ""
        if args == ["--save"]:
            saved = " and saved in the system keyring" if keys.save_to_keyring() else " (keyring is not installed)"
        print(f"Key {mask(key.strip())} set for this session{saved}. It is not written into the notebook.")

    def _cmd_emulator(self, args: list[str]) -> None:
        if args not in ([], ["on"], ["off"]):
            raise UsageError("Usage: %gemini emulator [on|off]")
        base_url = self.session.use_emulator(args != ["off"])
        if base_url is None:
            print(f"Local emulator stopped; questions go to {self.base_url} again.")
        else:
            print(
                f"Questions now go to the local OpenRouter emulator at {base_url}: answers are canned, not from "
                "a real model, and nothing is spent. %gemini emulator off goes back to OpenRouter."
            )

    def _cmd_debug(self, _: list[str]) -> None:
        error = self.session.last_error
        if error is None:
            print("No error so far in this session.")
            return
        import traceback

        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        print(redact(text, self.session.keys.get()))

    def _cmd_reset(self, _: list[str]) -> None:
        self.session.conversation.clear()
        print("Started a fresh conversation. The cost tally is unchanged (see %gemini cost).")

    def _cmd_history(self, _: list[str]) -> None:
        turns = [
            (t.model, t.question, t.answer + (" [incomplete]" if t.partial else "")) for t in self.session.conversation
        ]
        self._show(history_bundle(turns))

    @staticmethod
    def _show(bundle: tuple[dict[str, Any], dict[str, Any]]) -> None:
        from IPython.display import display

        data, metadata = bundle
        display(data, metadata=metadata, raw=True)
