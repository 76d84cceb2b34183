"""DataFrames, Series and arrays as compact text for a prompt, within a token budget.

Every character sent is paid for, so a table becomes a summary (shape, dtypes,
null counts, a few rows, statistics) instead of its repr. The backends
(`_context_frames_pandas`, `_polars`, `_numpy`) turn an object into a neutral
`Table` (`_context_frames_model`), which `_context_frames_render` degrades step
by step until it fits. This module only recognises objects and dispatches, so
importing it (as `_values` does on `%load_ext`) costs next to nothing.

pandas, polars and numpy are optional: an object is recognised by the module of
its class, and its library is imported only once such an object is met.
"""

from __future__ import annotations

import reprlib
from typing import TYPE_CHECKING, Any

from ._estimate import CHARS_PER_TOKEN

if TYPE_CHECKING:
    from ._context_frames_model import Table

#: Widest cell in the rows table; longer values are cut with "…".
CELL_WIDTH = 60

_TABULAR = {
    "pandas": ("DataFrame", "Series"),
    "polars": ("DataFrame", "Series"),
    "numpy": ("ndarray",),
}


def tabular_family(obj: Any) -> str | None:
    """ "pandas", "polars" or "numpy" if `obj` is a frame, series or array of that library, without importing it."""
    cls = type(obj)
    if cls.__module__.startswith("numpy.ma"):
        return None  # masked arrays: their own repr says what is masked
    for klass in cls.__mro__:
        module = getattr(klass, "__module__", "") or ""
        top = module.partition(".")[0]
        if top in _TABULAR and klass.__name__ in _TABULAR[top]:
            return top
    return None


def is_tabular(obj: Any) -> bool:
    """Whether `summarize_tabular` knows this object (pandas/polars DataFrame or Series, numpy array)."""
    return tabular_family(obj) is not None


def summarize_tabular(obj: Any, budget_tokens: int, *, name: str = "") -> str:
    """A compact description of `obj` that never exceeds `budget_tokens` (as `text_tokens` counts).

    `name` is the `{reference}` that named it in the prompt, echoed in the header line.
    """
    family = tabular_family(obj)
    if family is None:
        raise TypeError(f"not a DataFrame, Series or array: {type(obj).__name__}")
    budget_chars = max(budget_tokens, 0) * CHARS_PER_TOKEN
    if budget_chars == 0:
        return ""
    from ._context_frames_model import Limits

    limits = Limits.for_budget(budget_tokens)
    built: Table | str
    if family == "pandas":
        from ._context_frames_pandas import build_pandas

        built = build_pandas(obj, limits)
    elif family == "polars":
        from ._context_frames_polars import build_polars

        built = build_polars(obj, limits)
    else:
        from ._context_frames_numpy import build_numpy

        built = build_numpy(obj, limits, name, budget_chars)
    if isinstance(built, str):
        return clip(built, budget_chars)
    from ._context_frames_render import fit

    return clip(fit(built, limits, budget_chars, name), budget_chars)


# -- safe text, also for `_values` ---------------------------------------------------

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
    """repr that never raises: a broken `__repr__` must not stop the question."""
    try:
        return _short.repr(value) if short else repr(value)
    except Exception as exc:
        return f"<{type(value).__name__} object: repr failed with {type(exc).__name__}>"
