"""JSON shapes of chat-completion responses and stream chunks, as OpenRouter sends them."""

from __future__ import annotations

from typing import Any

from ._billing import usage_object
from ._faults import PROVIDER_NAME, UPSTREAM_OVERLOADED, midstream_error
from ._json import dumps
from ._state import GenerationRecord

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"
MALFORMED = b"data: {not json\n\n"


def event(payload: dict[str, Any]) -> bytes:
    """One server-sent event carrying `payload`."""
    return f"data: {dumps(payload)}\n\n".encode()


def _head(record: GenerationRecord, model_id: str, obj: str) -> dict[str, Any]:
    head = {
        "id": record.id,
        "provider": PROVIDER_NAME,
        "model": model_id,
        "object": obj,
        "created": record.created,
        "system_fingerprint": None,
    }
    if record.service_tier is not None:  # echoed only when one was asked for, as OpenRouter does
        head["service_tier"] = record.service_tier
    return head


def completion_body(record: GenerationRecord, model_id: str, content: str, reasoning: str = "") -> dict[str, Any]:
    """The non-streaming response, field for field like the captures (tests/captures/c01-c03)."""
    return {
        **_head(record, model_id, "chat.completion"),
        "choices": [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": record.finish_reason,
                "native_finish_reason": record.native_finish_reason,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "reasoning": reasoning or None,
                    "annotations": [],
                },
            }
        ],
        "usage": usage_object(record),
    }


def choice_error_body(record: GenerationRecord, model_id: str, content: str, reasoning: str = "") -> dict[str, Any]:
    """A 200 whose only choice failed part-way: `finish_reason: "error"`, `choices[0].error`, partial text."""
    body = completion_body(record, model_id, content, reasoning)
    body["choices"][0].update(finish_reason="error", native_finish_reason="error", error=midstream_error())
    return body


class ChunkTemplate:
    """Content chunks of one stream, pre-encoded: only the text changes between them."""

    def __init__(self, record: GenerationRecord, model_id: str) -> None:
        marker = "\x00content\x00"
        head, _, tail = dumps(content_chunk(record, model_id, marker)).partition(dumps(marker))
        self._head = f"data: {head}"
        self._tail = f"{tail}\n\n"

    def event(self, content: str) -> bytes:
        return f"{self._head}{dumps(content)}{self._tail}".encode()


def content_chunk(
    record: GenerationRecord,
    model_id: str,
    content: str,
    finish_reason: str | None = None,
    native_finish_reason: str | None = None,
) -> dict[str, Any]:
    return {
        **_head(record, model_id, "chat.completion.chunk"),
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
                "native_finish_reason": native_finish_reason,
                "logprobs": None,
            }
        ],
    }


def reasoning_chunk(record: GenerationRecord, model_id: str, text: str) -> dict[str, Any]:
    """Thinking, as OpenRouter streams it: `reasoning` plus `reasoning_details`, empty `content`."""
    chunk = content_chunk(record, model_id, "")
    detail = {"type": "reasoning.text", "text": text, "format": "google-gemini-v1", "index": 0}
    chunk["choices"][0]["delta"].update(reasoning=text, reasoning_details=[detail])
    return chunk


def usage_chunk(record: GenerationRecord, model_id: str) -> dict[str, Any]:
    """The final chunk: an empty delta and the full usage with `cost` (every recorded stream has this shape)."""
    return {**content_chunk(record, model_id, ""), "usage": usage_object(record)}


def error_chunk(record: GenerationRecord, model_id: str) -> dict[str, Any]:
    """An error after the 200, as OpenRouter sends it (tests/captures/c08).

    A top-level `error`, a choice finishing with "error", and the usage of what was generated
    (thinking included).
    """
    chunk = content_chunk(record, model_id, "", "error", "error")
    chunk["error"] = midstream_error()
    chunk["usage"] = usage_object(record)
    return chunk


def error200_body(generation_id: str) -> dict[str, Any]:
    """HTTP 200 carrying an error and no choices (the openai SDK does not raise on it)."""
    return {"id": generation_id, "error": {"message": UPSTREAM_OVERLOADED, "code": 502}}
