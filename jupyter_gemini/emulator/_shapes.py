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
    return {
        "id": record.id,
        "provider": PROVIDER_NAME,
        "model": model_id,
        "object": obj,
        "created": record.created,
    }


def completion_body(record: GenerationRecord, model_id: str, content: str) -> dict[str, Any]:
    """The non-streaming response, field for field like the reference example."""
    return {
        **_head(record, model_id, "chat.completion"),
        "choices": [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": record.finish_reason,
                "native_finish_reason": record.native_finish_reason,
                "message": {"role": "assistant", "content": content, "refusal": None, "reasoning": None},
            }
        ],
        "usage": usage_object(record),
    }


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


def usage_chunk(record: GenerationRecord, model_id: str) -> dict[str, Any]:
    """The single final chunk: no choices, the full usage with `cost`."""
    return {**_head(record, model_id, "chat.completion.chunk"), "choices": [], "usage": usage_object(record)}


def error_chunk(record: GenerationRecord, model_id: str) -> dict[str, Any]:
    """An error after the 200: top-level `error` plus a choice finishing with "error"."""
    chunk = content_chunk(record, model_id, "", "error", "error")
    chunk["error"] = midstream_error()
    return chunk


def error200_body(generation_id: str) -> dict[str, Any]:
    """HTTP 200 carrying an error and no choices (the openai SDK does not raise on it)."""
    return {"id": generation_id, "error": {"message": UPSTREAM_OVERLOADED, "code": 502}}
