"""How an interpolated Python value reads inside a prompt.

A pure function from objects to text. Strings go in as they are; anything
else is its repr, capped so that nothing huge is ever sent by accident.
"""

from __future__ import annotations

import reprlib
from typing import Any

#: About 5,000 tokens: more than any value needs to be understood.
MAX_VALUE_CHARS = 20_000

_repr = reprlib.Repr()
_repr.maxstring = MAX_VALUE_CHARS
_repr.maxother = MAX_VALUE_CHARS
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 200


def value_to_text(reference: str, value: Any) -> str:
    text = value if isinstance(value, str) else _safe_repr(value)
    if len(text) > MAX_VALUE_CHARS:
        cut = len(text) - MAX_VALUE_CHARS
        text = f"{text[:MAX_VALUE_CHARS]}\n[… {reference}: {cut:,} more characters not sent]"
    return text


def _safe_repr(value: Any) -> str:
    # Builtin containers are shortened element by element; other objects use their own repr.
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return _repr.repr(value)
    try:
        return repr(value)
    except Exception as exc:  # a broken __repr__ must not stop the question
        return f"<{type(value).__name__} object: repr failed with {type(exc).__name__}>"
