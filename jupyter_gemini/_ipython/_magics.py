"""`%%gemini` and `%gemini`: parse the line, then hand over to the session.

Settings are traitlets, so `%config GeminiMagics.model = "..."` and
`ipython_config.py` work with no extra code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, argument_group, magic_arguments

from .._context._error_history import ErrorHistory
from .._context._image_history import ImageHistory
from .._core._settings import FORMATS, GeminiSettings
from .._cost._estimate import DEFAULT_BUDGET_TOKENS

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .._core._session import Session
    from ._commands import Commands


def _parse_options(magic: Any, line: str) -> Any:
    """Like `parse_argstring`, but with shell quoting: `--system "Be terse."` loses its quotes."""
    from ._argv import split_line

    try:
        argv = split_line(line)
    except ValueError as exc:
        raise UsageError(f"Cannot parse the %%gemini options: {exc}.") from None
    return magic.parser.parse_args(argv)


def _cache_choice(args: Any) -> bool | None:
    if args.cache and args.no_cache:
        raise UsageError("--cache and --no-cache contradict each other; pick one.")
    if args.refresh and args.no_cache:
        raise UsageError("--refresh replaces a cached answer, so it cannot go with --no-cache.")
    return True if args.cache else (False if args.no_cache else None)


#: `%%gemini` options a batch cannot honour per row: refused with --map, never silently ignored.
_NOT_PER_ROW = ("image", "file", "error", "new")


def _check_out_column(name: str, data: Any, column: str, template: str, *, overwrite: bool) -> None:
    """`--out` never writes over what the template reads, nor over a column without `--overwrite`."""
    from .._context._interpolate import find_references
    from ..errors import OptionError

    if not hasattr(data, "columns"):
        raise UsageError("--out needs a DataFrame to write a column into; drop --out to get the answers back.")
    read = {reference.split(".")[0].split("[")[0] for reference in find_references(template)}
    if column in read:
        raise OptionError(
            f"--out {column} would overwrite the column the template reads ({{{column}}}), so nothing was sent.",
            hint=f"Write the answers to a new column, e.g. --out {column}_answer.",
        )
    if column in list(data.columns) and not overwrite:
        raise OptionError(
            f"{name} already has a column {column!r}, so nothing was sent.",
            hint="Pick a new name for --out, or add --overwrite to replace it.",
        )


@magics_class
class GeminiMagics(Magics, GeminiSettings):
    """Ask Gemini Flash models through OpenRouter from a notebook.

    Its settings are `GeminiSettings` (one definition, traitlets), so `%config GeminiMagics.model = "..."`
    and `ipython_config.py` set them.
    """

    def __init__(self, shell: InteractiveShell | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        # Installed at %load_ext so they see images and errors from the start; both are tiny.
        self.images = ImageHistory()
        self.errors = ErrorHistory()
        self._session: Session | None = None
        self._commands: Commands | None = None

    @property
    def session(self) -> Session:
        """Built on first use: `%load_ext` stays instant."""
        if self._session is None:
            from .._core._session import Session

            self._session = Session(self, self.shell, images=self.images, errors=self.errors)
        return self._session

    @property
    def commands(self) -> Commands:
        if self._commands is None:
            from ._commands import Commands

            self._commands = Commands(self.session, self)
        return self._commands

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
    @argument("--max-tokens", type=int, help="Cap on the answer's length, thinking included (and so its cost).")
    @argument(
        "--reasoning",
        metavar="EFFORT",
        help="How hard a thinking model thinks: none, minimal, low, medium or high (billed as output).",
    )
    @argument(
        "--reasoning-tokens", type=int, metavar="N", help="A thinking budget in tokens, for models that take one."
    )
    @argument("--tier", metavar="TIER", help="Google's service tier: flex (cheaper, slower) or priority.")
    @argument(
        "--schema",
        metavar="NAME",
        help="Structured output: a pydantic model, dataclass, TypedDict or dict in the notebook; the result is in _.",
    )
    @argument("--new", action="store_true", help="Start a fresh conversation with this question.")
    @argument("--no-stream", action="store_true", help="Wait for the whole answer instead of streaming.")
    @argument("--cache", action="store_true", help="Use the answer cache (on by default only at --temperature 0).")
    @argument("--no-cache", action="store_true", help="Neither read nor write the answer cache.")
    @argument("--refresh", action="store_true", help="Ask again and replace the cached answer.")
    @argument(
        "--image",
        action="append",
        default=[],
        metavar="SOURCE",
        help="Send an image: last, Out[n] or n (a displayed image), a variable (PIL, matplotlib), a path or a URL.",
    )
    @argument("--image-detail", default="auto", choices=("auto", "high"), help="high keeps up to 3,072 px.")
    @argument("--file", action="append", default=[], metavar="PATH", help="Attach a PDF, text, CSV or Markdown file.")
    @argument(
        "--budget-tokens", type=int, default=DEFAULT_BUDGET_TOKENS, help="Token budget per DataFrame, value or file."
    )
    @argument(
        "--dry-run", action="store_true", help="Show exactly what would be sent and its worst-case cost; send nothing."
    )
    @argument(
        "--error", action="store_true", help="Ask about the last error (like %%gemini fix); the cell adds a question."
    )
    @argument_group("one question per row (--map)")
    @argument("--map", metavar="NAME", help="Ask the cell once per row of this DataFrame/Series/list; {column} fields.")
    @argument("--out", metavar="COLUMN", help="With --map: write the answers to this new column.")
    @argument("--overwrite", action="store_true", help="With --map --out: replace an existing column.")
    @argument("--concurrency", type=int, default=8, help="With --map: requests in flight at once (1-64, default 8).")
    @argument("--yes", action="store_true", help="With --map: go ahead even if the estimate needs a yes.")
    @no_var_expand  # `{name}` in the options follows the cell's rules (ours), not IPython's
    @cell_magic("gemini")  # type: ignore[arg-type]  # IPython annotates the marker as taking Never
    def gemini_cell(self, line: str, cell: str) -> Any:
        """Send the cell to a Gemini Flash model; the answer streams in below.

        `{name}` inserts a variable (also `{obj.attr}`, `{x[0]}`, `{In[3]}`,
        `{Out[3]}`); every other brace is sent as it is. `{{name}}` sends the
        braces literally. The conversation carries on across cells until
        `--new` or `%gemini reset`.
        """
        try:
            return self._ask_cell(line, cell)
        except Exception as error:
            self.session.last_error = error
            raise

    def _ask_cell(self, line: str, cell: str) -> Any:
        # Loaded on the first question, not at %load_ext.
        from .._context._fix import SYSTEM as FIX_SYSTEM
        from .._context._fix import fix_prompt
        from .._core._options import AskOptions
        from ..errors import OptionError

        args = _parse_options(self.gemini_cell, line)
        cell = cell.strip("\n").rstrip()
        if not cell.strip() and not args.error:
            raise OptionError("The cell is empty, so nothing was sent.", hint="Write your question below %%gemini.")
        assert self.shell is not None, "registered magics always have a shell"
        if args.map:
            return self._map_cell(args, cell)
        if args.out or args.overwrite:
            raise UsageError("--out and --overwrite go with --map: %%gemini --map df --out answers")
        prompt = self.session.prompt(cell, budget_tokens=args.budget_tokens)
        if args.system:  # the same brace rules as the cell: `{name}` inserted, `{{` literal
            args.system = self.session.prompt(args.system, budget_tokens=args.budget_tokens)
        if args.error:
            prompt = fix_prompt(self.session.errors.last(), prompt)
        schema = self._schema(args.schema)
        options = AskOptions(
            model=args.model,
            format="json" if schema is not None else args.format,
            system=args.system or (FIX_SYSTEM if args.error else None),
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            new=args.new,
            stream=False if args.no_stream else None,
            cache=_cache_choice(args),
            refresh=args.refresh,
            images=tuple(args.image),
            image_detail=args.image_detail,
            files=tuple(args.file),
            budget_tokens=args.budget_tokens,
            code_to_next_cell=args.error,
            reasoning=args.reasoning,
            reasoning_tokens=args.reasoning_tokens,
            tier=args.tier,
            schema=schema,
        )
        if args.dry_run:
            return self.session.dry_run(prompt, options)
        response = self.session.ask(prompt, options)
        return response.parsed if schema is not None else None  # the validated value: Out and `_`

    def _schema(self, name: str | None) -> Any:
        if name is None:
            return None
        from .._core._schema import schema_of
        from ..errors import OptionError

        namespace = self.namespace()
        if name not in namespace:
            raise OptionError(f"--schema {name}: there is no variable {name!r}, so nothing was sent.")
        return schema_of(namespace[name])

    def namespace(self) -> Mapping[str, Any]:
        """The notebook's variables, plus `Err` (the last error; `Err[n]` for cell n) unless defined."""
        return self.session.namespace()

    # -- %gemini --------------------------------------------------------------

    def _map_cell(self, args: Any, template: str) -> Any:
        from .._batch._map import MapOptions, map_dry_run, map_rows
        from ..errors import OptionError

        assert self.shell is not None, "registered magics always have a shell"
        if args.schema:
            raise OptionError(
                "--schema does not go with --map yet (typed columns per row are coming), so nothing was sent.",
                hint="Ask one row with --schema, or map with -f json and parse the column.",
            )
        refused = [name for name in _NOT_PER_ROW if getattr(args, name)]
        if refused:
            flags = ", ".join("--" + name.replace("_", "-") for name in refused)
            raise OptionError(
                f"{flags} cannot go with --map (each row is its own question with no conversation or "
                "attachments), so nothing was sent.",
                hint="Ask about attachments in a single %%gemini cell, or name them per row with {column}.",
            )
        namespace = self.namespace()
        if args.map not in namespace:
            raise OptionError(f"--map {args.map}: there is no variable {args.map!r}, so nothing was sent.")
        data = namespace[args.map]
        if args.out:
            _check_out_column(args.map, data, args.out, template, overwrite=args.overwrite)
        options = MapOptions(
            model=args.model,
            concurrency=args.concurrency,
            system=args.system,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            cache=_cache_choice(args) is not False,
            confirm=True if args.yes else None,
            format=args.format if args.format != "markdown" else None,
            budget_tokens=args.budget_tokens,
            refresh=args.refresh,
            reasoning=args.reasoning,
            reasoning_tokens=args.reasoning_tokens,
            tier=args.tier,
        )
        if args.dry_run:
            return map_dry_run(self.session, template, data, options, namespace)
        answers = map_rows(self.session, template, data, options, namespace)
        if not args.out:
            return answers
        data[args.out] = answers
        print(f"Wrote {len(answers):,} answers to {args.map}[{args.out!r}].")
        return None

    @no_var_expand
    @line_magic("gemini")  # type: ignore[arg-type]  # as above
    def gemini_line(self, line: str) -> None:
        """Session commands: `%gemini help` lists them, `%gemini COMMAND --help` explains one.

        Ask questions with the %%gemini cell magic (%%gemini? lists its options).
        """
        # The list itself comes from the command parser, built on first use: not at every %load_ext.
        try:
            self.commands.run(line)
        except Exception as error:
            self.session.last_error = error
            raise
