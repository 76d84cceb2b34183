"""`POST /chat/completions`: answers, streaming, billing and every injected fault."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from tornado.iostream import StreamClosedError

from ._answers import quote
from ._base import BaseHandler
from ._billing import affordable_tokens, new_generation_id
from ._config import EmulatorConfig
from ._faults import (
    DIRECTIVE_HEADER,
    UPSTREAM_RATE_LIMIT,
    HttpError,
    error,
    fault_status,
    http_fault,
    insufficient_credits,
    upstream_rate_limit,
)
from ._json import dumps
from ._plan import Plan, make_plan, prefixes
from ._shapes import (
    DONE,
    KEEPALIVE,
    MALFORMED,
    ChunkTemplate,
    choice_error_body,
    completion_body,
    content_chunk,
    error200_body,
    error_chunk,
    event,
    reasoning_chunk,
    usage_chunk,
)
from ._state import GenerationRecord

DEFAULT_STALL = 3.0
DEFAULT_SLOW_TTFT = 2.0
_CUT_FAULTS = ("midstream", "drop", "quiet", "malformed", "stall")


@dataclasses.dataclass(frozen=True)
class Timing:
    """Pacing of one answer, from the directive or else the config."""

    ttft: float
    tps: float | None
    chunk: int
    after: int
    stall: float
    stall_silent: bool
    keepalive: float

    @classmethod
    def of(cls, plan: Plan, fault: str | None, config: EmulatorConfig) -> Timing:
        d = plan.directive
        default_ttft = DEFAULT_SLOW_TTFT if fault == "slow_keepalive" else config.ttft
        after = len(plan.tokens) // 2 if d.after is None else d.after
        return cls(
            ttft=default_ttft if d.ttft is None else d.ttft,
            tps=config.tokens_per_second if d.tps is None else d.tps,
            chunk=config.chunk_tokens if d.chunk is None else d.chunk,
            after=min(after, len(plan.tokens)) if fault in _CUT_FAULTS else len(plan.tokens),
            stall=(DEFAULT_STALL if d.stall is None else d.stall) if fault == "stall" else 0.0,
            stall_silent=d.stall_silent,
            keepalive=config.keepalive_interval,
        )


class ChatCompletionsHandler(BaseHandler):
    """One chat completion, streamed or not, possibly with a fault."""

    _created: float = 0.0

    async def post(self) -> None:
        self.ctx.active.add(self)
        try:
            await self._answer()
        except StreamClosedError:
            pass  # The client left; the ledger was already updated where it matters.
        finally:
            self.ctx.active.discard(self)

    async def _answer(self) -> None:
        config = self.ctx.get_config()
        if not self.authorized():
            return
        if not isinstance(self.json_body, dict):
            self.send_http_error(error(400, "Invalid JSON body: expected a JSON object"))
            return
        plan = make_plan(
            self.json_body,
            self.request.headers.get(DIRECTIVE_HEADER),
            config.models,
            config.default_tokens,
            config.tokenizer,
        )
        if isinstance(plan, HttpError):
            self.send_http_error(plan)
            return
        cached = self.ctx.state.cached_prefix(prefixes(self.json_body, config.tokenizer))
        plan = dataclasses.replace(plan, cached_tokens=cached)
        drawn = self.ctx.state.draw_fault(config.fault_rate, config.fault_pool, config.seed)
        fault = plan.directive.fault or drawn
        fault = None if fault == "none" else fault
        problem = self._refusal(plan, fault, config)
        if problem is not None:
            self.send_http_error(problem)
            return
        self._created = time.time()
        generation_id = new_generation_id(self._created)
        self.ctx.state.set_generation_id(self.record, generation_id)
        self.set_header("X-Generation-Id", generation_id)
        if fault == "error200":
            await self._error200(plan, generation_id)
            return
        timing = Timing.of(plan, fault, config)
        if plan.stream:
            await self._stream(plan, generation_id, fault, timing)
        else:
            await self._complete(plan, generation_id, fault, timing)

    def _refusal(self, plan: Plan, fault: str | None, config: EmulatorConfig) -> HttpError | None:
        """An error to send before the first byte: an `http:` fault or too little credit."""
        if fault == UPSTREAM_RATE_LIMIT:
            return upstream_rate_limit(plan.model_id)
        status = fault_status(fault) if fault else None
        if status is not None:
            return http_fault(
                status,
                model_id=plan.model_id,
                prompt_text=quote(plan.stats.last_user_text),
                requested_tokens=plan.reserved_tokens,
                retry_after=1.0 if plan.directive.retry_after is None else plan.directive.retry_after,
            )
        limit = config.limit_usd
        if limit is not None:
            remaining = limit - self.ctx.state.billed_total()
            if plan.worst_case_cost > remaining:
                affordable = affordable_tokens(plan.model, remaining, plan.prompt_cost)
                return insufficient_credits(plan.reserved_tokens, affordable)
        return None

    def _bill(self, plan: Plan, generation_id: str) -> GenerationRecord:
        """Bill the whole planned answer now: the 200 is about to start."""
        completion_tokens = len(plan.reasoning) + len(plan.tokens)
        record = GenerationRecord(
            id=generation_id,
            model=plan.model_id,
            prompt_tokens=plan.stats.tokens,
            completion_tokens=completion_tokens,
            cost=plan.prompt_cost + plan.completion_cost(completion_tokens),
            streamed=plan.stream,
            cancelled=False,
            finish_reason=plan.finish_reason,
            created=int(self._created),
            native_finish_reason=plan.native_finish_reason,
            prompt_cost=plan.prompt_cost,
            completion_cost=plan.completion_cost(completion_tokens),
            images=plan.stats.images,
            files=plan.stats.files,
            reasoning_tokens=len(plan.reasoning),
            cached_tokens=plan.cached_tokens,
            service_tier=plan.service_tier,
        )
        self.ctx.state.bill(record)
        return record

    def _close(
        self, record: GenerationRecord, started: float, first_token: float | None, **changes: Any
    ) -> GenerationRecord:
        """Final ledger entry, written before the last byte so readers see it settled."""
        now = time.monotonic()
        return (
            self.ctx.state.update(
                record.id,
                ended=now,
                latency_ms=None if first_token is None else round((first_token - started) * 1000),
                generation_time_ms=round((now - started) * 1000),
                **changes,
            )
            or record
        )

    def _cut(self, plan: Plan, record: GenerationRecord, sent: int) -> dict[str, Any]:
        """Ledger changes for a stream the emulator broke: only the tokens sent (and the thinking) are billed."""
        sent += len(plan.reasoning)
        return {
            "completion_tokens": sent,
            "completion_cost": plan.completion_cost(sent),
            "cost": record.prompt_cost + plan.completion_cost(sent),
            "finish_reason": "error",
            "native_finish_reason": "error",
        }

    def _drop_connection(self) -> None:
        """Close the socket without ending the HTTP response (no final chunk, no [DONE])."""
        self.ctx.active.discard(self)
        self.detach().close()

    async def _error200(self, plan: Plan, generation_id: str) -> None:
        body = error200_body(generation_id)
        if not plan.stream:
            self.send_json(200, body)
            return
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.write(KEEPALIVE + event(body))
        await self.finish()

    async def _keepalive_wait(self, seconds: float, interval: float, *, silent: bool = False) -> None:
        """Wait, sending `: OPENROUTER PROCESSING` every `interval` seconds unless silent."""
        loop_deadline = time.monotonic() + seconds
        while (remaining := loop_deadline - time.monotonic()) > 0:
            await self.sleep(min(remaining, interval))
            if self.client_gone:
                raise StreamClosedError()
            if not silent and loop_deadline - time.monotonic() > 0:
                self.write(KEEPALIVE)
                await self.flush()

    async def _emit(self, plan: Plan, record: GenerationRecord, start: int, stop: int, timing: Timing) -> None:
        """Content chunks for tokens[start:stop], paced by tps (or all at once)."""
        template = ChunkTemplate(record, plan.model_id)
        began = time.monotonic()
        for index, first in enumerate(range(start, stop, timing.chunk)):
            if timing.tps is not None:
                await self.sleep(began + index * timing.chunk / timing.tps - time.monotonic())
                if self.client_gone:
                    raise StreamClosedError()
            text = "".join(plan.tokens[first : min(first + timing.chunk, stop)])
            self.write(template.event(text))
            if timing.tps is not None:
                await self.flush()
        await self.flush()

    async def _stream(self, plan: Plan, generation_id: str, fault: str | None, timing: Timing) -> None:
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        started = time.monotonic()
        record = self._bill(plan, generation_id)
        first_token: float | None = None
        try:
            if plan.directive.accept:  # routing: not a byte yet, not even the headers
                await self._keepalive_wait(plan.directive.accept, timing.keepalive, silent=True)
            self.write(KEEPALIVE)
            await self.flush()
            await self._keepalive_wait(timing.ttft, timing.keepalive)
            first_token = time.monotonic()
            for thought in _chunks(plan.reasoning, timing.chunk):
                self.write(event(reasoning_chunk(record, plan.model_id, thought)))
            await self._emit(plan, record, 0, timing.after, timing)
            if fault == "stall":
                await self._keepalive_wait(timing.stall, timing.keepalive, silent=timing.stall_silent)
                await self._emit(plan, record, timing.after, len(plan.tokens), timing)
            elif fault in ("midstream", "drop", "quiet", "malformed"):
                record = self._close(record, started, first_token, **self._cut(plan, record, timing.after))
                if fault == "drop":
                    self._drop_connection()
                    return
                if fault == "midstream":  # the usage of what was generated rides on the error chunk
                    self.write(event(error_chunk(record, plan.model_id)) + DONE)
                elif fault == "malformed":
                    self.write(MALFORMED)
                await self.finish()  # "quiet": the response just ends, no finish_reason, no [DONE]
                return
            record = self._close(record, started, first_token)
            self.write(event(content_chunk(record, plan.model_id, "", plan.finish_reason, plan.native_finish_reason)))
            self.write(event(usage_chunk(record, plan.model_id)))
            self.write(DONE)
            await self.finish()
        except StreamClosedError:
            # Google bills an aborted stream in full: keep the cost, mark it cancelled.
            self._close(record, started, first_token, cancelled=True)
            raise

    async def _complete(self, plan: Plan, generation_id: str, fault: str | None, timing: Timing) -> None:
        started = time.monotonic()
        generating = len(plan.tokens) / timing.tps if timing.tps else 0.0
        await self.sleep(timing.ttft + timing.stall + generating)
        if fault in ("drop", "quiet"):
            self._drop_connection()  # Before any byte: nothing is billed.
            return
        record = self._bill(plan, generation_id)
        if fault == "midstream":  # a 200 whose choice failed part-way (tests/captures/d02's shape)
            record = self._close(record, started, started + timing.ttft, **self._cut(plan, record, timing.after))
            partial = "".join(plan.tokens[: timing.after])
            self.send_json(200, choice_error_body(record, plan.model_id, partial, "".join(plan.reasoning)))
            return
        gone = self.peer_closed()  # Google bills the whole answer even if nobody waits for it.
        record = self._close(record, started, started + timing.ttft, cancelled=gone)
        if gone:
            self._drop_connection()
            return
        body = dumps(completion_body(record, plan.model_id, "".join(plan.tokens), "".join(plan.reasoning)))
        self.set_header("Content-Type", "application/json")
        try:
            await self.finish(body[: len(body) // 2] if fault == "malformed" else body)
        except StreamClosedError:
            self._close(record, started, started + timing.ttft, cancelled=True)
            raise


def _chunks(tokens: tuple[str, ...], size: int) -> list[str]:
    return ["".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]
