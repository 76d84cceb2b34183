"""The last few cells that failed, for `%gemini fix`, `%%gemini --error` and `{Err}`.

Recorded from IPython's `post_run_cell` event: the exception, a trimmed
traceback and the cell's source. Cheap to install; bounded in memory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sys
import traceback
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

#: Failed cells remembered.
HISTORY_SIZE = 8
#: Traceback frames kept: the innermost ones, where the cause usually is.
FRAMES = 6
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclasses.dataclass(frozen=True)
class CellError:
    cell: int | None
    source: str
    kind: str
    message: str
    traceback: str

    def text(self) -> str:
        where = f"cell {self.cell}" if self.cell is not None else "a cell"
        return f"{self.kind}: {self.message}\n\nTraceback (innermost {FRAMES} frames) from {where}:\n{self.traceback}"

    def __str__(self) -> str:
        return self.text()

    def _gemini_prompt_text_(self) -> str:
        return self.text()


def describe(error: BaseException, *, cell: int | None, source: str) -> CellError:
    frames = traceback.format_exception(type(error), error, error.__traceback__)
    body = frames[1:-1][-FRAMES:] if len(frames) > 2 else []
    return CellError(
        cell=cell,
        source=source,
        kind=type(error).__name__,
        message=str(error),
        traceback=_ANSI.sub("", "".join(body)).rstrip() or "(no frames)",
    )


class ErrorHistory:
    def __init__(self) -> None:
        self._errors: OrderedDict[int, CellError] = OrderedDict()
        self._shell: InteractiveShell | None = None

    def install(self, shell: InteractiveShell) -> None:
        if self._shell is shell:
            return
        self.uninstall()
        self._shell = shell
        shell.events.register("post_run_cell", self._post_run_cell)

    def uninstall(self) -> None:
        if self._shell is not None:
            with contextlib.suppress(ValueError):  # already gone
                self._shell.events.unregister("post_run_cell", self._post_run_cell)
            self._shell = None

    def _post_run_cell(self, result: Any) -> None:
        error = result.error_in_exec or result.error_before_exec
        if error is None:
            return
        cell = result.execution_count
        source = str(getattr(result.info, "raw_cell", "") or "")
        if source.lstrip().startswith(("%gemini", "%%gemini")):
            return  # asking about our own failure would be a loop, not a fix
        self._errors[cell] = describe(error, cell=cell, source=source)
        self._errors.move_to_end(cell)
        while len(self._errors) > HISTORY_SIZE:
            self._errors.popitem(last=False)

    def last(self) -> CellError | None:
        if self._errors:
            return next(reversed(self._errors.values()))
        error = getattr(sys, "last_value", None)  # failed before the extension was loaded
        return describe(error, cell=None, source="") if isinstance(error, BaseException) else None

    def __getitem__(self, cell: int) -> CellError:
        return self._errors[cell]

    def __str__(self) -> str:
        last = self.last()
        return last.text() if last is not None else "(no error so far)"

    def _gemini_prompt_text_(self) -> str:
        """`{Err}` in a prompt: the last error's text."""
        return str(self)

    def cells(self) -> list[int]:
        return list(self._errors)
