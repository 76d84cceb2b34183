"""The `%gemini` subcommands and their one-line help, apart from the code that runs them.

`%load_ext` needs the help text for `%gemini?`; the commands themselves load on first use.
"""

from __future__ import annotations

SUBCOMMANDS: dict[str, str] = {
    "model": "%gemini model [ID]           show or set the model for this session",
    "models": "%gemini models [--pick]      Flash models with prices per million tokens (--pick: a picker)",
    "cost": "%gemini cost [--reconcile]   this session's cost per model; --reconcile settles ≈ estimates",
    "budget": "%gemini budget [USD|off]     show, set or remove the session's spending cap",
    "tally": "%gemini tally                a live cost tally (updates after every request)",
    "chat": "%gemini chat                 a chat panel on this session (history, tally, budget shared)",
    "key": "%gemini key [--clear|--save] type the API key (kept in memory only, never echoed)",
    "fix": "%gemini fix                  explain the last error and offer the fixed cell below",
    "reset": "%gemini reset                start a fresh conversation (the cost tally stays)",
    "history": "%gemini history              the conversation so far",
    "record": "%gemini record PATH|off      write every question and answer to a JSON-lines recording",
    "replay": "%gemini replay PATH|off      answer from a recording: no key, no network, $0",
    "cache": "%gemini cache [clear]        the answer cache: size and where it lives, or empty it",
    "emulator": "%gemini emulator [on|off]    answer from a local OpenRouter emulator: offline, canned, free",
    "debug": "%gemini debug                the full traceback of the last error",
    "help": "%gemini help                 this list",
}

LINE_HELP = (
    "Session commands:\n\n"
    + "\n".join(SUBCOMMANDS.values())
    + "\n\nAsk questions with the %%gemini cell magic (%%gemini? lists its options)."
)
