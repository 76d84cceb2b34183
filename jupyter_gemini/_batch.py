"""`jupyter_gemini.map`: one prompt per row, as fast as the API allows.

Requests run on an asyncio loop in a worker thread (a kernel's main thread
already runs a loop of its own), through the openai SDK's AsyncOpenAI with
adaptive concurrency. The main thread does all the bookkeeping (tally, cache,
progress) from a queue of finished rows, so session state is only ever
touched from one thread, and an interrupt there stops the batch promptly.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import functools
import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._batch_rows import Rows, library_of, rows_of
from ._budget import check_batch_budget, check_max_tokens
from ._cache import StoredAnswer
from ._client import ChatRequest, Completion, completion_from_json, error_text, malformed_answer
from ._dry_run import MapDryRun
from ._errors import BudgetError, GeminiError, OptionError, StreamError
from ._estimate import DEFAULT_BUDGET_TOKENS
from ._finish import unfinished
from ._gate import check_body, outbound_body
from ._options import FORMAT_SYSTEM, check_request_options
from ._progress import Counts, Progress
from ._render import format_usd
from ._response import Format
from ._retry import RetryPolicy
from ._session import Session, close_unanswered
from ._tally import Charge
from ._values import value_to_text

#: Assumed answer length for the up-front estimate when --max-tokens is not set.
EXPECTED_ANSWER_TOKENS = 300
#: Ask before starting a batch estimated to cost more than this (USD).
CONFIRM_ABOVE = Decimal("1.00")
#: How often the main thread takes finished rows from the worker.
DRAIN_INTERVAL = 0.05
#: OpenRouter's limit for free models.
FREE_REQUESTS_PER_MINUTE = 20
#: After an interrupt, how long rows already sent may take to finish. Google bills them either way;
#: waiting lets them be counted exactly and cached, so the re-run does not pay for them again.
#: A second interrupt stops waiting (those rows stay ≈ in the tally).
IN_FLIGHT_GRACE = 15.0
_SYSTEM = "You are a helpful assistant processing one row of a table at a time. Answer concisely, in plain text."


class RowError(str):
    """A failed row: reads as a clear marker in a Series, and `.error` keeps the exception."""

    error: GeminiError | None

    def __new__(cls, message: str, error: GeminiError | None = None) -> RowError:
        row = super().__new__(cls, f"[jupyter-gemini error: {message}]")
        row.error = error
        return row


@dataclasses.dataclass
class RowResult:
    position: int
    text: str | None = None
    completion: Completion | None = None
    error: GeminiError | None = None
    #: The row's ledger entry, opened when it was sent.
    charge: Charge | None = None


#: Most requests a batch keeps in flight: beyond it OpenRouter rate-limits and nothing gets faster.
MAX_CONCURRENCY = 64


@dataclasses.dataclass(frozen=True)
class MapOptions:
    """How a batch asks: the same for the API, the magic and each Dask partition.

    Checked like a single question's options (`check_request_options`), so a batch
    never sends what one question would refuse.
    """

    model: str | None = None
    concurrency: int = 8
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    #: Reuse answered rows (a re-run costs only the failures) and store new ones.
    cache: bool = True
    #: None: ask before a batch estimated above CONFIRM_ABOVE; True: go ahead.
    confirm: bool | None = None
    #: No progress display (each Dask partition).
    quiet: bool = False
    #: `-f`: what each row's answer should be (None: short plain text); json is asked for as a JSON object.
    format: Format | None = None
    #: Token budget for each DataFrame or long value a row's template puts into the prompt.
    budget_tokens: int = DEFAULT_BUDGET_TOKENS
    #: Ask every row again and replace its cached answer.
    refresh: bool = False

    def __post_init__(self) -> None:
        check_request_options(self.format, self.temperature, self.max_tokens, self.budget_tokens)
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int):
            raise OptionError(f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, so nothing was sent.")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise OptionError(
                f"--concurrency must be from 1 to {MAX_CONCURRENCY}, not {self.concurrency}, so nothing was sent."
            )

    def system_prompt(self) -> str:
        base = self.system or _SYSTEM
        return base if self.format is None else f"{base}\n\n{FORMAT_SYSTEM[self.format]}"


def prepare_batch(
    session: Session,
    template: str | None,
    data: Any,
    options: MapOptions,
    namespace: Mapping[str, Any] | None = None,
) -> tuple[Rows, list[ChatRequest]]:
    """Each row's prompt and request, checked like a single question's (model limits, the key gate)."""
    render = functools.partial(value_to_text, budget_tokens=options.budget_tokens)
    rows = rows_of(template, data, namespace or {}, render)
    model_id = options.model or session.settings.model
    check_max_tokens(model_id, session.catalog().get(model_id), options.max_tokens)
    system = options.system_prompt()
    requests = [
        ChatRequest(
            model=model_id,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
            temperature=options.temperature,
            max_tokens=options.max_tokens,
            response_format={"type": "json_object"} if options.format == "json" else None,
        )
        for prompt in rows.prompts
    ]
    for request in requests:  # a key in any row refuses the batch before a row is sent
        check_body(request.sdk_kwargs(), session.keys.get())
    return rows, requests


def map_rows(
    session: Session,
    template: str | None,
    data: Any,
    options: MapOptions = MapOptions(),
    namespace: Mapping[str, Any] | None = None,
) -> Any:
    if library_of(data) == "dask":
        from ._batch_dask import map_dask

        return map_dask(map_rows, session, template, data, options)
    rows, requests = prepare_batch(session, template, data, options, namespace)
    batch = _Batch(session, rows, requests, options)
    return batch.run(confirm=options.confirm)


def map_dry_run(
    session: Session,
    template: str | None,
    data: Any,
    options: MapOptions = MapOptions(),
    namespace: Mapping[str, Any] | None = None,
) -> MapDryRun:
    """What `map` would send (the first rows' prompts), how many rows the cache answers, the worst case."""
    if library_of(data) == "dask":
        raise OptionError(
            "A dry run does not read a Dask DataFrame (it would compute it), so nothing was sent.",
            hint="Try the dry run on a sample: %%gemini --map sample --dry-run, with sample = ddf.head(100).",
        )
    _, requests = prepare_batch(session, template, data, options, namespace)
    to_send = requests
    if options.cache and not options.refresh:
        to_send = [r for r in requests if session.cache.get(session.cache_key(r)) is None]
    model = requests[0].model if requests else options.model or session.settings.model
    return MapDryRun(requests, to_send, session.catalog().get(model), model)


class _Batch:
    def __init__(
        self,
        session: Session,
        rows: Rows,
        requests: Sequence[ChatRequest],
        options: MapOptions,
    ) -> None:
        self.session = session
        self.rows = rows
        self.requests = requests
        self.concurrency = options.concurrency
        self.use_cache = options.cache or options.refresh
        self.read_cache = options.cache and not options.refresh
        self.results: list[str | None] = [None] * len(requests)
        self.counts = Counts(total=len(requests))
        self.quiet = options.quiet

    def run(self, *, confirm: bool | None) -> Any:
        pending = self._serve_from_cache()
        info = self.session.catalog().get(self.requests[0].model) if self.requests else None
        self.counts.estimate = self._estimate(pending, info)
        self._check_cost(pending, confirm)
        progress = Progress(self.counts, self.session.shell, quiet=self.quiet)
        progress.start()
        interrupted = False
        if pending:
            interrupted = self._run_pending(pending, progress, info)
        failed = self.counts.failed
        note = "interrupted: finished rows kept, run again to do the rest" if interrupted else ""
        if failed and not interrupted:
            note = f"{failed} row(s) failed; run again to retry only those"
        progress.finish(note)
        return self.rows.result([r if r is not None else RowError("not run: interrupted") for r in self.results])

    # -- before sending -----------------------------------------------------------

    def _serve_from_cache(self) -> list[int]:
        """Rows answered before (a re-run): $0, no request. Returns the rows still to ask."""
        pending = []
        for position, request in enumerate(self.requests):
            stored = self.session.cache.get(self.session.cache_key(request)) if self.read_cache else None
            if stored is None:
                pending.append(position)
                continue
            self.results[position] = stored.text
            self.session.tally.record_saved(stored.cost)
            self.counts.done += 1
            self.counts.cached += 1
        return pending

    def _estimate(self, pending: Sequence[int], info: Any) -> Decimal:
        if info is None:
            return Decimal(0)
        answer = self.requests[0].max_tokens or EXPECTED_ANSWER_TOKENS
        return sum((info.cost(self.requests[p].estimated_prompt_tokens(), answer) for p in pending), Decimal(0))

    def _check_cost(self, pending: Sequence[int], confirm: bool | None) -> None:
        # The budget holds each row's worst case (prompt bound + longest answer); the yes below, the expected cost.
        model = self.requests[pending[0]].model if pending else ""
        check_batch_budget(
            budget=self.session.budget,
            spent=self.session.tally.upper_bound,
            model=model,
            info=self.session.catalog().get(model),
            prompt_tokens=[self.requests[p].prompt_token_bound() for p in pending],
            max_tokens=self.requests[pending[0]].max_tokens if pending else None,
        )
        estimate = self.counts.estimate
        if estimate <= CONFIRM_ABOVE or confirm is True:
            return
        question = f"Mapping {len(pending):,} rows is estimated at {format_usd(estimate)}. Go ahead? [y/N] "
        answer = ""
        if confirm is None:
            try:
                answer = input(question)
            except Exception:  # no stdin (nbclient, a frontend that cannot prompt)
                answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            raise BudgetError(
                f"Mapping {len(pending):,} rows is estimated at {format_usd(estimate)}, over the "
                f"{format_usd(CONFIRM_ABOVE)} that needs a yes, so nothing was sent.",
                hint="Pass confirm=True (or --yes) to go ahead.",
            )

    # -- sending --------------------------------------------------------------------

    def _run_pending(self, pending: Sequence[int], progress: Progress, info: Any) -> bool:
        """Send the rows from a worker thread; returns True when interrupted."""
        client = self.session.client()  # raises MissingKeyError before any thread starts
        finished: queue.Queue[RowResult | None] = queue.Queue()
        per_minute = FREE_REQUESTS_PER_MINUTE if info is not None and info.free else None
        prompts = self.rows.prompts
        worker = _Worker(
            client.config,
            self.requests,
            pending,
            self.concurrency,
            per_minute,
            finished,
            self.session,
            lambda position: self.session.open_charge(self.requests[position], prompts[position]),
        )
        thread = threading.Thread(target=worker.run, name="jupyter-gemini-map", daemon=True)
        thread.start()
        interrupted = False
        try:
            self._collect(finished, progress)
        except KeyboardInterrupt:
            interrupted = True
            worker.stop()  # no new rows; the ones in flight may finish, to be counted and cached
            try:
                self._collect(finished, progress)
            except KeyboardInterrupt:
                worker.abort()  # a second interrupt: stop waiting; rows still in flight stay ≈
                thread.join(timeout=5)
                while not finished.empty():
                    item = finished.get_nowait()
                    if item is not None:
                        self._take(item)
        progress.tick(force=True)
        return interrupted

    def _collect(self, finished: queue.Queue[RowResult | None], progress: Progress) -> None:
        """Take finished rows until the worker is done.

        Wakes a few times a second and takes whatever is ready: waking per row would make
        this thread fight the worker for the GIL on every answer.
        """
        while True:
            time.sleep(DRAIN_INTERVAL)
            while True:
                try:
                    item = finished.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    return
                self._take(item)
            progress.tick()

    def _take(self, result: RowResult) -> None:
        """Bookkeeping for one finished row, on the main thread."""
        request = self.requests[result.position]
        self.counts.done += 1
        if result.error is not None or result.completion is None or result.text is None:
            if result.charge is not None and result.completion is not None and result.completion.usage is not None:
                # Billed though not whole: counted at what was reported.
                charged = self.session.charge(request, result.completion, "", answered=False)
                if charged is not None:
                    result.charge.settle(result.completion.model, *charged[:2], estimated=charged[2])
            error = result.error or GeminiError("No answer.")
            self.results[result.position] = RowError(str(error), error)
            self.counts.failed += 1
            return
        completion = result.completion
        charged = self.session.charge(request, completion, result.text, answered=True)
        assert charged is not None, "an answered row always has usage, reported or estimated"
        usage, cost, estimated = charged
        if result.charge is not None:
            result.charge.settle(
                completion.model, usage, cost, estimated=estimated, generation_id=completion.generation_id
            )
        self.counts.spent += cost
        self.results[result.position] = result.text
        if self.use_cache:
            self.session.cache.put(
                self.session.cache_key(request),
                StoredAnswer(
                    result.text,
                    completion.model,
                    usage,
                    cost,
                    completion.generation_id,
                    completion.provider,
                    completion.finish_reason,
                ),
            )


class _Worker:
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
    generation_id = response.headers.get("x-generation-id") or None
    try:
        parsed = json.loads(response.content)
    except ValueError:
        charge.identify(generation_id)  # it may be billed: ≈, settled by --reconcile
        return RowResult(position, error=malformed_answer(generation_id), charge=charge)
    body = parsed if isinstance(parsed, dict) else {}
    completion = completion_from_json(body, request.model)
    completion.generation_id = completion.generation_id or generation_id
    choices = body.get("choices") or []
    if not choices:
        charge.cancel()  # an error instead of an answer: not billed
        error = body.get("error")
        error = error if isinstance(error, dict) else {}
        return RowResult(position, error=GeminiError(f"OpenRouter answered without a result ({error.get('message')})."))
    choice = choices[0]
    completion.finish_reason = choice.get("finish_reason")
    if choice.get("error"):
        completion.error = error_text(choice["error"])
    text = (choice.get("message") or {}).get("content") or ""
    reason = unfinished(completion.finish_reason, completion.error)
    if reason is not None:  # not a whole answer: a failed row, retried by the re-run, never cached
        return RowResult(position, completion=completion, error=StreamError(reason), charge=charge)
    return RowResult(position, text=text, completion=completion, charge=charge)
