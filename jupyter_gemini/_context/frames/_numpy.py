"""numpy arrays → `Table` (1-D, 2-D, structured) or text (0-d, 3-D and up).

A 1-D array is one column, a 2-D array a table of its columns, a structured
array a table of its fields. Higher dimensions are shown by numpy's own
summarising printer, with fewer edge items until they fit.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections import Counter
from typing import Any

from ._model import (
    SAMPLE_ROWS,
    Column,
    Limits,
    Table,
    cell_text,
    count_text,
    numeric_stats,
    pick_rows,
    shape_text,
    share_text,
    stat_text,
)

_TOP = 5


def build_numpy(obj: Any, limits: Limits, name: str, budget_chars: int) -> Table | str:
    np = importlib.import_module("numpy")
    array = np.asarray(obj)
    ref = f" {{{name}}}" if name else ""
    dtype = str(array.dtype)
    if array.ndim == 0:
        return f"ndarray{ref}: 0-d {dtype} scalar, value {cell_text(array.item())}"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if array.ndim == 1 and array.dtype.names:
            fields = [(label, array[label]) for label in array.dtype.names]
            return _table(np, array, fields, limits, shape_text(len(array), len(fields), "field"))
        if array.ndim == 1:
            return _table(np, array, [("value", array)], limits, f"{count_text(len(array), 'value')}, {dtype}")
        if array.ndim == 2 and not array.dtype.names:
            fields = [(str(j), array[:, j]) for j in range(min(array.shape[1], limits.cols))]
            shape = f"shape {array.shape}, {dtype}"
            table = _table(np, array, fields, limits, shape)
            overall = _overall(np, array)
            table.notes = [f"all values: {overall}"] if overall else []
            return table
        return _nd_text(np, array, ref, budget_chars)


def _table(np: Any, array: Any, fields: list[tuple[str, Any]], limits: Limits, shape: str) -> Table:
    n_rows = len(array)
    n_cols = array.shape[1] if array.ndim == 2 else len(fields)
    positions, roles = pick_rows(n_rows, limits)
    chosen = (
        np.sort(np.random.default_rng(0).choice(n_rows, SAMPLE_ROWS, replace=False)) if n_rows > SAMPLE_ROWS else None
    )
    unit = "values" if array.ndim == 1 and not array.dtype.names else "rows"
    table = Table(kind="ndarray", n_rows=n_rows, n_cols=n_cols, shape=shape, columns=[], unit=unit)
    table.positions, table.roles = positions, roles
    fields = fields[: limits.cols]
    bulk = array.ndim == 2 and array.dtype.kind in "iuf"
    for j, (label, values) in enumerate(fields):
        column = Column(label=cell_text(label), dtype=str(values.dtype))
        if not bulk:
            try:
                _describe(np, column, values, values[chosen] if chosen is not None else values)
            except Exception:  # a column that cannot be summarised is still listed
                column.stats = []
        if j < limits.table_cols:
            column.cells = [_cell(np, values[p]) for p in positions]
        table.columns.append(column)
    if bulk and n_rows:
        block = array[:, : len(fields)]
        _describe_block(np, table.columns, block, block[chosen] if chosen is not None else block)
    table.index_cells = [str(p) for p in positions]
    table.more_names = array.ndim == 1  # columns 12, 13, … of one dtype are not worth naming
    if chosen is not None and any(c.stats or c.top for c in table.columns):
        table.sampled = f"quartiles and top values from a {SAMPLE_ROWS:,}-row random sample"
    return table


def _describe_block(np: Any, columns: list[Column], block: Any, sample: Any) -> None:
    """Numeric columns of a 2-D array, all at once along axis 0: far faster than column by column."""
    nans = np.isnan(block).sum(axis=0) if block.dtype.kind == "f" else np.zeros(block.shape[1], dtype=int)
    nan_aware = bool(nans.any())
    low, high = (np.nanmin, np.nanmax) if nan_aware else (np.min, np.max)
    mean, std, quantile = (np.nanmean, np.nanstd, np.nanquantile) if nan_aware else (np.mean, np.std, np.quantile)
    lows, highs, means = low(block, axis=0), high(block, axis=0), mean(block, axis=0)
    stds, quartiles = std(block, axis=0, ddof=1), quantile(sample, [0.25, 0.5, 0.75], axis=0)
    for j, column in enumerate(columns):
        column.nulls = int(nans[j])
        present = len(block) - column.nulls
        if present:
            middle = tuple(q.item() for q in quartiles[:, j])
            spread = stds[j].item() if present > 1 else None
            column.stats = numeric_stats(lows[j].item(), middle, highs[j].item(), means[j].item(), spread)


def _describe(np: Any, column: Column, values: Any, sample: Any) -> None:
    kind = values.dtype.kind
    if values.ndim != 1:
        return
    if kind == "b":
        column.stats = [("true", share_text(float(values.mean())))] if values.size else []
    elif kind in "iuf":
        present, sample = _present(np, values), _present(np, sample)
        column.nulls = values.size - present.size
        if present.size:
            column.stats = _numeric_stats(np, present, sample if sample.size else present)
    elif kind in "mM":
        _describe_times(np, column, values, sample)
    elif kind in "USO":
        _describe_values(column, values, sample)


def _describe_times(np: Any, column: Column, values: Any, sample: Any) -> None:
    missing = np.isnat(values)
    column.nulls = int(missing.sum())
    present = values[~missing]
    if present.size:
        ordered = np.sort(sample[~np.isnat(sample)])
        middle = ordered[(len(ordered) - 1) // 2] if len(ordered) else present.min()
        column.stats = [("min", str(present.min())), ("median", str(middle)), ("max", str(present.max()))]


def _describe_values(column: Column, values: Any, sample: Any) -> None:
    """Strings and Python objects: how many distinct, the commonest, and (for objects) their types."""
    items = sample.tolist()
    if values.dtype.kind == "O":
        column.nulls = sum(1 for item in values.tolist() if item is None)
        kinds = Counter(type(item).__name__ for item in items if item is not None)
        total = sum(kinds.values())
        if total and not (len(kinds) == 1 and "str" in kinds):
            column.types = ", ".join(f"{t} {share_text(c / total)}" for t, c in kinds.most_common(4))
    try:
        counts = Counter(item for item in items if item is not None)
    except TypeError:  # unhashable items: the types say enough
        return
    distinct = len(counts)
    if distinct:
        column.distinct = f"≥{distinct:,} distinct" if len(sample) < len(values) else f"{distinct:,} distinct"
        ranked = [(item, count) for item, count in counts.most_common(_TOP) if count > 1]
        column.top = [(cell_text(item), count / len(items)) for item, count in ranked]
        column.top_more = distinct > len(column.top)


def _present(np: Any, values: Any) -> Any:
    if values.dtype.kind != "f":
        return values
    missing = np.isnan(values)
    return values[~missing] if missing.any() else values


def _numeric_stats(np: Any, present: Any, sample: Any) -> list[tuple[str, str]]:
    quartiles = tuple(q.item() for q in np.quantile(sample, [0.25, 0.5, 0.75]))
    std = present.std(ddof=1).item() if present.size > 1 else None
    return numeric_stats(present.min().item(), quartiles, present.max().item(), present.mean().item(), std)


def _overall(np: Any, array: Any) -> str:
    """min, max, mean, std and NaN count over every value of a numeric array."""
    if array.dtype.kind not in "iuf" or not array.size:
        return ""
    flat = array.ravel()
    present = _present(np, flat)
    nans = flat.size - present.size
    parts = [f"{nans:,} NaN"] if nans else []
    if present.size:
        parts[:0] = [
            f"min {stat_text(present.min().item())}",
            f"max {stat_text(present.max().item())}",
            f"mean {stat_text(present.mean().item())}",
            f"std {stat_text(present.std().item())}",
        ]
    return ", ".join(parts)


def _cell(np: Any, value: Any) -> str:
    if isinstance(value, np.generic) and value.dtype.kind in "mM":
        return str(value)
    if isinstance(value, np.ndarray):  # a sub-array field
        return cell_text(np.array2string(value, threshold=8, edgeitems=2, separator=","))
    return cell_text(value.item() if isinstance(value, np.generic) else value)


def _nd_text(np: Any, array: Any, ref: str, budget_chars: int) -> str:
    """Header, overall statistics and numpy's summarised printout with as many edge items as fit."""
    header = f"ndarray{ref}: shape {array.shape}, {array.dtype}, {count_text(array.size, 'value')}"
    overall = _overall(np, array)
    lines = [header] + ([f"all values: {overall}"] if overall else [])
    for threshold, edge in ((1000, 3), (0, 3), (0, 2), (0, 1)):  # whole if small, then fewer edge items
        shown = array.size if array.size <= threshold else math.prod(min(n, 2 * edge) for n in array.shape)
        if 2 * shown > budget_chars:  # at least two characters a value: cannot fit, do not print it
            continue
        preview = np.array2string(array, threshold=threshold, edgeitems=edge, precision=4, max_line_width=120)
        text = "\n".join([*lines, preview])
        if len(text) <= budget_chars:
            return text
    return "\n".join(lines)
