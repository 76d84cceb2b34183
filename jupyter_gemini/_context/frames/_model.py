"""The neutral model every backend fills in, and the text helpers they share.

A `Table` holds what a summary could show at most (the richest rows, columns
and statistics the budget allows); the renderer decides how much of it to show.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field
from typing import Any

from ._text import CELL_WIDTH, safe_repr

#: Frames longer than this get their sampled statistics from this many random rows.
SAMPLE_ROWS = 100_000

_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": " ", "|": "\\|"})


@dataclass(frozen=True)
class Limits:
    """The richest summary worth building for a budget: more budget, more rows and columns."""

    rows: int  # at most this many head rows, random rows and tail rows each
    cols: int  # columns described with statistics
    table_cols: int  # columns in the rows table
    more: int  # further column names kept for the "more columns" line

    @classmethod
    def for_budget(cls, budget_tokens: int) -> Limits:
        return cls(
            rows=_clamp(budget_tokens // 400, 5, 20),
            cols=_clamp(budget_tokens // 50, 12, 100),
            table_cols=_clamp(budget_tokens // 80, 3, 100),
            more=_clamp(budget_tokens * 2, 10, 20_000),
        )


@dataclass
class Column:
    """One described column; `cells` line up with `Table.positions`."""

    label: str
    dtype: str
    nulls: int = 0
    #: (name, text) in display order, e.g. ("min", "0"), ("median", "4.5").
    stats: list[tuple[str, str]] = field(default_factory=list)
    distinct: str = ""
    top: list[tuple[str, float]] = field(default_factory=list)  # value, share of rows
    top_more: bool = False
    types: str = ""  # for object columns: "dict 60%, list 40%"
    cells: list[str] = field(default_factory=list)


@dataclass
class Table:
    kind: str  # "DataFrame", "Series", "polars DataFrame", "ndarray", …
    n_rows: int
    n_cols: int
    shape: str  # e.g. "1,000,000 rows by 20 columns", in the header
    columns: list[Column]  # the first few columns, described
    more: list[tuple[str, str]] = field(default_factory=list)  # (label, dtype) of further columns, capped
    positions: list[int] = field(default_factory=list)  # candidate rows, ascending
    roles: list[tuple[str, int]] = field(default_factory=list)  # ("head" | "sample" | "tail", rank)
    index_label: str = ""
    index_cells: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # index, MultiIndex, duplicate names, …
    sampled: str = ""  # which statistics come from a sample, if any
    unit: str = "rows"
    more_names: bool = True  # False when further columns are not worth naming (array columns 12, 13, …)
    #: The renderer's cache of the "more columns" line's pieces, by number of described columns.
    more_items: dict[int, list[tuple[str, str, int]]] = field(default_factory=dict, repr=False)


def pick_rows(n: int, limits: Limits) -> tuple[list[int], list[tuple[str, int]]]:
    """Head, tail and random-but-deterministic middle rows, as ascending positions with their roles.

    The random rows are ranked, so a smaller summary shows a subset of a larger one.
    """
    head = min(n, limits.rows)
    tail = min(n - head, limits.rows)
    middle = range(head, n - tail)
    picked = random.Random(0).sample(middle, min(len(middle), limits.rows))
    roles: dict[int, tuple[str, int]] = {p: ("head", p) for p in range(head)}
    roles.update({n - 1 - r: ("tail", r) for r in range(tail)})
    roles.update({p: ("sample", rank) for rank, p in enumerate(picked)})
    positions = sorted(roles)
    return positions, [roles[p] for p in positions]


def cell_text(value: Any) -> str:
    """One value as a table cell: short, on one line, no `|`."""
    if isinstance(value, str):
        return value.translate(_ESCAPES)[: CELL_WIDTH + 1] if value else '""'
    if isinstance(value, float):
        return float_text(value)
    if value is None or isinstance(value, (bool, int)):
        return safe_repr(value)
    kind = type(value)
    if kind.__name__ in ("NAType", "NaTType"):
        return "<NA>" if kind.__name__ == "NAType" else "NaT"
    if isinstance(value, datetime.timedelta) and kind.__module__ == "datetime":
        text = timedelta_text(value)
    elif kind.__module__ in ("numpy", "datetime", "decimal") or kind.__name__ in ("Timestamp", "Timedelta", "Period"):
        text = str(value)  # numpy scalars, dates, decimals: their str is the plain value
    else:
        text = safe_repr(value)
    return text.translate(_ESCAPES)[: CELL_WIDTH + 1]


def timedelta_text(value: datetime.timedelta) -> str:
    """Pandas' spelling, "4 days 23:47:36", which has no comma to confuse a list."""
    days, seconds = value.days, value.seconds
    text = f"{days} days {seconds // 3600:02}:{seconds // 60 % 60:02}:{seconds % 60:02}"
    return f"{text}.{value.microseconds:06}" if value.microseconds else text


def float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return f"{value:.6g}"


def stat_text(value: Any) -> str:
    """A statistic: integers exactly, other numbers to four significant digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return cell_text(value)
    if math.isnan(number) or math.isinf(number):
        return float_text(number)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    if 1e4 <= abs(number) < 1e15:
        return f"{number:,.0f}"
    return f"{number:.4g}"


def numeric_stats(
    low: Any, quartiles: tuple[Any, Any, Any], high: Any, mean: Any, std: Any | None
) -> list[tuple[str, str]]:
    """min, p25, median, p75, max, mean, std; a column of one value is just "constant"."""
    if low == high:
        return [("constant", stat_text(low))]
    stats = [("min", stat_text(low))]
    stats += [(key, stat_text(value)) for key, value in zip(("p25", "median", "p75"), quartiles, strict=True)]
    stats += [("max", stat_text(high)), ("mean", stat_text(mean))]
    return stats + ([("std", stat_text(std))] if std is not None else [])


def share_text(share: float) -> str:
    percent = share * 100
    return f"{percent:.1f}%" if percent >= 1 else f"{percent:.2g}%"


def shape_text(n_rows: int, n_cols: int, noun: str = "column") -> str:
    """The header's "1,000,000 rows by 20 columns", with a multiplication sign."""
    return f"{count_text(n_rows, 'row')} \N{MULTIPLICATION SIGN} {count_text(n_cols, noun)}"


def count_text(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
