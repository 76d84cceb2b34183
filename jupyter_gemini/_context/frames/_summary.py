"""DataFrames, Series and arrays as compact text for a prompt, within a token budget.

Every character sent is paid for, so a table becomes a summary (shape, dtypes,
null counts, a few rows, statistics) instead of its repr. The backends
(`_context.frames._pandas`, `_polars`, `_numpy`) turn an object into a neutral
`Table` (`_context.frames._model`), which `_context.frames._render` degrades step
by step until it fits. This module only recognises objects and dispatches, so
importing it (as `_context._values` does on `%load_ext`) costs next to nothing.

pandas, polars and numpy are optional: an object is recognised by the module of
its class, and its library is imported only once such an object is met.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._cost._estimate import CHARS_PER_TOKEN
from ._text import clip

if TYPE_CHECKING:
    from ._model import Table

_TABULAR = {
    "pandas": ("DataFrame", "Series"),
    "polars": ("DataFrame", "Series"),
    "numpy": ("ndarray",),
}


def tabular_family(obj: Any) -> str | None:
    """The library of a frame, series or array ("pandas", "polars" or "numpy"), found without importing it."""
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
    from ._model import Limits

    limits = Limits.for_budget(budget_tokens)
    built: Table | str
    if family == "pandas":
        from ._pandas import build_pandas

        built = build_pandas(obj, limits)
    elif family == "polars":
        from ._polars import build_polars

        built = build_polars(obj, limits)
    else:
        from ._numpy import build_numpy

        built = build_numpy(obj, limits, name, budget_chars)
    if isinstance(built, str):
        return clip(built, budget_chars)
    from ._render import fit

    return clip(fit(built, limits, budget_chars, name), budget_chars)
