"""`jupyter_gemini.map`: one prompt per row, as fast as the API allows.

Requests run on an asyncio loop in a worker thread (a kernel's main thread
already runs a loop of its own), through the openai SDK's AsyncOpenAI with
adaptive concurrency. The main thread does all the bookkeeping (tally, cache,
progress) from a queue of finished rows, so session state is only ever
touched from one thread, and an interrupt there stops the batch promptly.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .._context._prompt import renderer
from .._core._options import FORMAT_SYSTEM, check_request_options, check_tier, reasoning_field
from .._core._response import Format
from .._core._session import Session
from .._core._settle import settle
from .._cost._budget import check_batch_budget, check_max_tokens
from .._cost._estimate import DEFAULT_BUDGET_TOKENS
from .._cost._money import format_usd
from .._display._dry_run import MapDryRun
from .._display._progress import Counts, Progress
from .._transport._answer import Answer
from .._transport._gate import check_body
from .._transport._wire import ChatRequest
from ..errors import BudgetError, GeminiError, OptionError
from ._result import RowError, RowResult
from ._rows import Rows, library_of, rows_of
from ._stop import StopButton
from ._worker import Worker

#: Assumed answer length for the up-front estimate when --max-tokens is not set.
EXPECTED_ANSWER_TOKENS = 300
#: Ask before starting a batch estimated to cost more than this (USD).
CONFIRM_ABOVE = Decimal("1.00")
#: How often the main thread takes finished rows from the worker.
DRAIN_INTERVAL = 0.05
#: OpenRouter's limit for free models.
FREE_REQUESTS_PER_MINUTE = 20
_SYSTEM = "You are a helpful assistant processing one row of a table at a time. Answer concisely, in plain text."


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
    #: How hard a thinking model thinks on each row (`--reasoning`); None follows the `reasoning` setting.
    reasoning: str | None = None
    #: A thinking budget per row in tokens (`--reasoning-tokens`).
    reasoning_tokens: int | None = None
    #: Google's service tier for every row (`--tier flex` halves a large batch's bill, and slows it).
    tier: str | None = None

    def __post_init__(self) -> None:
        check_request_options(
            self.format, self.temperature, self.max_tokens, self.budget_tokens, self.reasoning, self.reasoning_tokens
        )
        check_tier(self.tier)
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
    rows = rows_of(
        template, data, namespace if namespace is not None else session.namespace(), renderer(options.budget_tokens)
    )
    model_id = options.model or session.settings.model
    info = session.catalog().get(model_id)
    check_max_tokens(model_id, info, options.max_tokens)
    thinking = reasoning_field(info, model_id, options.reasoning, options.reasoning_tokens, session.settings.reasoning)
    system = options.system_prompt()
    requests = [
        ChatRequest(
            model=model_id,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
            temperature=options.temperature,
            max_tokens=options.max_tokens,
            response_format={"type": "json_object"} if options.format == "json" else None,
            reasoning=thinking,
            service_tier=options.tier or session.settings.tier,
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
        from ._dask import map_dask

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
        to_send = [r for r in requests if session.paid.cache.get(session.paid.key(r), Answer) is None]
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
            stored = self.session.paid.cache.get(self.session.paid.key(request), Answer) if self.read_cache else None
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
        worker = Worker(
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
        with StopButton(worker.stop, worker.abort) as stop:
            thread.start()
            self._collect(finished, progress)  # until the worker is done: all rows, or stopped
        interrupted = stop.presses > 0
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
        """Bookkeeping for one finished row, on the main thread: the same settle path as a single question."""
        request = self.requests[result.position]
        self.counts.done += 1
        answer = result.answer
        if answer is not None and result.charge is not None:
            settle(result.charge, answer, request, self.session.catalog())  # billed even when not whole
        if result.error is not None or answer is None:
            error = result.error or GeminiError("No answer.")
            self.results[result.position] = RowError(str(error), error)
            self.counts.failed += 1
            return
        self.counts.spent += answer.cost
        self.results[result.position] = answer.text
        if self.use_cache:
            self.session.paid.cache.put(self.session.paid.key(request), answer)
