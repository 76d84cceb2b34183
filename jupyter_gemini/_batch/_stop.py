"""Stop, as a batch hears it: a request answered between rows, never an exception mid-bookkeeping."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

__all__ = ["StopButton"]


class StopButton:
    """Counts presses of Stop (SIGINT, the kernel's interrupt) while a batch runs in the main thread.

    The first press asks the worker to send no more rows (those in flight finish, and are counted
    and cached), the second stops waiting for them (they stay ≈), a third raises KeyboardInterrupt
    as usual. It is the SIGINT handler for the batch's duration because a KeyboardInterrupt raised
    at an arbitrary bytecode can land between a lock's `__enter__` and its `with` block (seen on
    Python 3.10: the ledger stayed locked and the worker thread waited on it forever), or inside a
    finalizer, where CPython drops it. Off the main thread nothing is installed: only the main
    thread receives signals.
    """

    def __init__(self, stop: Callable[[], None], abort: Callable[[], None]) -> None:
        self._stop, self._abort = stop, abort
        self.presses = 0
        self._previous: Any = None
        self._installed = False

    def press(self) -> None:
        self.presses += 1
        if self.presses == 1:
            self._stop()
        elif self.presses == 2:
            self._abort()
        else:
            raise KeyboardInterrupt

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.press()

    def __enter__(self) -> StopButton:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
            self._installed = True
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
