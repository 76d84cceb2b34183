"""Safe, clipped text for cells and values: the bottom of `frames`, shared by its backends and `_values`."""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = ["CELL_WIDTH", "clip", "safe_repr"]

#: Widest cell in the rows table; longer values are cut with "…".
CELL_WIDTH = 60

_short = reprlib.Repr()
_short.maxstring = _short.maxother = CELL_WIDTH
_short.maxlist = _short.maxtuple = _short.maxset = _short.maxfrozenset = _short.maxdict = 8
_short.maxlevel = 3


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, marked with "…" when cut."""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…" if width > 0 else ""


def safe_repr(value: Any, short: bool = True) -> str:
    """Repr that never raises: a broken `__repr__` must not stop the question."""
    try:
        return _short.repr(value) if short else repr(value)
    except Exception as exc:
        return f"<{type(value).__name__} object: repr failed with {type(exc).__name__}>"
