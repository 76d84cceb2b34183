"""Remaining OpenRouter credit from `GET /key`, fetched off the kernel's main thread.

The call can be slow or fail (no key, no network, a management-only key), so
it never runs where it could block a cell: a daemon thread fetches it, the
result is cached per session, and listeners hear when it changes. Only the
numbers are kept: `GET /key` also returns a `label` that is often the masked
key itself, and that is never read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .._keys import redact
from .._transport._wire import to_decimal
from ..errors import GeminiError

if TYPE_CHECKING:
    from .._core._session import Session

#: Refresh after a request at most this often; the Refresh button ignores it.
MIN_REFRESH_INTERVAL = 30.0


@dataclasses.dataclass(frozen=True)
class Credit:
    """What `GET /key` said, or why it could not be read."""

    limit: Decimal | None = None
    remaining: Decimal | None = None
    usage: Decimal | None = None
    #: One sentence when the credit could not be read ("" when it could).
    problem: str = ""
    fetched_at: float = 0.0


class CreditMonitor:
    """One per session, shared by every tally widget of that session."""

    def __init__(self, session: Session, min_interval: float = MIN_REFRESH_INTERVAL) -> None:
        self._session = session
        self.min_interval = min_interval
        self.credit: Credit | None = None
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def refresh(self, *, force: bool = False) -> threading.Thread | None:
        """Start a background fetch unless one is running or the last is recent; never blocks."""
        with self._lock:
            if not force and self.credit is not None and time.monotonic() - self.credit.fetched_at < self.min_interval:
                return None
            if self._thread is not None and self._thread.is_alive():
                # The fetch in flight may have left before this change (a request is counted when it is
                # sent, and the tally notifies): fetch once more when it is done, never show its stale figure last.
                self._again = True
                return self._thread
            self._again = False
            self._thread = threading.Thread(target=self._fetch_until_current, name="jupyter-gemini-credit", daemon=True)
            self._thread.start()
            return self._thread

    def wait(self, timeout: float | None = None) -> None:
        """For tests and scripts: wait for a fetch in flight."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _fetch_until_current(self) -> None:
        while True:
            self._fetch()
            with self._lock:
                if not self._again:
                    return
                self._again = False

    def _fetch(self) -> None:
        try:
            payload = self._session.client().get_json("/key")
            data = payload.get("data") if isinstance(payload, dict) else None
            if not isinstance(data, dict):
                raise ValueError("unexpected /key answer")
            credit = Credit(
                limit=to_decimal(data.get("limit")),
                remaining=to_decimal(data.get("limit_remaining")),
                usage=to_decimal(data.get("usage")),
                fetched_at=time.monotonic(),
            )
        except GeminiError as exc:
            credit = Credit(problem=redact(str(exc), self._session.keys.get()), fetched_at=time.monotonic())
        except Exception as exc:  # whatever went wrong, the widget shows "unknown", never a traceback
            problem = f"OpenRouter's /key answer could not be read ({type(exc).__name__})."
            credit = Credit(problem=problem, fetched_at=time.monotonic())
        self.credit = credit
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken widget must not stop the others hearing
                listener()


_monitors: weakref.WeakKeyDictionary[Any, CreditMonitor] = weakref.WeakKeyDictionary()


def credit_monitor(session: Session) -> CreditMonitor:
    """The session's monitor, so several widgets share one cache and one request."""
    monitor = _monitors.get(session)
    if monitor is None:
        monitor = _monitors[session] = CreditMonitor(session)
    return monitor
