"""The last few images this kernel displayed, for `--image last` and `--image Out[n]`.

A hook on IPython's display publisher and display hook; installing it
imports nothing and costs nothing until an image is displayed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ContextError

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

#: Displayed images remembered; each is the published base64 text, so memory stays bounded.
HISTORY_SIZE = 8
MIMES = ("image/png", "image/jpeg")
_MISSING = object()


@dataclasses.dataclass
class ImageOutput:
    """One image a cell displayed, as published: base64 text (or raw bytes)."""

    cell: int
    mime: str
    data: str | bytes = dataclasses.field(repr=False)
    seq: int = dataclasses.field(default=0, repr=False, compare=False)

    def raw(self) -> bytes:
        if isinstance(self.data, bytes) and self.data.startswith((b"\x89PNG", b"\xff\xd8")):
            return self.data
        try:
            return base64.b64decode(self.data)
        except (binascii.Error, ValueError):
            raise ContextError(
                f"The image output of cell {self.cell} is not valid base64, so nothing was sent; display it again."
            ) from None


class ImageHistory:
    """The last few images this kernel displayed, by the number of the cell that showed them.

    Wraps `publish` on the shell's display publisher (every `display()`, including
    matplotlib's inline figures flushed after the cell) and `write_format_data` on
    its display hook (an image as a cell's result, `Out[n]`). Publishers that
    `capture_output()` swaps in are wrapped at the next `pre_execute`. The cell
    number comes from the running `ExecutionResult`, and is corrected at
    `post_run_cell` for figures flushed after the cell, whatever the IPython version.
    """

    def __init__(self, size: int = HISTORY_SIZE) -> None:
        self._entries: deque[ImageOutput] = deque(maxlen=size)
        self._shell: InteractiveShell | None = None
        self._wraps: list[tuple[weakref.ref[Any], str, Any, Callable[..., Any], list[bool]]] = []
        self._seq = 0
        self._cell_seq: int | None = None  # last seq before the running cell; None between cells
        self._cell: int | None = None
        self._store_history = True
        self._last_cell: int | None = None

    @property
    def installed(self) -> bool:
        return self._shell is not None

    def install(self, shell: InteractiveShell) -> None:
        """Start recording `shell`'s image outputs; installing again is a no-op. Cheap: imports nothing."""
        if self._shell is shell:
            return
        self.uninstall()
        self._shell = shell
        for event, callback in self._callbacks():
            shell.events.register(event, callback)
        self._wrap(shell.display_pub, "publish")
        self._wrap(shell.displayhook, "write_format_data")

    def uninstall(self) -> None:
        """Stop recording and put back exactly what was there; a wrapper someone stacked on ours stays, inert."""
        if self._shell is None:
            return
        for event, callback in self._callbacks():
            with contextlib.suppress(ValueError):
                self._shell.events.unregister(event, callback)
        for ref, name, saved, wrapper, active in self._wraps:
            active[0] = False
            target = ref()
            if target is not None and target.__dict__.get(name) is wrapper:
                if saved is _MISSING:
                    del target.__dict__[name]
                else:
                    target.__dict__[name] = saved
        self._wraps.clear()
        self._shell = None

    def last(self) -> ImageOutput | None:
        return self._entries[-1] if self._entries else None

    def for_cell(self, n: int) -> ImageOutput | None:
        """The last image cell `n` displayed (or returned)."""
        for entry in reversed(self._entries):
            if entry.cell == n:
                return entry
        return None

    def cells(self) -> list[int]:
        """Cells with a remembered image, oldest first."""
        return list(dict.fromkeys(entry.cell for entry in self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    # -- hooks --------------------------------------------------------------------

    def _callbacks(self) -> list[tuple[str, Callable[..., None]]]:
        return [
            ("pre_execute", self._pre_execute),
            ("pre_run_cell", self._pre_run_cell),
            ("post_run_cell", self._post_run_cell),
        ]

    def _wrap(self, target: Any, name: str) -> None:
        if target is None or any(ref() is target and n == name for ref, n, *_ in self._wraps):
            return
        self._wraps = [w for w in self._wraps if w[0]() is not None]  # capture_output's publishers die
        saved = target.__dict__.get(name, _MISSING)
        inner = getattr(target, name)
        active = [True]

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if active[0]:
                with contextlib.suppress(Exception):  # remembering an image must never break a display
                    self._record(args[0] if args else kwargs.get("data", kwargs.get("format_dict")))
            return inner(*args, **kwargs)

        target.__dict__[name] = wrapper
        self._wraps.append((weakref.ref(target), name, saved, wrapper, active))

    def _pre_execute(self) -> None:
        if self._shell is not None:  # a hook only runs once installed
            self._wrap(self._shell.display_pub, "publish")  # e.g. capture_output() swapped it

    def _pre_run_cell(self, info: Any = None) -> None:
        self._cell_seq, self._cell = self._seq, None
        self._store_history = bool(getattr(info, "store_history", True))

    def _post_run_cell(self, result: Any = None) -> None:
        count = getattr(result, "execution_count", None)
        if isinstance(count, int):
            for entry in self._entries:
                if self._cell_seq is not None and entry.seq > self._cell_seq:
                    entry.cell = count  # figures flushed at post_execute saw a moved counter
            self._last_cell = count
        self._cell_seq, self._cell = None, None

    def _record(self, data: Any) -> None:
        if not isinstance(data, Mapping):
            return
        for mime in MIMES:
            value = data.get(mime)
            if isinstance(value, (str, bytes)) and value:
                self._seq += 1
                self._entries.append(ImageOutput(self._current_cell(), mime, value, self._seq))
                return

    def _current_cell(self) -> int:
        result = getattr(getattr(self._shell, "displayhook", None), "exec_result", None)
        count = getattr(result, "execution_count", None)
        if isinstance(count, int):
            self._cell = count
            return count
        if self._cell is not None:
            return self._cell
        if (self._cell_seq is None and self._last_cell is not None) or self._shell is None:
            return self._last_cell or 0  # between cells (a thread displaying): the cell that just ran
        # Before/after the code of a cell: IPython 9 counts the cell before pre_execute, older ones
        # after the code; both have counted by post_execute. `_post_run_cell` fixes any miss.
        current = int(self._shell.execution_count)
        return current - 1 if self._store_history else current
