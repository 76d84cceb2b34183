"""The wire's shapes: a request, what came back, and how OpenRouter's JSON and SSE read.

Pure data and parsing, no network: the client, the stream, the batch worker and the cache share them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from .._cost._estimate import prompt_token_bound, prompt_tokens
from .._cost._usage import Usage
from ..errors import ProviderError
from ._answer import Answer


@dataclasses.dataclass(frozen=True)
class ClientConfig:
    base_url: str
    api_key: str = dataclasses.field(repr=False)
    app_url: str
    app_title: str
    timeout: float
    #: Seconds without a chunk (keep-alive comments aside) before a stream counts as stalled.
    stall_timeout: float

    def headers(self) -> dict[str, str]:
        # OpenRouter attribution; the title header has an old and a new name.
        return {
            "HTTP-Referer": self.app_url,
            "X-Title": self.app_title,
            "X-OpenRouter-Title": self.app_title,
        }


@dataclasses.dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]
    temperature: float | None = None
    max_tokens: int | None = None
    response_format: dict[str, Any] | None = None
    #: OpenRouter's `reasoning` ({"effort": ...} or {"max_tokens": ...}); None leaves the model's default.
    reasoning: dict[str, Any] | None = None
    #: Google's service tier (`flex`, `priority`); None: the standard one.
    service_tier: str | None = None
    #: Prompt tokens the images and files add, as estimated when they were prepared (not sent).
    attachment_tokens: int = 0

    def estimated_prompt_tokens(self) -> int:
        """About what the prompt costs (≈, for display); the budget uses `prompt_token_bound`."""
        return prompt_tokens(self._billed_messages(), text_only=True) + self.attachment_tokens

    def prompt_token_bound(self) -> int:
        """Prompt tokens this request can never exceed: what a budget check needs (see `_cost._estimate`)."""
        return prompt_token_bound(self._billed_messages(), self.attachment_tokens)

    def _billed_messages(self) -> list[dict[str, Any]]:
        """The messages, plus a structured-output schema: the model reads it as input, so it is paid for."""
        schema = (self.response_format or {}).get("json_schema")
        if not schema:
            return self.messages
        return [*self.messages, {"role": "system", "content": json.dumps(schema, separators=(",", ":"))}]

    def size(self) -> int:
        """Approximate bytes on the wire, for "too large" errors."""
        return len(json.dumps(self.messages))

    def sdk_kwargs(self) -> dict[str, Any]:
        """The JSON body, field by field (the client hands the SDK what it has no parameter for as extra_body)."""
        kwargs: dict[str, Any] = {"model": self.model, "messages": self.messages}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        if self.response_format is not None:
            kwargs["response_format"] = self.response_format
        if self.reasoning is not None:
            kwargs["reasoning"] = self.reasoning
        if self.service_tier is not None:
            kwargs["service_tier"] = self.service_tier
        return kwargs


def read_event(answer: Answer, event: dict[str, Any]) -> None:
    """Take id, model, provider, usage and why it stopped from one stream event (raw JSON)."""
    answer.generation_id = event.get("id") or answer.generation_id
    answer.model = event.get("model") or answer.model
    answer.provider = event.get("provider") or answer.provider
    answer.service_tier = event.get("service_tier") or answer.service_tier
    if isinstance(event.get("usage"), dict):
        answer.report_usage(*usage_from_json(event["usage"]))
    for choice in event.get("choices") or ():
        if isinstance(choice, dict) and choice.get("finish_reason"):
            answer.finish_reason = choice["finish_reason"]


def read_thinking(answer: Answer, message: dict[str, Any]) -> bool:
    """Take the thinking from a delta or a message (`reasoning`, `reasoning_details`); True if there was some.

    The text is in `reasoning` (its `reasoning.text` details repeat it); encrypted details carry
    none, so they are only counted.
    """
    text = message.get("reasoning")
    details = message.get("reasoning_details")
    hidden = (
        sum(1 for d in details if isinstance(d, dict) and d.get("type") == "reasoning.encrypted")
        if isinstance(details, list)
        else 0
    )
    if not (isinstance(text, str) and text) and not hidden:
        return False
    answer.think(text if isinstance(text, str) else "", hidden=hidden)
    return True


def usage_from_json(usage: dict[str, Any]) -> tuple[Usage, Decimal | None]:
    """Token counts and OpenRouter's `usage.cost` from a raw `usage` object (answer or chunk)."""
    details = usage.get("completion_tokens_details") or {}
    prompt_details = usage.get("prompt_tokens_details") or {}
    parsed = Usage(
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        reasoning_tokens=int(details.get("reasoning_tokens") or 0),
        cached_tokens=int(prompt_details.get("cached_tokens") or 0),
    )
    return parsed, to_decimal(usage.get("cost"))


