"""OpenRouter over the official openai SDK: requests, streams, usage and cost.

openai is imported on first use, never at `%load_ext` time. SDK errors
leave this module only as the typed errors of `errors` (see `_transport._error_map`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import APIError
from ._answer import Answer
from ._error_map import map_sdk_error, stream_failure
from ._gate import outbound_body
from ._stream import ChatStream
from ._wire import ChatRequest, ClientConfig, answer_from_json, generation_header, json_instead_of_stream


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

    def stream(self, request: ChatRequest, answer: Answer) -> ChatStream:
        """Send the request; returns once OpenRouter accepted it (before the first token), streaming into `answer`."""
        try:
            sdk_stream = self._sdk.chat.completions.create(
                **_sdk_call(outbound_body(request, self.config.api_key)), stream=True
            )
        except Exception as exc:
            raise self.map_error(exc, request) from exc
        content_type = sdk_stream.response.headers.get("content-type", "")
        if "json" in content_type:  # a JSON error instead of an event stream: nothing was generated
            sdk_stream.response.read()
            sdk_stream.close()
            raise json_instead_of_stream(sdk_stream.response.text, generation_header(sdk_stream.response))
        # The id arrives with the headers, before any token: an interrupted stream can still be reconciled.
        answer.generation_id = generation_header(sdk_stream.response) or answer.generation_id
        return ChatStream(
            sdk_stream,
            answer,
            lambda e: stream_failure(e, lambda inner: self.map_error(inner, request)),
            self.config.stall_timeout,
        )

    def complete(self, request: ChatRequest, answer: Answer) -> None:
        """Send the request and fill `answer` from the whole reply."""
        try:
            raw = self._sdk.chat.completions.with_raw_response.create(
                **_sdk_call(outbound_body(request, self.config.api_key))
            )
        except Exception as exc:
            raise self.map_error(exc, request) from exc
        # Read as raw JSON, as batch rows are: the same reader for both (see `answer_from_json`).
        answer_from_json(raw.content, answer, generation_header(raw))

    def close(self) -> None:
        """Close the SDK's connection pool (its sockets would otherwise wait for the garbage collector)."""
        self._sdk.close()

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


#: Body fields the openai SDK's `create` has parameters for; OpenRouter's own (`reasoning`) go as extra_body.
_SDK_PARAMETERS = frozenset({"model", "messages", "temperature", "max_tokens", "response_format"})


def _sdk_call(body: dict[str, Any]) -> dict[str, Any]:
    """`create`'s keyword arguments for a JSON body: the same bytes on the wire as the batch's raw post."""
    known = {k: v for k, v in body.items() if k in _SDK_PARAMETERS}
    extra = {k: v for k, v in body.items() if k not in _SDK_PARAMETERS}
    return {**known, "extra_body": extra} if extra else known
