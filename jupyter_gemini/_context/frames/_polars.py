"""polars DataFrame or Series → `Table`, with polars' own expressions.

Same reading as the pandas backend: null counts, min, max, mean and std exact;
quartiles and top values of long frames from one seeded sample. polars keeps
NaN apart from null, so a float column also reports its NaN count.
"""

from __future__ import annotations

import datetime
import importlib
import re
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
    timedelta_text,
)
from ._text import clip

_TOP = 5
_KEYWORD = re.compile(r", \w+=None(?=\))|\b\w+=|'")


def build_polars(obj: Any, limits: Limits) -> Table:
    pl = importlib.import_module("polars")
    if isinstance(obj, pl.Series):
        frame = obj.to_frame()
        kind, shape = "polars Series", count_text(len(obj), "row")
    else:
        frame = obj
        kind, shape = "polars DataFrame", shape_text(*frame.shape)
    n_rows, n_cols = frame.shape
    names = frame.columns
    described = min(n_cols, limits.cols)
    in_table = min(described, limits.table_cols)
    part = frame.select(names[:described])
    positions, roles = pick_rows(n_rows, limits)
    sampled = n_rows > SAMPLE_ROWS
    sample = part.sample(n=SAMPLE_ROWS, seed=0) if sampled else part
    nulls = part.null_count().row(0) if described else ()
    rows = part.select(names[:in_table])[positions] if positions else None
    table = Table(kind=kind, n_rows=n_rows, n_cols=n_cols, shape=shape, columns=[], positions=positions, roles=roles)
    used_sample = False
    for j, name in enumerate(names[:described]):
        series = part.to_series(j)
        label = "value" if kind == "polars Series" and not name else name
        column = Column(label=cell_text(label), dtype=_dtype(series.dtype), nulls=int(nulls[j]))
        if column.nulls < n_rows:
            try:
                used_sample |= _describe(pl, column, series, sample.to_series(j)) and sampled
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # a column that cannot be summarised is still listed (Rust panics included)
                column.stats = []
        if rows is not None and j < in_table:
            column.cells = _cells(pl, rows.to_series(j))
        table.columns.append(column)
    table.index_cells = [str(p) for p in positions]
    schema = frame.schema
    table.more = [(cell_text(n), _dtype(schema[n])) for n in names[described : described + limits.more]]
    if used_sample:
        table.sampled = f"quartiles and top values from a {SAMPLE_ROWS:,}-row random sample"
    return table


def _dtype(dtype: Any) -> str:
    """Datetime(time_unit='us', time_zone='UTC') → Datetime(us, UTC)."""
    return clip(_KEYWORD.sub("", str(dtype)), 60)


def _describe(pl: Any, column: Column, series: Any, sample: Any) -> bool:
    """Fill the statistics; True if some of them came from the sample."""
    dtype = series.dtype
    if dtype == pl.Boolean:
        column.stats = [("true", share_text(float(series.mean())))]
        return False
    if dtype.is_numeric():
        if dtype.is_decimal():
            series, sample = series.cast(pl.Float64), sample.cast(pl.Float64)
        values, nans = _present(pl, series)
        sample, _ = _present(pl, sample)
        if nans:
            column.stats = [("NaN", f"{nans:,}")]
        if len(values):
            column.stats += _numeric(values, sample if len(sample) else values)
        return True
    if dtype.is_temporal():
        _describe_times(pl, column, series, sample)
        return True
    if dtype == pl.Object:  # arbitrary Python objects: polars cannot count them
        return False
    return _describe_values(pl, column, series, sample)


def _describe_times(pl: Any, column: Column, series: Any, sample: Any) -> None:
    values = series.drop_nulls()
    ordered = sample.drop_nulls().sort()
    middle = ordered[(len(ordered) - 1) // 2] if len(ordered) else values.min()
    column.stats = [("min", _when(values.min())), ("median", _when(middle)), ("max", _when(values.max()))]
    if series.dtype == pl.Duration:
        mean = values.mean()
        if isinstance(mean, datetime.timedelta) and abs(mean) >= datetime.timedelta(minutes=1):
            mean = datetime.timedelta(seconds=round(mean.total_seconds()))
        column.stats.append(("mean", _when(mean)))


def _describe_values(pl: Any, column: Column, series: Any, sample: Any) -> bool:
    """Strings and categories: how many distinct and the commonest; True if counted on the sample."""
    from_sample = series.dtype not in (pl.Categorical, pl.Enum) and len(sample) < len(series)
    source = sample if from_sample else series
    present = source.drop_nulls()
    if not len(present):
        return False
    counts = present.value_counts(sort=True)
    distinct = counts.height
    column.distinct = f"≥{distinct:,} distinct" if from_sample else f"{distinct:,} distinct"
    values, tallies = counts.to_series(0).to_list(), counts.to_series(1).to_list()
    top = zip(values[:_TOP], tallies[:_TOP], strict=True)
    column.top = [(cell_text(value), tally / len(source)) for value, tally in top if tally > 1]
    column.top_more = distinct > len(column.top)
    return from_sample


def _present(pl: Any, series: Any) -> tuple[Any, int]:
    values = series.drop_nulls()
    if values.dtype.is_float():
        nans = int(values.is_nan().sum())
        return (values.filter(values.is_not_nan()) if nans else values), nans
    return values, 0


def _numeric(values: Any, sample: Any) -> list[tuple[str, str]]:
    quartiles = tuple(sample.quantile(q, interpolation="linear") for q in (0.25, 0.5, 0.75))
    std = values.std() if len(values) > 1 else None
    return numeric_stats(values.min(), quartiles, values.max(), values.mean(), std)


def _when(value: Any) -> str:
    """A datetime as wall time (the zone is in the dtype), without a midnight time."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    text = timedelta_text(value) if isinstance(value, datetime.timedelta) else str(value)
    return text[:-9] if text.endswith(" 00:00:00") else text


def _cells(pl: Any, series: Any) -> list[str]:
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is not None:
        series = series.dt.replace_time_zone(None)
    return [cell_text(value) for value in series.to_list()]