def answer_from_json(content: bytes | str, answer: Answer, generation_id: str | None) -> None:
    """Fill `answer` from OpenRouter's raw non-streamed body: its text and everything else.

    The one reader for single questions and batch rows (which skip the SDK's pydantic models for
    speed). Raises ProviderError, leaving `answer` as it was, for a body that is not JSON (it may
    be billed: ≈ until --reconcile) or a 200 that carries an error and no choices (nothing was
    generated).
    """
    try:
        parsed = json.loads(content)
    except ValueError:
        raise malformed_answer(generation_id) from None
    body = parsed if isinstance(parsed, dict) else {}
    choices = body.get("choices") or []
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
    if choice is None:
        error = body.get("error")
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        refused = ProviderError(
            f"OpenRouter answered without a result ({error.get('message') or 'no choices in the response'}).",
            status=code if isinstance(code, int) else None,
            hint="Nothing was billed for it; try again in a moment or pick another model with -m.",
        )
        refused.billed = False
        raise refused
    answer.generation_id = generation_id or answer.generation_id  # the header's, unless the body names one
    read_event(answer, body)  # id, model, provider, tier and usage sit where a stream event has them
    answer.finish_reason = choice.get("finish_reason")
    if choice.get("error"):  # finish_reason "error": the provider failed part-way
        answer.error = error_text(choice["error"])
    message = choice.get("message")
    if isinstance(message, dict) and read_thinking(answer, message):
        answer.thinking_started = None  # a whole body says nothing of how long it thought
    content_text = message.get("content") if isinstance(message, dict) else None
    answer.text = content_text if isinstance(content_text, str) else ""


def to_decimal(value: Any) -> Decimal | None:
    """JSON numbers reach us as floats; their shortest repr is the exact text sent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def malformed_answer(generation_id: str | None) -> ProviderError:
    """A 200 whose body is not JSON: one sentence, and kept ≈ in the ledger (it may be billed)."""
    broken = ProviderError(
        "OpenRouter's answer arrived malformed (not valid JSON), so it cannot be shown.",
        hint="Run the cell again. It may still be billed, so it counts as an estimate (≈) until "
        "%gemini cost --reconcile.",
    )
    broken.billed, broken.generation_id = None, generation_id
    return broken


def sse_events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The JSON events of a server-sent event stream, until `[DONE]`.

    Written here (a dozen lines) rather than taken from the SDK, whose parser raises on an error
    event before the caller can read the usage it carries. Comments (`: OPENROUTER PROCESSING`)
    are skipped; an event's `data:` lines are joined, as the SSE format says.
    """
    data: list[str] = []
    for line in lines:
        if not data and line.startswith("{"):  # a bare JSON body (an error) where events were due
            yield json.loads(line)
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line.strip() and data:
            payload, data = "\n".join(data), []
            if payload.strip() == "[DONE]":
                return
            yield json.loads(payload)
    if data and "\n".join(data).strip() != "[DONE]":
        yield json.loads("\n".join(data))


def error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "an error")
    return str(error)


def json_instead_of_stream(text: str, generation_id: str | None) -> ProviderError:
    try:
        body = json.loads(text)
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    refused = ProviderError(
        f"OpenRouter answered with an error instead of the answer ({error_text(error or 'no events')}).",
        status=code if isinstance(code, int) else None,
        hint="Nothing was generated; try again in a moment or pick another model with -m.",
    )
    refused.billed, refused.generation_id = False, generation_id
    return refused


def generation_header(response: Any) -> str | None:
    """OpenRouter's `X-Generation-Id` response header, when the response has one."""
    headers = getattr(response, "headers", None)
    value = headers.get("x-generation-id") if headers is not None else None
    return value if isinstance(value, str) and value else None
