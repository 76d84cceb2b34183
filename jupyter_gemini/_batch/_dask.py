"""`map` over a Dask DataFrame: partition by partition, lazily, returning a Dask Series.

An optional extra (`pip install jupyter-gemini[dask]`): each partition is
an ordinary pandas `map`, so the cache, the tally and the budget apply
unchanged, and a batch too big for one kernel's memory never has to fit in it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._core._session import Session


class PartitionMap:
    """The function Dask runs on each partition; `__dask_tokenize__` names it, as Dask needs."""

    def __init__(self, map_rows: Callable[..., Any], session: Session, template: str | None, options: Any) -> None:
        self.map_rows = map_rows
        self.session = session
        self.template = template
        self.options = options

    def __call__(self, part: Any) -> Any:
        return self.map_rows(self.session, self.template, part, self.options)

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        return ("jupyter-gemini-map", self.template, repr(self.options))


def map_dask(map_rows: Callable[..., Any], session: Session, template: str | None, frame: Any, options: Any) -> Any:
    # Progress per partition would interleave; confirmation cannot prompt from a worker thread.
    partition_options = dataclasses.replace(options, quiet=True, confirm=True)
    return frame.map_partitions(PartitionMap(map_rows, session, template, partition_options), meta=("answer", "object"))
