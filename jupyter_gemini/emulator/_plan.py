"""Turn one chat-completions request into a plan: model, answer tokens, price, fault.

Pure functions of the request body, directive and config, so the same request
always gets the same answer and the same bill.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .._cost._catalog import ModelInfo
from ._answers import answer_text, is_prose, reasoning_text
from ._billing import UNSPECIFIED_MAX_TOKENS, completion_cost, prompt_cost
from ._faults import (
    Directive,
    DirectiveError,
    HttpError,
    build_directive,
    error,
    find_directives,
    free_variant_ended,
    invalid_model,
    model_deprecated,
    parse_pairs,
)
from ._schema_answer import schema_answer
from ._tokens import PromptStats, Tokenizer, prompt_stats, split_tokens


@dataclasses.dataclass(frozen=True)
class Plan:
    """Everything decided before the first byte of a chat completion."""

    model_id: str
    """The id as the request named it (a `:free` suffix kept); echoed in `model`."""
    model: ModelInfo
    stats: PromptStats
    tokens: tuple[str, ...]
    finish_reason: str
    stream: bool
    max_tokens: int | None
    directive: Directive
    reasoning: tuple[str, ...] = ()
    """Thinking tokens, streamed as `reasoning` deltas before the answer and billed as output."""
    cached_tokens: int = 0
    """Prompt tokens read from the implicit cache (an earlier request began the same way)."""
    service_tier: str | None = None
    """`flex` (billed at half price: Google's cheaper, slower tier), `priority`, `auto` or `default`."""

    def _tiered(self, cost: Decimal) -> Decimal:
        return cost / 2 if self.service_tier == "flex" else cost

    @property
    def native_finish_reason(self) -> str:
        return "MAX_TOKENS" if self.finish_reason == "length" else "STOP"

    @property
    def prompt_cost(self) -> Decimal:
        return self._tiered(prompt_cost(self.model, self.stats.tokens, self.stats.images, self.cached_tokens))

    def completion_cost(self, completion_tokens: int) -> Decimal:
        return self._tiered(completion_cost(self.model, completion_tokens))

    @property
    def reserved_tokens(self) -> int:
        """Completion tokens OpenRouter reserves credit for up front."""
        return UNSPECIFIED_MAX_TOKENS if self.max_tokens is None else self.max_tokens

    @property
    def worst_case_cost(self) -> Decimal:
        return self.prompt_cost + self.completion_cost(self.reserved_tokens)


def prefixes(body: Mapping[str, Any], tokenizer: Tokenizer = "chars") -> list[tuple[str, int]]:
    """(digest, tokens) of each leading run of the request's messages, for the implicit cache."""
    messages = _messages(body) or []
    found = []
    for end in range(1, len(messages) + 1):
        text = json.dumps(messages[:end], sort_keys=True, ensure_ascii=False, default=str)
        found.append((hashlib.sha256(text.encode()).hexdigest(), prompt_stats(messages[:end], tokenizer).tokens))
    return found


def _messages(body: Mapping[str, Any]) -> list[Any] | None:
    messages = body.get("messages")
    if isinstance(messages, list) and messages:
        return messages
    prompt = body.get("prompt")
    if isinstance(prompt, str) and prompt:
        return [{"role": "user", "content": prompt}]
    return None


def resolve_model(body: Mapping[str, Any], models: Sequence[ModelInfo]) -> tuple[str, ModelInfo] | HttpError:
    """The first served model of `model` + `models`, or the error for the first one named."""
    by_id = {m.id: m for m in models}
    named: list[str] = []
    if isinstance(body.get("model"), str) and body["model"]:
        named.append(body["model"])
    if isinstance(body.get("models"), list):
        named.extend(m for m in body["models"] if isinstance(m, str) and m and m not in named)
    if not named:
        return error(400, "No models provided: set `model` (or `models`) in the request body")
    first_error: HttpError | None = None
    for model_id in named:
        base = model_id.removesuffix(":free")
        info = by_id.get(base)
        problem: HttpError | None = None
        if info is None:
            problem = invalid_model(model_id)
        elif not info.available:
            current = [m.id for m in models if m.is_flash and m.status in ("listed", "preview")]
            problem = free_variant_ended(model_id) if info.free else model_deprecated(model_id, current)
        elif model_id != base and not info.free:
            problem = invalid_model(model_id)
        if problem is None and info is not None:
            return model_id, info
        first_error = first_error or problem
    assert first_error is not None
    return first_error


def read_directive(header_value: str | None, last_user_text: str) -> Directive:
    """Merge message and header directives; the header wins key by key."""
    pairs = find_directives(last_user_text)
    if header_value:
        pairs.update(parse_pairs(header_value))
    return build_directive(pairs)


SERVICE_TIERS = ("auto", "default", "flex", "priority")

#: How long the emulator thinks at each effort, in tokens: a fixed scale, so tests can predict every bill.
EFFORT_TOKENS = {"none": 0, "minimal": 32, "low": 128, "medium": 512, "high": 2048}


def thinking_tokens(body: Mapping[str, Any], info: ModelInfo, directive: Directive) -> int | HttpError:
    """How many thinking tokens to bill, or a 400 for an effort the model does not take.

    A `reasoning=N` directive wins, then the request's `reasoning`, then the model's default effort;
    `none` is refused where thinking is mandatory.
    """
    if directive.reasoning is not None:
        return directive.reasoning
    asked = body.get("reasoning")
    asked = asked if isinstance(asked, Mapping) else {}
    effort = asked.get("effort", body.get("reasoning_effort"))
    budget = _positive_int(asked.get("max_tokens"))
    thinking = info.reasoning
    if thinking is None:
        return 0  # a model that does not think ignores the field
    if effort is not None:
        if effort not in thinking.efforts:
            supported = ", ".join(thinking.efforts)
            if effort == "none":
                return error(400, "Reasoning is mandatory for this endpoint and cannot be disabled.")
            return error(400, f"Reasoning effort {effort!r} is not supported by this model (supported: {supported}).")
        return EFFORT_TOKENS.get(str(effort), 0)
    if budget is not None:
        return budget
    return EFFORT_TOKENS.get(thinking.default_effort or "none", 0)


def _schema_of(response_format: Any) -> Mapping[str, Any] | None:
    """The JSON Schema of a `json_schema` response format, when the request has one."""
    if not isinstance(response_format, Mapping) or response_format.get("type") != "json_schema":
        return None
    wrapper = response_format.get("json_schema")
    schema = wrapper.get("schema") if isinstance(wrapper, Mapping) else None
    return schema if isinstance(schema, Mapping) else None


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def make_plan(
    body: Mapping[str, Any],
    header_directive: str | None,
    models: Sequence[ModelInfo],
    default_tokens: int,
    tokenizer: Tokenizer = "chars",
) -> Plan | HttpError:
    """Validate the request and decide the answer; errors come back as HttpError values."""
    messages = _messages(body)
    if messages is None:
        return error(400, 'Input required: specify "prompt" or "messages"')
    stats = prompt_stats(messages, tokenizer)
    try:
        directive = read_directive(header_directive, stats.last_user_text)
    except DirectiveError as exc:
        return error(400, f"jupyter-gemini emulator: bad directive: {exc}")
    resolved = resolve_model(body, models)
    if isinstance(resolved, HttpError):
        return resolved
    model_id, info = resolved
    max_tokens = _positive_int(body.get("max_tokens"))
    if max_tokens is None:
        max_tokens = _positive_int(body.get("max_completion_tokens"))
    response_format = body.get("response_format")
    json_mode = isinstance(response_format, dict) and response_format.get("type") in (
        "json_object",
        "json_schema",
    )
    tier = body.get("service_tier")
    if tier is not None and tier not in SERVICE_TIERS:
        return error(400, f"Invalid service_tier {tier!r}; expected one of {', '.join(SERVICE_TIERS)}.")
    thinking = thinking_tokens(body, info, directive)
    if isinstance(thinking, HttpError):
        return thinking
    if max_tokens is not None:
        thinking = min(thinking, max_tokens)  # thinking counts toward max_tokens, as on OpenRouter
    wanted = default_tokens if directive.tokens is None else directive.tokens
    schema = _schema_of(response_format)
    text = (
        schema_answer(schema, stats.last_user_text, invalid=directive.invalid)
        if schema is not None
        else answer_text(stats, wanted, json_mode=json_mode)
    )
    tokens = split_tokens(text, tokenizer)
    if is_prose(stats, json_mode=json_mode):
        tokens = tokens[:wanted]  # text sized at 4 characters a token is longer under a denser tokenizer
    finish_reason = "stop"
    if max_tokens is not None and len(tokens) > max_tokens - thinking:
        tokens = tokens[: max_tokens - thinking]
        finish_reason = "length"
    return Plan(
        model_id=model_id,
        model=info,
        stats=stats,
        tokens=tuple(tokens),
        finish_reason=finish_reason,
        stream=body.get("stream") is True,
        max_tokens=max_tokens,
        directive=directive,
        reasoning=tuple(split_tokens(reasoning_text(stats, thinking), tokenizer))[:thinking],
        service_tier=tier,
    )
