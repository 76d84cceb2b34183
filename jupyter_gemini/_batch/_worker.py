"""The asyncio side of `map`: rows sent from a worker thread with bounded, adaptive concurrency."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .._core._session import Session
from .._core._settle import close_unanswered
from .._cost._tally import Charge
from .._transport._answer import Answer
from .._transport._finish import unfinished
from .._transport._gate import outbound_body
from .._transport._retry import RetryPolicy
from .._transport._wire import ChatRequest, answer_from_json, generation_header
from ..errors import GeminiError, ProviderError, StreamError
from ._result import RowResult

__all__ = ["IN_FLIGHT_GRACE", "Worker"]

#: After an interrupt, how long rows already sent may take to finish. Google bills them either way;
#: waiting lets them be counted exactly and cached, so the re-run does not pay for them again.
#: A second interrupt stops waiting (those rows stay ≈ in the tally).
IN_FLIGHT_GRACE = 15.0


class Worker:
    """The asyncio side: sends rows with bounded, adaptive concurrency."""

    def __init__(
        self,
        config: Any,
        requests: Sequence[ChatRequest],
        pending: Iterable[int],
        concurrency: int,
        per_minute: int | None,
        finished: queue.Queue[RowResult | None],
        session: Session,
        open_charge: Callable[[int], Charge],
    ) -> None:
        self.config = config
        self.requests = requests
        self.pending = collections.deque(pending)
        self.concurrency = concurrency
        self.per_minute = per_minute
        self.finished = finished
        self.max_retries = session.settings.max_retries
        self.retry_limit = session.settings.retry_limit
        self.map_error = session.client().map_error
        self.open_charge = open_charge
        # Threading events: an interrupt can come before the worker's loop exists.
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            self.finished.put(None)

    def stop(self) -> None:
        """Send no more rows; let those in flight finish (within IN_FLIGHT_GRACE)."""
        self._stop.set()
        self._poke()

    def abort(self) -> None:
        """Stop waiting for rows in flight."""
        self._stop.set()
        self._abort.set()
        self._poke()

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed: nothing left to wake
                loop.call_soon_threadsafe(wake.set)

    async def _main(self) -> None:
        import openai

        from ._limiter import AdaptiveLimiter

        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self._stop.is_set():  # interrupted before the loop existed
            self._wake.set()
        limiter = AdaptiveLimiter(self.concurrency, per_minute=self.per_minute)
        async with openai.AsyncOpenAI(
            api_key=self.config.api_key,
            base_url=self.config.base_url,
            default_headers=self.config.headers(),
            timeout=self.config.timeout,
            max_retries=0,
        ) as client:
            workers = [
                asyncio.create_task(self._drain(client, limiter))
                for _ in range(min(self.concurrency, len(self.pending)))
            ]
            every_row = asyncio.gather(*workers, return_exceptions=True)
            deadline: float | None = None
            while not every_row.done():
                self._wake.clear()
                if self._abort.is_set() or (deadline is not None and time.monotonic() >= deadline):
                    break
                if self._stop.is_set() and deadline is None:
                    deadline = time.monotonic() + IN_FLIGHT_GRACE
                wake = asyncio.create_task(self._wake.wait())
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                either: list[asyncio.Future[Any]] = [wake, every_row]
                await asyncio.wait(either, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                wake.cancel()
            for task in workers:
                task.cancel()
            await every_row

    async def _drain(self, client: Any, limiter: Any) -> None:
        while self.pending and not self._stop.is_set():
            position = self.pending.popleft()
            self.finished.put(await self._one(client, limiter, position))

    async def _one(self, client: Any, limiter: Any, position: int) -> RowResult:
        request = self.requests[position]
        policy = RetryPolicy(self.max_retries, self.retry_limit)
        try:
            body = outbound_body(request, self.config.api_key)
        except GeminiError as refused:  # a key in the row: refused, like a single question
            return RowResult(position, error=refused)
        try:  # the SDK's own transport: httpx2 in newer openai releases, httpx in older ones
            from httpx2 import Response as RawResponse
        except ImportError:
            from httpx import Response as RawResponse  # type: ignore[assignment]

        while True:
            await limiter.acquire()
            ok = False
            charge = self.open_charge(position)  # in the ledger from the moment it is sent
            try:
                # The SDK's low-level post: the same transport, auth and headers, without typing the
                # request and the answer into pydantic models, which was most of a row's CPU.
                response = await client.post("/chat/completions", body=body, cast_to=RawResponse)
                ok = True
            except asyncio.CancelledError:
                raise  # sent and abandoned: its ≈ entry stays, since Google may bill it
            except Exception as exc:
                error = self.map_error(exc, request)
                if not isinstance(error, GeminiError):
                    error = GeminiError(f"{type(exc).__name__}: {exc}")
                close_unanswered(charge, error)
                if getattr(error, "status", None) == 429:
                    await limiter.rate_limited(getattr(error, "retry_after", None))
                delay = policy.next_delay(error)
                if delay is None or self._stop.is_set():
                    return RowResult(position, error=error)
                await asyncio.sleep(delay if getattr(error, "status", None) != 429 else 0)
                continue
            finally:
                await limiter.release(ok=ok)
            return _row_result(position, request, response, charge)


def _row_result(position: int, request: ChatRequest, response: Any, charge: Charge) -> RowResult:
    """A row's answer from OpenRouter's JSON body (which may carry an error instead of choices)."""
    answer = Answer(model=request.model)
    try:
        answer_from_json(response.content, answer, generation_header(response))
    except ProviderError as unanswered:
        close_unanswered(charge, unanswered)  # malformed: ≈ until --reconcile; an error body: not billed
        return RowResult(position, error=unanswered, charge=charge)
    reason = unfinished(answer.finish_reason, answer.error)
    if reason is not None:  # not a whole answer: a failed row, retried by the re-run, never cached
        answer.failure = StreamError(reason)
    return RowResult(position, answer=answer, error=answer.failure, charge=charge)
