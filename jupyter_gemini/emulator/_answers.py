"""Deterministic answer text: same request, same words, with an exact token count.

Every answer says plainly that it comes from the local emulator, so it can
never be mistaken for a model's output in a saved notebook.
"""

from __future__ import annotations

import hashlib
import json
from itertools import cycle, islice

from .._cost._estimate import CHARS_PER_TOKEN
from ._faults import strip_directives
from ._tokens import PromptStats

LABEL = "Answer from the local OpenRouter emulator (jupyter-gemini), not a real model."
QUOTE_CHARS = 120

_WORDS = (
    "this",
    "is",
    "deterministic",
    "filler",
    "text",
    "from",
    "the",
    "local",
    "emulator",
    "so",
    "notebooks",
    "can",
    "be",
    "tested",
    "offline",
    "without",
    "spending",
    "credits",
    "while",
    "every",
    "token",
    "is",
    "still",
    "counted",
    "and",
    "priced",
    "exactly",
    "like",
    "a",
    "real",
    "answer",
    "from",
    "a",
    "Gemini",
    "Flash",
    "model",
)


def quote(text: str) -> str:
    """The start of a prompt on one line, directives removed."""
    line = " ".join(strip_directives(text).split())
    return line if len(line) <= QUOTE_CHARS else line[: QUOTE_CHARS - 1].rstrip() + "…"


def _filler(length: int, seed: str) -> str:
    """Exactly `length` characters of filler words, starting at a prompt-dependent word."""
    if length <= 0:
        return ""
    start = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % len(_WORDS)
    words: list[str] = []
    size = -1
    for word in islice(cycle(_WORDS), start, None):
        words.append(word)
        size += len(word) + 1
        if size >= length:
            break
    text = " ".join(words)[:length]
    return text[:-1] + "." if length > 1 else text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _context_note(stats: PromptStats) -> str:
    return (
        f"Context received: {_plural(stats.messages, 'message')}, "
        f"{_plural(stats.images, 'image')}, {_plural(stats.files, 'file')}."
    )


def plain_answer(stats: PromptStats, tokens: int) -> str:
    """Label, quote, context note, then filler, cut or padded to exactly `tokens` tokens."""
    asked = quote(stats.last_user_text)
    text = f"*{LABEL}*\n\nYou asked: \u201c{asked}\u201d\n\n{_context_note(stats)}\n\n"
    target = tokens * CHARS_PER_TOKEN
    if len(text) >= target:
        return text[:target]
    return text + _filler(target - len(text), asked)


def reasoning_text(stats: PromptStats, tokens: int) -> str:
    """The emulator's "thinking": says it is emulated, then filler, exactly `tokens` tokens long."""
    text = f"(Emulated thinking, not a real model's) Considering: \u201c{quote(stats.last_user_text)}\u201d. "
    target = tokens * CHARS_PER_TOKEN
    return text[:target] if len(text) >= target else text + _filler(target - len(text), "thinking")


def _comment_lines(length: int, seed: str) -> str:
    """Python comment lines totalling exactly `length` characters, newlines included."""
    lines: list[str] = []
    while length > 0:
        if length < 3:
            lines.append("\n" * length)
            break
        size = min(length, 72)
        if 0 < length - size < 3:
            size = length - 3
        lines.append(("# " + _filler(size - 3, seed + str(len(lines))) if size > 3 else "##") + "\n")
        length -= size
    return "".join(lines)


def code_answer(stats: PromptStats, tokens: int) -> str:
    """One runnable fenced Python block, padded with comments towards `tokens` tokens."""
    asked = quote(stats.last_user_text)
    head = (
        "```python\n"
        f"# {LABEL}\n"
        f"prompt = {asked!r}\n"
        'print(f"jupyter-gemini emulator: you asked {prompt!r} ({len(prompt.split())} words)")\n'
    )
    tail = "```"
    missing = tokens * CHARS_PER_TOKEN - len(head) - len(tail)
    return head + _comment_lines(missing, asked) + tail


def json_answer(stats: PromptStats, tokens: int) -> str:
    """One valid JSON object, its `filler` string sized towards `tokens` tokens."""
    asked = quote(stats.last_user_text)
    fields: dict[str, object] = {
        "emulator": "jupyter-gemini",
        "note": LABEL,
        "prompt": asked,
        "messages": stats.messages,
        "images": stats.images,
        "files": stats.files,
        "filler": "",
    }
    base = json.dumps(fields, ensure_ascii=False)
    fields["filler"] = _filler(tokens * CHARS_PER_TOKEN - len(base), asked)
    return json.dumps(fields, ensure_ascii=False)


def is_prose(stats: PromptStats, *, json_mode: bool) -> bool:
    """Whether `answer_text` writes prose (cut to exactly the tokens wanted) rather than code or JSON."""
    return not json_mode and "code block" not in stats.system_text.lower()


def answer_text(stats: PromptStats, tokens: int, *, json_mode: bool) -> str:
    """Pick the answer kind from the request: JSON mode, code-block system prompt, or prose.

    Prose is exactly `tokens` tokens long; code and JSON answers are never cut
    below the length that keeps them valid.
    """
    if is_prose(stats, json_mode=json_mode):
        return plain_answer(stats, tokens)
    if json_mode:
        return json_answer(stats, tokens)
    return code_answer(stats, tokens)
