"""OpenRouter over the official openai SDK: requests, streams, usage and cost.

openai is imported on first use, never at `%load_ext` time. SDK errors
leave this module only as the typed errors of `_errors` (see `_error_map`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from ._error_map import map_sdk_error, stream_failure
from ._errors import APIError, GeminiError, ProviderError, StreamError
from ._estimate import prompt_token_bound, prompt_tokens
from ._gate import outbound_body
from ._response import Usage


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
    #: Prompt tokens the images and files add, as estimated when they were prepared (not sent).
    attachment_tokens: int = 0

    def estimated_prompt_tokens(self) -> int:
        """About what the prompt costs (≈, for display); the budget uses `prompt_token_bound`."""
        return prompt_tokens(self.messages, text_only=True) + self.attachment_tokens

    def prompt_token_bound(self) -> int:
        """Prompt tokens this request can never exceed: what a budget check needs (see `_estimate`)."""
        return prompt_token_bound(self.messages, self.attachment_tokens)

    def size(self) -> int:
        """Approximate bytes on the wire, for "too large" errors."""
        return len(json.dumps(self.messages))

    def sdk_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": self.model, "messages": self.messages}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        if self.response_format is not None:
            kwargs["response_format"] = self.response_format
        return kwargs


@dataclasses.dataclass
class Completion:
    """Everything but the text: who answered, why it stopped, and what it cost."""

    model: str
    usage: Usage | None = None
    #: OpenRouter's `usage.cost` in USD; None when the server did not send it.
    cost: Decimal | None = None
    generation_id: str | None = None
    provider: str | None = None
    finish_reason: str | None = None
    #: The provider's error, when the answer carried one (`choices[0].error`, an error chunk).
    error: str | None = None

    def absorb_event(self, event: dict[str, Any]) -> None:
        """Take id, model, provider, usage and why it stopped from one stream event (raw JSON)."""
        self.generation_id = event.get("id") or self.generation_id
        self.model = event.get("model") or self.model
        self.provider = event.get("provider") or self.provider
        if isinstance(event.get("usage"), dict):
            parsed = completion_from_json({"usage": event["usage"]}, self.model)
            self.usage, self.cost = parsed.usage, parsed.cost
        for choice in event.get("choices") or ():
            if isinstance(choice, dict) and choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def absorb(self, payload: Any) -> None:
        """Take id, model, provider and usage from a response or stream chunk."""
        self.generation_id = getattr(payload, "id", None) or self.generation_id
        self.model = getattr(payload, "model", None) or self.model
        extra = getattr(payload, "model_extra", None) or {}
        self.provider = extra.get("provider") or self.provider
        usage = getattr(payload, "usage", None)
        if usage is not None:
            self.usage, self.cost = parse_usage(usage)


def completion_from_json(body: dict[str, Any], model: str) -> Completion:
    """A Completion from a raw JSON body (batches skip the SDK's pydantic models for speed)."""
    completion = Completion(
        model=str(body.get("model") or model),
        generation_id=body.get("id"),
        provider=body.get("provider"),
    )
    usage = body.get("usage")
    if isinstance(usage, dict):
        details = usage.get("completion_tokens_details") or {}
        prompt_details = usage.get("prompt_tokens_details") or {}
        completion.usage = Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            reasoning_tokens=int(details.get("reasoning_tokens") or 0),
            cached_tokens=int(prompt_details.get("cached_tokens") or 0),
        )
        completion.cost = to_decimal(usage.get("cost"))
    return completion


def parse_usage(usage: Any) -> tuple[Usage, Decimal | None]:
    """Token counts and `usage.cost` (an OpenRouter extra the SDK keeps in model_extra)."""
    prompt_details = getattr(usage, "prompt_tokens_details", None)
    completion_details = getattr(usage, "completion_tokens_details", None)
    parsed = Usage(
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        reasoning_tokens=int(getattr(completion_details, "reasoning_tokens", 0) or 0),
        cached_tokens=int(getattr(prompt_details, "cached_tokens", 0) or 0),
    )
    return parsed, to_decimal(getattr(usage, "cost", None))


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


class ChatStream:
    """Iterate for text deltas; `completion` fills in as chunks arrive."""

    def __init__(
        self,
        sdk_stream: Any,
        completion: Completion,
        on_error: Callable[[BaseException], Exception],
        stall_timeout: float,
    ) -> None:
        self._sdk_stream = sdk_stream
        self.completion = completion
        self._on_error = on_error
        self._stall_timeout = stall_timeout
        self._closed = False
        self._stalled = False
        #: A chunk arrived: the model is generating, so an error from here on may still be billed.
        self._generating = False
        self._last_chunk = time.monotonic()

    def __iter__(self) -> Iterator[str]:
        # The SSE events are read here, not through the SDK's Stream: it raises on an error chunk
        # before its `usage` is seen, and OpenRouter bills what was generated before the error.
        watchdog = _Watchdog(self)
        try:
            for event in sse_events(self._sdk_stream.response.iter_lines()):
                self._last_chunk = time.monotonic()
                self._generating = self._generating or bool(event.get("choices"))
                self.completion.absorb_event(event)
                for choice in event.get("choices") or ():
                    content = (choice.get("delta") or {}).get("content") if isinstance(choice, dict) else None
                    if content:
                        yield content
                error = event.get("error")
                if error:
                    self.completion.error = error_text(error)
                    code = error.get("code") if isinstance(error, dict) else None
                    chunk_error = StreamError(
                        f"OpenRouter reported an error during the answer: {self.completion.error}.",
                        status=code if isinstance(code, int) else None,
                        hint="The text received is kept; run the cell again.",
                    )
                    # After a generation began, what it made is billed (its usage is counted); an error
                    # instead of any answer (a JSON error body where events were due) is not.
                    chunk_error.billed = None if self._generating else False
                    raise chunk_error
        except StreamError:
            raise
        except Exception as exc:
            if self._stalled:
                raise StreamError(
                    f"OpenRouter sent nothing for {self._stall_timeout:g} s, so the answer was stopped.",
                    hint="Run the cell again; raise GeminiMagics.stall_timeout for slow models.",
                ) from exc
            if self._closed:
                return  # we closed it (Stop, interrupt): the end of the stream, not a failure
            failure = self._on_error(exc)
            if self._generating and isinstance(failure, GeminiError):
                failure.billed = None  # it broke after the generation began: Google may bill it in full
            raise failure from exc
        finally:
            watchdog.stop()

    def close(self) -> None:
        """Drop the connection at once, even from another thread: stops the bytes, not Google's billing."""
        self._closed = True
        # Closing a socket does not wake a thread blocked reading it; shutting it down does.
        network_stream = getattr(self._sdk_stream.response, "extensions", {}).get("network_stream")
        sock = network_stream.get_extra_info("socket") if network_stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self._sdk_stream.close()

    def _check_stall(self) -> bool:
        if time.monotonic() - self._last_chunk < self._stall_timeout:
            return False
        self._stalled = True
        self.close()
        return True


