"""The `%gemini` session commands: one method each, sharing the magics' session.

Kept apart from `_ipython._magics`, which only parses: a command reads or changes the
session and shows what it did.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from .._core._session import Session
from .._core._settings import MAX_BUDGET_USD, GeminiSettings, check_setting, parse_budget
from .._cost._money import format_usd
from .._display._bundles import history_bundle, models_bundle, tally_bundle
from .._keys import ENV_VAR, mask, redact
from .._store._recording import Recorder, Replayer
from ..errors import OptionError, SettingError
from ._argv import split_line
from ._command_parser import LINE_HELP, SUBCOMMANDS, HelpShown, parse


class Commands:
    def __init__(self, session: Session, settings: GeminiSettings) -> None:
        self.session = session
        #: The GeminiMagics instance: its traitlets are the settings commands change.
        self.settings = settings

    def run(self, line: str) -> None:
        words = split_line(line)
        if not words:
            return self.help(argparse.Namespace())
        try:
            args = parse(words)  # one UsageError sentence with the command's usage when it does not parse
        except HelpShown:
            return None
        handlers: dict[str, Callable[[argparse.Namespace], None]] = {
            "model": self.model,
            "models": self.models,
            "cost": self.cost,
            "budget": self.budget,
            "tally": self.tally,
            "chat": self.chat,
            "key": self.key,
            "fix": self.fix,
            "reset": self.reset,
            "history": self.history,
            "record": self.record,
            "replay": self.replay,
            "cache": self.cache,
            "emulator": self.emulator,
            "debug": self.debug,
            "help": self.help,
        }
        assert handlers.keys() == SUBCOMMANDS.keys(), "every parsed command has a handler"
        handlers[args.command](args)
        return None

    def help(self, _: argparse.Namespace) -> None:
        print(LINE_HELP)

    def model(self, args: argparse.Namespace) -> None:
        if args.id is None:
            print(f"Model: {self.settings.model}")
            return
        model_id = args.id
        info = self.session.catalog().get(model_id)
        self.settings.model = model_id
        if info is not None and not info.available:
            alternatives = ", ".join(self.session.current_flash_ids())
            print(f"Model set to {model_id}, but it is no longer available on OpenRouter; use one of: {alternatives}.")
        elif info is None:
            print(f"Model set to {model_id} (not in the Flash catalog; its cost comes from OpenRouter).")
        else:
            print(f"Model set to {model_id}.")

    def models(self, args: argparse.Namespace) -> None:
        if args.pick:
            from .._widgets import model_picker

            return self._display(model_picker(self.session))
        catalog = self.session.refresh_catalog()
        self._show(models_bundle(catalog.flash(), self.settings.model, live=catalog.live))
        return None

    def tally(self, _: argparse.Namespace) -> None:
        from .._widgets import tally_widget

        self._display(tally_widget(self.session))

    def chat(self, _: argparse.Namespace) -> None:
        from .._widgets import chat_panel

        self._display(chat_panel(self.session))

    def cost(self, args: argparse.Namespace) -> None:
        if args.reconcile:
            tally = self.session.tally
            waiting = len(tally.pending)
            unknown = tally.unsettled - waiting
            if not waiting:
                print("No estimates to settle by id: every cost OpenRouter identified was reported.")
            else:
                print(f"Looking up the billed cost of {waiting} estimated answer(s) on OpenRouter…")
                settled, pending = self.session.reconcile()
                still = f"; {pending} not ready yet, try again in a minute" if pending else ""
                print(f"Settled {settled} of {waiting}{still}.")
            if unknown > 0:
                print(
                    f"{unknown} request(s) stopped before OpenRouter named them, so their cost stays an estimate (≈) "
                    "at the prompt's list price; see openrouter.ai/activity for what was billed."
                )
        self._show(tally_bundle(self.session.tally))

    def budget(self, args: argparse.Namespace) -> None:
        tally = self.session.tally
        if args.amount == "off":
            self.settings.budget = None
            print("Budget removed: requests are no longer capped.")
            return
        if args.amount is not None:
            try:
                amount = parse_budget(args.amount)
            except ValueError:
                raise UsageError(
                    f"Usage: %gemini budget [USD|off], e.g. %gemini budget 0.50 (not {args.amount!r}; a dot, "
                    "not a comma)."
                ) from None
            try:
                self.settings.budget = check_setting("budget", amount)
            except SettingError:
                raise SettingError(
                    f"The budget must be an amount of USD from 0 to {MAX_BUDGET_USD:,}, not {args.amount}; "
                    "it keeps its previous value."
                ) from None
        budget = self.session.budget  # SettingError while $JUPYTER_GEMINI_BUDGET is unparsable
        if budget is None:
            print(f"No budget set ({format_usd(tally.total)} spent). Set one with %gemini budget 0.50.")
            return
        left = max(budget - tally.upper_bound, Decimal(0))
        print(
            f"Budget {format_usd(budget)}: {format_usd(tally.total, estimated=tally.estimated)} spent, "
            f"{format_usd(left, estimated=tally.estimated)} left. Requests that could go over it are refused "
            "before they are sent."
        )

    def key(self, args: argparse.Namespace) -> None:
        keys = self.session.keys
        if args.clear:
            keys.clear()
            print(f"Forgot the typed key. Key now: {keys.source}.")
            return
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
        if args.save:
            saved = " and saved in the system keyring" if keys.save_to_keyring() else " (keyring is not installed)"
        print(f"Key {mask(key.strip())} set for this session{saved}. It is not written into the notebook.")

    def record(self, args: argparse.Namespace) -> None:
        session = self.session
        if args.path == "off":
            recorder, session.paid.recorder = session.paid.recorder, None
            print(
                f"Stopped recording; {recorder.path} holds {recorder.count} answer(s)."
                if recorder
                else "Not recording."
            )
            return
        session.paid.recorder = Recorder(Path(args.path))
        print(
            f"Recording every question and answer to {session.paid.recorder.path}. It holds no key: commit it next "
            "to the notebook, and %gemini replay it with no key."
        )

    def replay(self, args: argparse.Namespace) -> None:
        session = self.session
        if args.path == "off":
            session.paid.replayer = None
            print("Stopped replaying; questions go to OpenRouter again.")
            return
        replayer = session.paid.replayer = Replayer(Path(args.path), fall_through=args.fall_through)
        then = "asked of OpenRouter" if replayer.fall_through else "an error: nothing is sent"
        print(
            f"Replaying {len(replayer.answers)} recorded answer(s) from {args.path}: no key, no network, $0. "
            f"A question that is not in the recording is {then}."
        )

    def cache(self, args: argparse.Namespace) -> None:
        cache = self.session.paid.cache
        if args.action == "clear":
            print(f"Removed {cache.clear()} cached answer(s) from {cache.path}.")
            return
        tally = self.session.tally
        print(
            f"{len(cache)} cached answer(s) in {cache.path}. Used by default for --temperature 0, or with --cache. "
            f"This session: {tally.cached_requests} answered from cache or recording, saving {format_usd(tally.saved)}."
        )

    def emulator(self, args: argparse.Namespace) -> None:
        base_url = self.session.use_emulator(args.state == "on")
        if base_url is None:
            print(f"Local emulator stopped; questions go to {self.settings.base_url} again.")
        else:
            print(
                f"Questions now go to the local OpenRouter emulator at {base_url}: answers are canned, not from "
                "a real model, and nothing is spent. %gemini emulator off goes back to OpenRouter."
            )

    def debug(self, _: argparse.Namespace) -> None:
        error = self.session.last_error
        if error is None:
            print("No error so far in this session.")
            return
        import traceback

        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        print(redact(text, self.session.keys.get()))

    def fix(self, _: argparse.Namespace) -> None:
        from .._context._fix import SYSTEM, fix_prompt
        from .._core._options import AskOptions

        options = AskOptions(system=SYSTEM, code_to_next_cell=True)
        self.session.ask(fix_prompt(self.session.errors.last()), options)

    def reset(self, _: argparse.Namespace) -> None:
        self.session.conversation.clear()
        print("Started a fresh conversation. The cost tally is unchanged (see %gemini cost).")

    def history(self, _: argparse.Namespace) -> None:
        turns = [
            (t.model, t.question, t.answer + (" [incomplete]" if t.partial else "")) for t in self.session.conversation
        ]
        self._show(history_bundle(turns))

    @staticmethod
    def _display(handle: Any) -> None:
        """Widgets show themselves (with text and HTML fallbacks for frontends without widgets)."""
        from IPython.display import display

        display(handle)

    @staticmethod
    def _show(bundle: tuple[dict[str, Any], dict[str, Any]]) -> None:
        from IPython.display import display

        data, metadata = bundle
        display(data, metadata=metadata, raw=True)
