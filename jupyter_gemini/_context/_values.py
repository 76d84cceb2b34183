"""How an interpolated Python value reads inside a prompt, within a token budget.

A pure function from objects to text. Strings go in as they are; DataFrames,
Series and arrays become a compact summary (`_context.frames._summary`); containers show
their first items; anything else is its repr. Whatever does not fit the budget
is cut and the cut is said, so nothing huge is ever sent by accident and the
model knows what it did not see.
"""

from __future__ import annotations

import collections
import reprlib
from typing import Any

from .._cost._estimate import CHARS_PER_TOKEN, DEFAULT_BUDGET_TOKENS
from .._keys import redact
from .frames._summary import is_tabular, summarize_tabular
from .frames._text import clip, safe_repr

#: Tokens one `{value}` may take unless the caller says otherwise.
__all__ = ["DEFAULT_BUDGET_TOKENS", "MAX_VALUE_CHARS", "value_to_text"]
#: Characters that fit the default budget (a string longer than this is cut).
MAX_VALUE_CHARS = DEFAULT_BUDGET_TOKENS * CHARS_PER_TOKEN
#: A container shows at most this many items at any budget: more items say little more.
MAX_ITEMS = 100

_CONTAINERS = (list, tuple, set, frozenset, dict, collections.deque)
#: (items per container, characters per string or other object), from generous to terse.
_CONTAINER_STEPS = ((MAX_ITEMS, 0), (MAX_ITEMS, 200), (50, 80), (20, 40), (10, 20), (5, 12), (2, 8))


def value_to_text(reference: str, value: Any, budget_tokens: int = DEFAULT_BUDGET_TOKENS) -> str:
    """`value` as prompt text of at most `budget_tokens` tokens (as `text_tokens` counts them).

    Every API key in it is masked: this is the one renderer of `{name}` for every prompt path
    (the magic, the chat panel, map rows), so `{os.environ}` never sends the key.
    """
    if isinstance(value, str):  # masked before it is cut, so a cut cannot leave half a key unmasked
        value = redact(value)
    return redact(_value_text(reference, value, max(budget_tokens, 0) * CHARS_PER_TOKEN))


def _value_text(reference: str, value: Any, budget_chars: int) -> str:
    if isinstance(value, str):
        return _cut(reference, value, budget_chars)
    prompt_text = getattr(type(value), "_gemini_prompt_text_", None)
    if callable(prompt_text):  # our own objects ({Err}) say how they read in a prompt
        return _cut(reference, str(prompt_text(value)), budget_chars)
    if is_tabular(value):
        try:
            return summarize_tabular(value, budget_chars // CHARS_PER_TOKEN, name=reference)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a summary bug (or a polars panic) must not stop the question
            note = f"[{reference}: no summary ({type(exc).__name__}); its repr follows]\n"
            return _cut(reference, note + safe_repr(value, short=False), budget_chars)
    if isinstance(value, (bytes, bytearray)):
        return _bytes(reference, value, budget_chars)
    if isinstance(value, _CONTAINERS):
        return _container(reference, value, budget_chars)
    if type(value).__module__ == "numpy":  # a numpy scalar: "3.5", not "np.float64(3.5)"
        return _cut(reference, str(value), budget_chars)
    return _cut(reference, safe_repr(value, short=False), budget_chars)


def _cut(reference: str, text: str, budget_chars: int) -> str:
    """`text`, or as much of it as fits with a note of how much was left out."""
    if len(text) <= budget_chars:
        return text
    keep = budget_chars
    for _ in range(3):  # the note's own length depends on the number it reports
        note = f"\n[… {reference}: {len(text) - keep:,} more characters not sent]"
        keep = budget_chars - len(note)
    if keep <= 0:
        return clip(text, budget_chars)
    return text[:keep] + f"\n[… {reference}: {len(text) - keep:,} more characters not sent]"


def _bytes(reference: str, value: bytes | bytearray, budget_chars: int) -> str:
    # Slice before repr: a repr is up to four characters a byte, and a huge one is slow to build.
    shown = max(budget_chars // 4, 0)
    if len(value) <= shown:
        return _cut(reference, repr(value), budget_chars)
    note = f"\n[{reference}: showing the first {shown:,} of {len(value):,} bytes]"
    return _cut(reference, repr(value[:shown]) + note, budget_chars)


def _container(reference: str, value: Any, budget_chars: int) -> str:
    """Fewer items and shorter strings until the repr fits; says how many top-level items were shown."""
    text = ""
    for items, width in _CONTAINER_STEPS:
        shortener = reprlib.Repr()
        shortener.maxlist = shortener.maxtuple = shortener.maxset = items
        shortener.maxfrozenset = shortener.maxdict = shortener.maxdeque = items
        shortener.maxstring = shortener.maxother = width or max(budget_chars, 20)
        shortener.maxlevel = 4
        text = _repr_with(shortener, value)
        notes = [f"showing {items} of {len(value):,} items"] if len(value) > items else []
        if width and "..." in text:
            notes.append(f"values over {width} characters shortened with ...")
        if notes:
            text += f"\n[{reference}: {'; '.join(notes)}]"
        if len(text) <= budget_chars:
            return text
    return _cut(reference, text, budget_chars)


def _repr_with(shortener: reprlib.Repr, value: Any) -> str:
    try:
        kind = type(value)
        if kind in _CONTAINERS:
            return shortener.repr(value)
        # A subclass (Counter, OrderedDict, a namedtuple): reprlib would call its full repr, however long.
        name = kind.__name__
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            fields = zip(value._fields, value, strict=False)
            return f"{name}({', '.join(f'{field}={shortener.repr(item)}' for field, item in fields)})"
        base = next(base for base in _CONTAINERS if isinstance(value, base))
        return f"{name}({shortener.repr(base(value))})"
    except Exception as exc:  # a broken __repr__ inside the container
        return f"<{type(value).__name__} object: repr failed with {type(exc).__name__}>"
