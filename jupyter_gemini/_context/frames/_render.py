"""A `Table` as text, degraded step by step until it fits its budget.

Each step of the ladder shows a little less than the one before (fewer rows,
narrower cells, fewer statistics, fewer table columns, then fewer described
columns); a binary search finds the richest step that fits. Whatever the
chosen step leaves unused goes to the names and dtypes of the remaining columns.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ._model import Column, Limits, Table, share_text
from ._text import CELL_WIDTH, clip

_MAIN_STATS = {"min", "median", "max", "mean", "true", "categories", "constant", "NaN"}
#: Fewer table columns than this (when the frame has more) is not worth a table.
_MIN_TABLE_COLS = 3


@dataclass(frozen=True)
class Knobs:
    """How much of a `Table` one rendering shows."""

    cols: int  # described columns
    table_cols: int
    head: int
    sample: int
    tail: int
    width: int  # widest cell
    detail: int  # 3: all stats, 2: main stats, 1: dtype and nulls, 0: dtype
    top: int  # top values per column


def fit(table: Table, limits: Limits, budget_chars: int, name: str) -> str:
    """The richest rendering of `table` within `budget_chars`."""
    steps = _ladder(table, limits)
    more_room = budget_chars // 4  # a quarter of the budget may name undescribed columns

    def size(k: Knobs) -> int:
        return len(render(table, k, name, more_room))

    lo, hi = 0, len(steps) - 1
    if size(steps[hi]) > budget_chars:
        return render(table, steps[hi], name, 0).partition("\n")[0]
    while lo < hi:  # the first step that fits; steps only get smaller
        mid = (lo + hi) // 2
        if size(steps[mid]) <= budget_chars:
            hi = mid
        else:
            lo = mid + 1
    chosen = render(table, steps[lo], name, more_room)
    # Spend what is left on the names of the columns not described.
    spare = budget_chars - len(render(table, steps[lo], name, 0))
    richer = render(table, steps[lo], name, spare)
    return richer if len(chosen) < len(richer) <= budget_chars else chosen


def _ladder(table: Table, limits: Limits) -> list[Knobs]:
    described = len(table.columns)
    table_cols = min(described, limits.table_cols) if table.positions else 0
    rows = limits.rows
    knobs = Knobs(described, table_cols, rows, rows, rows, CELL_WIDTH, 3, 5)
    steps = [knobs]

    def step(**changes: int) -> None:
        nonlocal knobs
        knobs = dataclasses.replace(knobs, **changes)
        if knobs != steps[-1]:
            steps.append(knobs)

    step(sample=min(rows, 3))
    step(width=40, top=3)
    step(head=min(rows, 3), tail=min(rows, 3))
    step(detail=2, width=30)
    for count in _shrinking(table_cols, 8):
        step(table_cols=count)
    step(head=2, tail=2, sample=1, width=20, top=2)
    step(detail=1, sample=0)
    for count in _shrinking(knobs.table_cols, min(_MIN_TABLE_COLS, described)):
        step(table_cols=count)
    step(head=1, tail=1, width=12)
    step(table_cols=0)
    step(detail=0)
    for count in range(described - 1, -1, -1):
        step(cols=count)
    return steps


def _shrinking(start: int, floor: int) -> list[int]:
    counts = []
    while start > floor:
        start = max(floor, start * 3 // 4)
        counts.append(start)
    return counts


def render(table: Table, k: Knobs, name: str, more_room: int) -> str:
    """`table` as shown by `k`; up to `more_room` characters name the columns not described."""
    rows = _chosen_rows(table, k)
    lines = []
    if k.detail >= 1:
        lines += table.notes
    if k.cols:
        if k.detail >= 2:
            sampled = f"; {table.sampled}" if table.sampled else ""
            lines.append(f"columns (dtype, nulls if any, stats{sampled}):")
        else:
            lines.append("columns (dtype, nulls if any):" if k.detail else "columns (dtype):")
        lines += [_column_line(column, k, table.n_rows) for column in table.columns[: k.cols]]
    if rows:
        lines += _rows_lines(table, k, rows)
    more = _more_line(table, k, more_room)
    if more:
        lines.append(more)
    return "\n".join([_header(table, len(rows), k.cols, name), *lines])


def _header(table: Table, shown_rows: int, shown_cols: int, name: str) -> str:
    ref = f" {{{name}}}" if name else ""
    parts = []
    if shown_rows < table.n_rows:
        parts.append(f"{shown_rows:,} of {table.n_rows:,} {table.unit}" if shown_rows else f"no {table.unit}")
    if shown_cols < table.n_cols:
        parts.append(f"{shown_cols:,} of {table.n_cols:,} columns")
    showing = f" (showing {', '.join(parts)})" if parts else " (all shown)"
    return f"{table.kind}{ref}: {table.shape}{showing}"


def _column_line(column: Column, k: Knobs, n_rows: int) -> str:
    line = f"{column.label}: {column.dtype}"
    if k.detail >= 1 and column.nulls:
        share = column.nulls / max(1, n_rows)
        line += f", {column.nulls:,} null" + (f" ({share_text(share)})" if share < 1 else " (all)")
    if k.detail < 2:
        return line
    parts = [f"{key} {value}" for key, value in column.stats if k.detail >= 3 or key in _MAIN_STATS]
    if column.types:
        parts.append(f"types {column.types}")
    if column.distinct:
        parts.append(column.distinct)
    if column.top and k.top:
        shown = column.top[: k.top]
        width = min(k.width, 40)
        top = ", ".join(f"{clip(value, width)} {share_text(share)}" for value, share in shown)
        more = ", …" if column.top_more or len(column.top) > len(shown) else ""
        parts.append(f"top {top}{more}")
    return f"{line}; {', '.join(parts)}" if parts else line


def _chosen_rows(table: Table, k: Knobs) -> list[int]:
    if not k.table_cols or not table.positions:
        return []
    limit = {"head": k.head, "sample": k.sample, "tail": k.tail}
    return [i for i, (role, rank) in enumerate(table.roles) if rank < limit[role]]


def _rows_lines(table: Table, k: Knobs, rows: list[int]) -> list[str]:
    counts = {"head": 0, "sample": 0, "tail": 0}
    for i in rows:
        counts[table.roles[i][0]] += 1
    if len(rows) == table.n_rows:
        what = f"all {len(rows):,}"
    else:
        named = ((f"first {counts['head']}", "head"), (f"{counts['sample']} random", "sample"))
        what = ", ".join(text for text, role in (*named, (f"last {counts['tail']}", "tail")) if counts[role])
    columns = table.columns[: k.table_cols]
    if k.table_cols < table.n_cols:
        what += f"; first {k.table_cols} columns"
    lines = [f"{table.unit} ({what}):", "|".join([table.index_label] + [clip(c.label, k.width) for c in columns])]
    previous = None
    for i in rows:
        position = table.positions[i]
        if previous is not None and position > previous + 1:
            lines.append("…")
        previous = position
        cells = [clip(table.index_cells[i], k.width)] + [clip(c.cells[i], k.width) for c in columns]
        lines.append("|".join(cells))
    return lines


def _more_line(table: Table, k: Knobs, room: int) -> str:
    """'more columns: a, b: int64; x_1…x_90: float64 (+N more)' within `room`."""
    more = table.n_cols - k.cols
    if more <= 0:
        return ""
    short = f"(+{more:,} more columns)"
    if not table.more_names:
        return short
    if k.cols not in table.more_items:
        pairs = [(c.label, c.dtype) for c in table.columns[k.cols :]] + table.more
        table.more_items[k.cols] = _items(pairs)
    items = table.more_items[k.cols]
    # One pass: the longest prefix of items whose line fits.
    length, listed, best, previous = len("more columns: "), 0, 0, None
    for i, (dtype, text, count) in enumerate(items):
        length += len(text) + (2 if previous == dtype else 0 if previous is None else len(f": {previous}; "))
        listed += count
        previous = dtype
        rest = more - listed
        if length + len(f": {dtype}") + (len(f" (+{rest:,} more)") if rest else 0) > room:
            break
        best = i + 1
    if not best:
        return short
    chosen = items[:best]
    rest = more - sum(count for _, _, count in chosen)
    groups: list[tuple[str, list[str]]] = []
    for dtype, text, _ in chosen:
        if groups and groups[-1][0] == dtype:
            groups[-1][1].append(text)
        else:
            groups.append((dtype, [text]))
    body = "; ".join(f"{', '.join(texts)}: {dtype}" for dtype, texts in groups)
    return f"more columns: {body}" + (f" (+{rest:,} more)" if rest else "")


_NUMBERED = re.compile(r"(.*?)(\d+)")


def _items(pairs: list[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """(dtype, text, columns covered): runs of three or more numbered names of one dtype become ranges."""
    items: list[tuple[str, str, int]] = []
    run: list[str] = []
    run_dtype = ""
    last: tuple[str, str, int] | None = None  # dtype, prefix and number of the previous label, if numbered
    for label, dtype in pairs:
        match = _NUMBERED.fullmatch(label)
        key = (dtype, match.group(1), int(match.group(2))) if match else None
        if run and key and last and key == (last[0], last[1], last[2] + 1):
            run.append(label)
        else:
            _flush(items, run, run_dtype)
            run, run_dtype = [label], dtype
        last = key
    _flush(items, run, run_dtype)
    return items


def _flush(items: list[tuple[str, str, int]], run: list[str], dtype: str) -> None:
    if len(run) > 2:
        items.append((dtype, f"{run[0]}…{run[-1]}", len(run)))
    else:
        items.extend((dtype, label, 1) for label in run)
