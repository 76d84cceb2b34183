"""From openai SDK exceptions to our typed, one-sentence errors.

The cases follow OpenRouter's error table (shared/openrouter-api.md):
the SDK puts the inner `{"code","message","metadata"}` object in `e.body`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._errors import (
    APIError,
    AuthenticationError,
    ConnectionFailedError,
    GeminiError,
    InsufficientCreditsError,
    ModelUnavailableError,
    ModerationError,
    PayloadTooLargeError,
    ProviderError,
    RateLimitError,
    StreamError,
)

_TRY_AGAIN = "Try again in a moment, or pick another model with -m."


def _error_body(exc: Any) -> Mapping[str, Any]:
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error")
        return inner if isinstance(inner, Mapping) else body
    return {}


def _message(exc: Any, body: Mapping[str, Any]) -> str:
    message = body.get("message") or getattr(exc, "message", None) or str(exc)
    return str(message).strip().rstrip(".")


def _header(exc: Any, name: str) -> str | None:
    response = getattr(exc, "response", None)
    value = response.headers.get(name) if response is not None else None
    return str(value) if value is not None else None


def _retry_after(exc: Any) -> float | None:
    """Seconds to wait: `Retry-After`, else until `X-RateLimit-Reset` (epoch milliseconds)."""
    for name, to_seconds in (
        ("retry-after", float),
        ("x-ratelimit-reset", lambda v: float(v) / 1000 - time.time()),
    ):
        value = _header(exc, name)
        if value is not None:
            try:
                return max(0.0, to_seconds(value))
            except ValueError:
                continue
    return None


def _rate_limit_figures(exc: Any) -> str:
    limit, remaining = _header(exc, "x-ratelimit-limit"), _header(exc, "x-ratelimit-remaining")
    if limit is None:
        return ""
    return f" ({remaining if remaining is not None else '?'} of {limit} requests left)"


def _kilobytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 1_000_000 else f"{size / 1000:,.0f} KB"


def map_sdk_error(
    exc: BaseException,
    *,
    model: str,
    base_url: str,
    alternatives: Callable[[], Sequence[str]],
    request_size: int | None = None,
) -> Exception:
    """The typed error for an SDK exception; anything unrecognised passes through unchanged."""
    import openai

    if isinstance(exc, GeminiError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return ConnectionFailedError(
            f"{base_url} did not answer in time.",
            hint="Try again, or raise the timeout with %config GeminiMagics.timeout = 300.",
        )
    if isinstance(exc, openai.APIConnectionError):
        refused = ConnectionFailedError(
            f"Cannot connect to {base_url}.",
            hint="Check your network, or OPENROUTER_BASE_URL / GeminiMagics.base_url if you use a local emulator.",
        )
        refused.billed = False  # the request never reached a server
        return refused
    if isinstance(exc, openai.APIStatusError):
        status_error = _map_status(exc, exc.status_code, model, alternatives, request_size)
        if isinstance(status_error, GeminiError):
            status_error.billed = False  # an error answer instead of a generation: nothing was billed
        return status_error
    if isinstance(exc, openai.APIError):
        body = _error_body(exc)
        code = body.get("code")
        return StreamError(
            f"OpenRouter reported an error during the answer: {_message(exc, body)}.",
            status=code if isinstance(code, int) else None,
            hint=_TRY_AGAIN,
        )
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


def _map_status(
    exc: Any, status: int, model: str, alternatives: Callable[[], Sequence[str]], request_size: int | None
) -> Exception:
    body = _error_body(exc)
    message = _message(exc, body)
    metadata = body.get("metadata") if isinstance(body.get("metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)
    if status == 400 and "not a valid model" in message.lower():
        return ModelUnavailableError(model, alternatives(), detail="not a valid model ID")
    if status == 404:
        availability = metadata.get("availability")
        code = availability.get("code") if isinstance(availability, Mapping) else None
        return ModelUnavailableError(model, alternatives(), detail=str(code or message))
    if status == 401:
        return AuthenticationError(
            f"OpenRouter rejected the API key ({message}).",
            status=status,
            hint="Check OPENROUTER_API_KEY, or run %gemini key to type a new one.",
        )
    if status == 402:
        return InsufficientCreditsError(
            f"Not enough OpenRouter credits: {message}.",
            status=status,
            hint="Add credits on openrouter.ai, or ask for a shorter answer with --max-tokens.",
        )
    if status == 403:
        reasons = metadata.get("reasons")
        why = ", ".join(map(str, reasons)) if isinstance(reasons, list) and reasons else message
        return ModerationError(
            f"The request was blocked by moderation ({why}).", status=status, hint="Rephrase the prompt."
        )
    if status == 408:
        return ProviderError(
            f"OpenRouter timed out ({message}).",
            status=status,
            hint="Try again, or ask for a shorter answer with --max-tokens.",
        )
    if status == 413:
        size = f" at {_kilobytes(request_size)}" if request_size else ""
        return PayloadTooLargeError(
            f"The request is too large for OpenRouter{size} ({message}).",
            status=status,
            hint="Send less data or fewer, smaller images.",
        )
    if status == 429:
        retry_after = _retry_after(exc)
        wait = f" OpenRouter asks to wait {retry_after:g} s." if retry_after is not None else ""
        return RateLimitError(
            f"OpenRouter is rate limiting this key ({message}){_rate_limit_figures(exc)}.{wait}",
            retry_after=retry_after,
            hint="Wait a little and run the cell again.",
        )
    if status >= 500:
        provider = metadata.get("provider_name")
        source = f" at {provider}" if provider else ""
        return ProviderError(f"The model provider failed{source} ({message}).", status=status, hint=_TRY_AGAIN)
    return APIError(f"OpenRouter answered {status}: {message}.", status=status)


def stream_failure(exc: BaseException, map_error: Callable[[BaseException], Exception]) -> Exception:
    """A stream that broke after it started: mapped like any error, but always a StreamError."""
    if isinstance(exc, ValueError):  # a chunk that is not JSON
        return StreamError("OpenRouter sent a malformed chunk, so the answer stopped early.", hint=_TRY_AGAIN)
    mapped = map_error(exc)
    if isinstance(mapped, StreamError) or not isinstance(mapped, GeminiError):
        return mapped
    if isinstance(mapped, ConnectionFailedError):
        return StreamError("The connection dropped before the answer finished.", hint=_TRY_AGAIN)
    return StreamError(str(mapped), status=getattr(mapped, "status", None))
