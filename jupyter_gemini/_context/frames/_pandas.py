"""pandas DataFrame or Series → `Table`.

Null counts, min, max, mean and std are exact and vectorised; quartiles and
top values of long frames come from one deterministic random sample, which is
what keeps a million-row frame well under a quarter of a second.
"""

from __future__ import annotations

import importlib
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

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
)

T = TypeVar("T")
_TOP = 5
#: Object columns: the types of at most this many values are counted (a Python loop).
_TYPE_PROBE = 2_000


def build_pandas(obj: Any, limits: Limits) -> Table:
    pd = importlib.import_module("pandas")
    np = importlib.import_module("numpy")
    if isinstance(obj, pd.Series):
        frame = obj.to_frame()
        labels = ["value" if obj.name is None else _label(obj.name)]
        kind, shape = "Series", count_text(len(obj), "row")
    else:
        frame = obj
        labels = []
        kind, shape = "DataFrame", shape_text(*frame.shape)
    n_rows, n_cols = frame.shape
    described = min(n_cols, limits.cols)
    in_table = min(described, limits.table_cols)
    if not labels:
        labels = [_label(label) for label in frame.columns[: described + limits.more]]
    positions, roles = pick_rows(n_rows, limits)
    sampled = n_rows > SAMPLE_ROWS
    chosen = np.sort(np.random.default_rng(0).choice(n_rows, SAMPLE_ROWS, replace=False)) if sampled else None
    rows = frame.iloc[positions, :in_table] if positions else None
    table = Table(kind=kind, n_rows=n_rows, n_cols=n_cols, shape=shape, columns=[], positions=positions, roles=roles)
    used_sample = False
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for j in range(described):
            series = frame.iloc[:, j]
            column = Column(label=labels[j], dtype=str(series.dtype), nulls=_nulls(series, np))
            if column.nulls < n_rows:
                try:
                    used_sample |= _describe(column, series, chosen, pd, np)
                except Exception:  # a column that cannot be summarised is still listed
                    column.stats = []
            if rows is not None and j < in_table:
                column.cells = _guarded(["?"] * len(positions), _cells, rows.iloc[:, j], pd)
            table.columns.append(column)
        if positions:
            fallback = ("", [str(p) for p in positions])
            table.index_label, table.index_cells = _guarded(fallback, _index_cells, frame.index, positions, pd)
    dtypes = frame.dtypes
    table.more = [(labels[j], str(dtypes.iloc[j])) for j in range(described, min(n_cols, described + limits.more))]
    table.notes = _guarded([], _notes, frame, pd)
    if used_sample:
        table.sampled = f"quartiles and top values from a {SAMPLE_ROWS:,}-row random sample"
    return table


def _guarded(fallback: T, make: Callable[..., T], *args: Any) -> T:
    """A part of the summary, or a stand-in if this frame breaks it: the rest is still worth sending."""
    try:
        return make(*args)
    except Exception:
        return fallback


def _label(label: Any) -> str:
    if isinstance(label, tuple):
        return cell_text("/".join(str(part) for part in label))
    return cell_text(label if isinstance(label, str) else str(label))


def _nulls(series: Any, np: Any) -> int:
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return 0  # these numpy dtypes cannot hold a missing value
    return int(series.isna().sum())


def _describe(column: Column, series: Any, chosen: Any, pd: Any, np: Any) -> bool:
    """Fill the statistics; True if some of them came from the rows `chosen` as a sample (None: all rows)."""
    api = pd.api.types
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        counts = series.value_counts(sort=True)
        ordered = " ordered" if dtype.ordered else ""
        column.stats = [("categories", f"{len(dtype.categories):,}{ordered}")]
        _top(column, counts, len(series))
        return False
    if api.is_bool_dtype(dtype):
        column.stats = [("true", share_text(float(series.mean())))]
        return False
    if api.is_numeric_dtype(dtype) and dtype.kind in "iuf":
        return _describe_numbers(column, series, chosen, np)
    if api.is_datetime64_any_dtype(dtype) or api.is_timedelta64_dtype(dtype):
        return _describe_times(column, series, chosen, timedelta=api.is_timedelta64_dtype(dtype))
    if api.is_string_dtype(dtype) or api.is_object_dtype(dtype):
        return _describe_values(column, series, chosen, mixed=api.is_object_dtype(dtype))
    return False


def _describe_numbers(column: Column, series: Any, chosen: Any, np: Any) -> bool:
    sampled, nulls = chosen is not None, column.nulls > 0
    if isinstance(series.dtype, np.dtype):  # sample straight from the numpy array: no pandas take
        raw = series.to_numpy()
        values = raw[~np.isnan(raw)] if nulls and raw.dtype.kind == "f" else raw
        sample = raw[chosen] if sampled else None
        if sample is not None and nulls and raw.dtype.kind == "f":
            sample = sample[~np.isnan(sample)]
    else:  # nullable Int64, Float64, …
        values = _present(series, np, nulls)
        sample = _present(series.iloc[chosen], np, nulls) if sampled else None
    _numeric(column, values, sample, np)
    return sampled


