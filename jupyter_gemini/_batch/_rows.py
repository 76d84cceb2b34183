"""What `map` iterates over: DataFrame rows, a Series, or plain prompts.

pandas and polars are never imported here unless such an object is passed.
"""

from __future__ import annotations

import dataclasses
from collections import ChainMap
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, cast

from .._context._interpolate import Renderer, interpolate
from .._context._values import value_to_text
from ..errors import OptionError


@dataclasses.dataclass
class Rows:
    prompts: list[str]
    #: Builds the result from the answers, in row order (a Series aligned with the input, or a list).
    result: Callable[[list[Any]], Any]


def library_of(obj: Any) -> str:
    """The top-level package an object's type comes from ("pandas" for pandas 2 and 3 alike)."""
    return type(obj).__module__.partition(".")[0]


def rows_of(template: str | None, data: Any, namespace: Mapping[str, Any], render: Renderer = value_to_text) -> Rows:
    """Each row's prompt; `render` turns the values a template names into text (see `_context._values`)."""
    library = library_of(data)
    if library == "pandas" and hasattr(data, "columns"):
        return _pandas_frame(template, data, namespace, render)
    if library == "pandas":
        return _series_like(template, list(data), list(data.index), namespace, _pandas_series(data), render)
    if library == "polars" and hasattr(data, "columns"):
        return _records(template, data.to_dicts(), namespace, _polars_series(data), render)
    if library == "polars":
        values = data.to_list()
        return _series_like(template, values, list(range(len(values))), namespace, _polars_series(data), render)
    if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        raise OptionError("map() needs rows: a DataFrame, a Series, or a list of prompts.")
    values = list(data)
    return _series_like(template, values, list(range(len(values))), namespace, list, render)


def _pandas_frame(template: str | None, frame: Any, namespace: Mapping[str, Any], render: Renderer) -> Rows:
    records = frame.to_dict("records")

    def result(answers: list[Any]) -> Any:
        import pandas as pd

        return pd.Series(answers, index=frame.index, dtype=object, name="answer")

    return _records(template, records, namespace, result, render)


def _layered(row: dict[str, Any], namespace: Mapping[str, Any]) -> ChainMap[str, Any]:
    """The row's fields first, then the notebook's variables; read-only, never copied."""
    return ChainMap(row, cast("MutableMapping[str, Any]", namespace))


def _records(
    template: str | None,
    records: list[dict[str, Any]],
    namespace: Mapping[str, Any],
    result: Callable[[list[Any]], Any],
    render: Renderer,
) -> Rows:
    if template is None:
        raise OptionError("Mapping over a table needs a template naming its columns, e.g. 'Summarise {review}'.")
    prompts = [interpolate(template, _layered({str(k): v for k, v in r.items()}, namespace), render) for r in records]
    return Rows(prompts, result)


def _series_like(
    template: str | None,
    values: list[Any],
    index: list[Any],
    namespace: Mapping[str, Any],
    result: Callable[[list[Any]], Any],
    render: Renderer,
) -> Rows:
    if template is None:
        return Rows([value if isinstance(value, str) else render("value", value) for value in values], result)
    prompts = [
        interpolate(template, _layered({"value": value, "index": key}, namespace), render)
        for value, key in zip(values, index, strict=True)
    ]
    return Rows(prompts, result)


def _pandas_series(series: Any) -> Callable[[list[Any]], Any]:
    def result(answers: list[Any]) -> Any:
        import pandas as pd

        return pd.Series(answers, index=series.index, dtype=object, name="answer")

    return result


def _polars_series(_: Any) -> Callable[[list[Any]], Any]:
    def result(answers: list[Any]) -> Any:
        import polars as pl

        return pl.Series("answer", [str(a) for a in answers], dtype=pl.Utf8)

    return result
