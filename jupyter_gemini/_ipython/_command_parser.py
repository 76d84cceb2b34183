"""`%gemini` subcommands as argparse subparsers: what each accepts, and the help generated from it.

`%gemini help`, `%gemini budget --help` and `%gemini?` are all printed from these parsers, so the
help cannot drift from what a command accepts. Building it costs about a millisecond and imports
only argparse, so `%load_ext` can have it for `%gemini?`; the commands themselves load on first use.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from IPython.core.error import UsageError

__all__ = ["LINE_HELP", "PARSERS", "SUBCOMMANDS", "HelpShown", "parse"]


class HelpShown(Exception):
    """`--help` was asked for and has been printed: there is nothing else to do."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises (one UsageError sentence with the usage) instead of exiting the kernel."""

    def usage_line(self) -> str:
        """`%gemini budget [USD|off]`: the usage line without argparse's prefix and `[-h]`."""
        return self.format_usage().replace("usage: ", "").replace(" [-h]", "").strip()

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message[:1].upper()}{message[1:]}. Usage: {self.usage_line()}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            raise UsageError(message.strip())
        raise HelpShown()


def _build() -> tuple[dict[str, _Parser], dict[str, str]]:
    parsers: dict[str, _Parser] = {}
    summaries: dict[str, str] = {}

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        summaries[name] = summary
        parsers[name] = _Parser(prog=f"%gemini {name}", description=summary[:1].upper() + summary[1:] + ".")
        return parsers[name]

    command("model", "show or set the model for this session").add_argument(
        "id", nargs="?", metavar="ID", help="an OpenRouter model id, e.g. google/gemini-2.5-flash-lite"
    )
    command("models", "Flash models with prices per million tokens").add_argument(
        "--pick", action="store_true", help="a model picker instead of the table"
    )
    command("cost", "this session's cost per model").add_argument(
        "--reconcile", action="store_true", help="settle ≈ estimates with what OpenRouter billed"
    )
    command("budget", "show, set or remove the session's spending cap").add_argument(
        "amount", nargs="?", metavar="USD|off", help="a cap in USD with a dot (0.50), or off"
    )
    command("tally", "a live cost tally (updates after every request)")
    command("chat", "a chat panel on this session (history, tally, budget shared)")
    key = command("key", "type the API key (kept in memory only, never echoed)").add_mutually_exclusive_group()
    key.add_argument("--clear", action="store_true", help="forget the key typed in this session")
    key.add_argument("--save", action="store_true", help="also store it in the system keyring")
    command("fix", "explain the last error and offer the fixed cell below")
    command("reset", "start a fresh conversation (the cost tally stays)")
    command("history", "the conversation so far")
    command("record", "write every question and answer to a JSON-lines recording").add_argument(
        "path", metavar="PATH|off", help="the recording file (next to the notebook), or off to stop"
    )
    replay = command("replay", "answer from a recording: no key, no network, $0")
    replay.add_argument("path", metavar="PATH|off", help="the recording file, or off to stop")
    replay.add_argument("--fall-through", action="store_true", help="ask OpenRouter what the recording does not hold")
    command("cache", "the answer cache: size and where it lives, or empty it").add_argument(
        "action", nargs="?", choices=["clear"], metavar="clear", help="remove every cached answer"
    )
    command("emulator", "answer from a local OpenRouter emulator: offline, canned, free").add_argument(
        "state", nargs="?", choices=["on", "off"], default="on", metavar="on|off", help="on (the default) or off"
    )
    command("debug", "the full traceback of the last error")
    command("help", "this list")
    return parsers, summaries


#: One parser per subcommand, and its one-line summary, in the order `%gemini help` lists them.
PARSERS, SUBCOMMANDS = _build()


LINE_HELP = (
    "Session commands (%gemini COMMAND --help for one):\n\n"
    + "\n".join(f"{PARSERS[name].usage_line():<36} {summary}" for name, summary in SUBCOMMANDS.items())
    + "\n\nAsk questions with the %%gemini cell magic (%%gemini? lists its options)."
)


def parse(words: list[str]) -> argparse.Namespace:
    """The subcommand and its arguments; UsageError in one sentence, HelpShown after `--help`."""
    if words[0] not in SUBCOMMANDS:
        raise UsageError(f"Unknown %gemini command {words[0]!r}. Commands: {', '.join(SUBCOMMANDS)}.")
    args = PARSERS[words[0]].parse_args(words[1:])  # errors name this command's usage
    args.command = words[0]
    return args
