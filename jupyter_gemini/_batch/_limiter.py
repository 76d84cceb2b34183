"""How many requests a batch keeps in flight, adapting to what OpenRouter allows.

Additive increase, multiplicative decrease (as TCP does): a 429 halves the
window and pauses everyone until its Retry-After has passed; each success
grows the window back by one, up to the requested concurrency. Free models
also get a client-side cap of requests per minute.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time


class AdaptiveLimiter:
    def __init__(self, concurrency: int, *, per_minute: int | None = None) -> None:
        self.ceiling = max(1, concurrency)
        self.window = float(self.ceiling)
        self.in_flight = 0
        self.throttled = 0
        self._per_minute = per_minute
        self._starts: collections.deque[float] = collections.deque()
        self._resume_at = 0.0
        self._changed = asyncio.Condition()

    async def acquire(self) -> None:
        async with self._changed:
            while True:
                wait = self._wait_needed()
                if wait <= 0 and self.in_flight < int(self.window):
                    break
                if wait > 0:
                    # The pause is over: look again. On Python 3.10 wait_for raises asyncio.TimeoutError,
                    # which the builtin TimeoutError does not catch (they are one class from 3.11).
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), timeout=wait)
                else:
                    await self._changed.wait()
            self.in_flight += 1
            if self._per_minute:
                self._starts.append(time.monotonic())

    async def release(self, *, ok: bool) -> None:
        async with self._changed:
            self.in_flight -= 1
            if ok:
                self.window = min(float(self.ceiling), self.window + 1 / max(1.0, self.window))
            self._changed.notify_all()

    async def rate_limited(self, retry_after: float | None) -> None:
        """A 429: shrink the window and hold every new request until Retry-After has passed."""
        async with self._changed:
            self.throttled += 1
            self.window = max(1.0, self.window / 2)
            self._resume_at = max(self._resume_at, time.monotonic() + (retry_after if retry_after else 1.0))
            self._changed.notify_all()

    def _wait_needed(self) -> float:
        now = time.monotonic()
        wait = self._resume_at - now
        if self._per_minute:
            while self._starts and now - self._starts[0] >= 60:
                self._starts.popleft()
            if len(self._starts) >= self._per_minute:
                wait = max(wait, 60 - (now - self._starts[0]))
        return wait