def _describe_times(column: Column, series: Any, chosen: Any, *, timedelta: bool) -> bool:
    sampled = chosen is not None
    sample = series.iloc[chosen] if sampled else series
    middle = sample.quantile(0.5, interpolation="lower")  # a value that occurs, not a midpoint
    column.stats = [("min", _when(series.min())), ("median", _when(middle)), ("max", _when(series.max()))]
    if timedelta:
        mean = series.mean()
        column.stats.append(("mean", _when(mean.round("s") if abs(mean.total_seconds()) >= 60 else mean)))
    return sampled


def _describe_values(column: Column, series: Any, chosen: Any, *, mixed: bool) -> bool:
    """Strings and Python objects: how many distinct, the commonest, and (for objects) their types."""
    sampled = chosen is not None
    source = series.iloc[chosen] if sampled else series
    if mixed:
        column.types = _types(source)
    try:
        counts = source.value_counts(sort=True)
    except TypeError:  # unhashable values (dicts, lists): their types say enough
        return sampled
    if len(counts):
        distinct = len(counts)
        column.distinct = f"≥{distinct:,} distinct" if sampled else f"{distinct:,} distinct"
        if distinct == len(source) - column.nulls and not sampled:
            column.distinct = "all distinct"
        _top(column, counts, len(source))
    return sampled


def _present(series: Any, np: Any, nulls: bool) -> Any:
    """The non-missing values of a nullable (extension) series as a numpy array of its numpy dtype."""
    values = series.dropna().to_numpy() if nulls else series.to_numpy()
    if values.dtype.kind == "f":
        values = values[~np.isnan(values)]
    elif values.dtype.kind == "O":
        values = values.astype("float64")
    return values


def _numeric(column: Column, values: Any, sample: Any, np: Any) -> None:
    if not values.size:
        return
    quartiles = tuple(
        q.item() for q in np.quantile(values if sample is None or not sample.size else sample, [0.25, 0.5, 0.75])
    )
    std = values.std(ddof=1).item() if values.size > 1 else None
    column.stats = numeric_stats(values.min().item(), quartiles, values.max().item(), values.mean().item(), std)


def _when(value: Any) -> str:
    """A Timestamp or Timedelta, as wall time (the zone is in the dtype) and without a midnight time."""
    if getattr(value, "tzinfo", None) is not None:
        value = value.tz_localize(None)
    text = str(value)
    return text[:-9] if text.endswith(" 00:00:00") and "days" not in text else text


def _top(column: Column, counts: Any, total: int) -> None:
    if not len(counts) or int(counts.iloc[0]) < 2:
        return
    head = counts.iloc[:_TOP]
    column.top = [(cell_text(value), int(count) / max(total, 1)) for value, count in head.items() if count > 1]
    column.top_more = len(counts) > len(column.top)


def _types(values: Any) -> str:
    probe = values.iloc[:: max(1, len(values) // _TYPE_PROBE)].dropna()
    kinds = Counter(type(value).__name__ for value in probe)
    total = sum(kinds.values())
    if not total or (len(kinds) == 1 and "str" in kinds):
        return ""
    return ", ".join(f"{name} {share_text(count / total)}" for name, count in kinds.most_common(4))


def _cells(series: Any, pd: Any) -> list[str]:
    api = pd.api.types
    dtype = series.dtype
    if api.is_datetime64_any_dtype(dtype) or api.is_timedelta64_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        texts = series.astype(str).mask(series.isna(), "NaT")
        return [str(text) for text in texts.tolist()]
    return [cell_text(value) for value in series.tolist()]


def _index_cells(index: Any, positions: list[int], pd: Any) -> tuple[str, list[str]]:
    names = [cell_text(str(name)) if name is not None else "" for name in index.names]
    label = ",".join(names) if any(names) else ""
    if isinstance(index, pd.MultiIndex):
        levels = [_cells(index.get_level_values(i)[positions].to_series(), pd) for i in range(index.nlevels)]
        return label, [",".join(parts) for parts in zip(*levels, strict=True)]
    return label, _cells(index[positions].to_series(), pd)


def _notes(frame: Any, pd: Any) -> list[str]:
    notes = []
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        levels = ", ".join(
            f"{name if name is not None else '-'} {dtype}"
            for name, dtype in zip(index.names, index.dtypes, strict=True)
        )
        notes.append(f"index: MultiIndex, {index.nlevels} levels ({levels})")
    elif not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        name = f" {cell_text(str(index.name))}" if index.name is not None else ""
        order = ", sorted" if len(index) > 1 and index.is_monotonic_increasing else ""
        notes.append(f"index: {type(index).__name__}{name} ({index.dtype}{order})")
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        names = ", ".join(str(name) for name in columns.names if name is not None)
        named = f" named {names}" if names else ""
        notes.append(f"columns: MultiIndex, {columns.nlevels} levels{named}; labels joined with '/'")
    if not columns.is_unique:
        duplicated = [_label(label) for label in columns[columns.duplicated()].unique()[:10]]
        notes.append(f"duplicate column names: {', '.join(duplicated)}")
    return notes