class _Watchdog:
    """Closes a stream that stopped sending chunks; keep-alive comments don't count."""

    def __init__(self, stream: ChatStream) -> None:
        self._stream = stream
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jupyter-gemini-stall-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = min(1.0, self._stream._stall_timeout / 4)
        while not self._done.wait(interval):
            if self._stream._check_stall():
                return

    def stop(self) -> None:
        self._done.set()


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


def _json_instead_of_stream(text: str, generation_id: str | None) -> ProviderError:
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


def _generation_header(response: Any) -> str | None:
    """OpenRouter's `X-Generation-Id` response header, when the response has one."""
    headers = getattr(response, "headers", None)
    value = headers.get("x-generation-id") if headers is not None else None
    return value if isinstance(value, str) and value else None


class OpenRouterClient:
    def __init__(self, config: ClientConfig, alternatives: Callable[[], Sequence[str]]) -> None:
        import openai

        self.config = config
        self._alternatives = alternatives
        self._sdk = openai.OpenAI(
            api_key=config.api_key,
            base_url=config.base_url,
            default_headers=config.headers(),
            timeout=config.timeout,
            max_retries=0,  # retries are the session's, so the user sees each wait (see _retry)
        )

    def map_error(self, exc: BaseException, request: ChatRequest | None = None) -> Exception:
        """The typed error for an SDK exception raised by a request (also used by batches)."""
        return map_sdk_error(
            exc,
            model=request.model if request else "",
            base_url=self.config.base_url,
            alternatives=self._alternatives,
            request_size=request.size() if request else None,
        )

    def stream(self, request: ChatRequest) -> ChatStream:
        """Send the request; returns once OpenRouter accepted it (before the first token)."""
        try:
            sdk_stream = self._sdk.chat.completions.create(**outbound_body(request, self.config.api_key), stream=True)
        except Exception as exc:
            raise self.map_error(exc, request) from exc
        content_type = sdk_stream.response.headers.get("content-type", "")
        if "json" in content_type:  # a JSON error instead of an event stream: nothing was generated
            sdk_stream.response.read()
            sdk_stream.close()
            raise _json_instead_of_stream(sdk_stream.response.text, _generation_header(sdk_stream.response))
        return ChatStream(
            sdk_stream,
            # The id arrives with the headers, before any token: an interrupted stream can still be reconciled.
            Completion(model=request.model, generation_id=_generation_header(sdk_stream.response)),
            lambda e: stream_failure(e, lambda inner: self.map_error(inner, request)),
            self.config.stall_timeout,
        )

    def complete(self, request: ChatRequest) -> tuple[str, Completion]:
        try:
            raw = self._sdk.chat.completions.with_raw_response.create(**outbound_body(request, self.config.api_key))
        except Exception as exc:
            raise self.map_error(exc, request) from exc
        generation_id = _generation_header(raw)
        try:
            response = raw.parse()
        except ValueError as exc:  # a cut or corrupt JSON body (JSONDecodeError, pydantic's ValidationError)
            raise malformed_answer(generation_id) from exc
        completion = Completion(model=request.model, generation_id=generation_id)
        completion.absorb(response)
        if not response.choices:
            # OpenRouter can answer HTTP 200 with an error body and no choices.
            error = (response.model_extra or {}).get("error") or {}
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else None
            raise ProviderError(
                f"OpenRouter answered without a result ({message or 'no choices in the response'}).",
                status=code if isinstance(code, int) else None,
                hint="Nothing was billed for it; try again in a moment or pick another model with -m.",
            )
        choice = response.choices[0]
        completion.finish_reason = choice.finish_reason
        choice_error = (choice.model_extra or {}).get("error")  # finish_reason "error": the provider failed
        if choice_error:
            completion.error = error_text(choice_error)
        return choice.message.content or "", completion

    def get_json(self, path: str, **params: Any) -> Any:
        """GET an OpenRouter endpoint (`/models`, `/generation`, `/key`) as parsed JSON."""
        import openai

        try:
            return self._sdk.get(path, cast_to=object, options={"params": params} if params else {})
        except openai.NotFoundError as exc:
            # Not a missing model: /generation answers 404 until the record is ready.
            raise APIError(f"OpenRouter has no {path} record for {params or 'this request'} yet.", status=404) from exc
        except Exception as exc:
            raise self.map_error(exc) from exc
