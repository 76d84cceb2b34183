"""Stopping a request from another thread (the chat panel's Stop button).

The kernel's main thread raises KeyboardInterrupt on its own; a widget
callback cannot, so it sets this token instead. The session checks it
between chunks and the stream is closed at once.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Protocol


class Closable(Protocol):
    def close(self) -> None: ...


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._stream: Closable | None = None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):  # closing a half-read stream from another thread: best effort
                stream.close()

    def attach(self, stream: Closable) -> None:
        """Close `stream` on cancel (at once, if already cancelled)."""
        with self._lock:
            if not self._event.is_set():
                self._stream = stream
                return
        stream.close()

    def detach(self) -> None:
        with self._lock:
            self._stream = None
