"""From openai SDK exceptions to our typed, one-sentence errors.

The cases follow OpenRouter's error table (shared/openrouter-api.md):
the SDK puts the inner `{"code","message","metadata"}` object in `e.body`.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._units import format_bytes
from ..errors import (
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
    unavailable = _unavailable(status, message, body, metadata, model, alternatives)
    if unavailable is not None:
        return unavailable
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
        size = f" at {format_bytes(request_size)}" if request_size else ""
        return PayloadTooLargeError(
            f"The request is too large for OpenRouter{size} ({message}).",
            status=status,
            hint="Send less data or fewer, smaller images.",
        )
    if status == 429 and metadata.get("provider_name"):
        # Raised by the provider upstream (Google's own limit on a model), not OpenRouter's limit on the key.
        provider, raw = metadata.get("provider_name"), metadata.get("raw") or message
        return RateLimitError(
            f"{provider} is rate limiting this model upstream, not your key ({str(raw).strip().rstrip('.')}).",
            retry_after=_retry_after(exc),
            hint="Wait a little and run the cell again, or pick another model with -m.",
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


def _unavailable(
    status: int,
    message: str,
    body: Mapping[str, Any],
    metadata: Mapping[str, Any],
    model: str,
    alternatives: Callable[[], Sequence[str]],
) -> ModelUnavailableError | None:
    """400/404 about the model: say why, in OpenRouter's words (`error.availability`), and what to use instead."""
    availability = body.get("availability") or metadata.get("availability")  # documented place first
    availability = availability if isinstance(availability, Mapping) else {}
    code = availability.get("code")
    invalid = "not a valid model" in message.lower()
    if not (status == 404 or (status == 400 and (invalid or code))):
        return None
    others = [m for m in alternatives() if m != model]
    close = difflib.get_close_matches(model, others, n=1, cutoff=0.75)
    suggest: list[str] = close or others[:3]
    hint = ""
    if code == "model_not_found" or invalid:
        text = f"OpenRouter has no model {model} ({message})."
        if close:
            hint = f"Did you mean {close[0]}? (%gemini model {close[0]})"
    elif code == "model_deprecated":
        fallback = [str(m) for m in availability.get("fallback_models") or () if m != model]
        suggest = fallback or suggest
        text = f"{model} is no longer available on OpenRouter ({message})."
    elif code == "privacy_restricted":
        excluded = ", ".join(map(str, availability.get("excluded_by") or ()))
        text = f"No provider of {model} meets your privacy settings{f' ({excluded})' if excluded else ''}: {message}."
        hint = "Change them at https://openrouter.ai/settings/privacy, or pick another model with -m."
    elif code == "free_variant_ended":
        paid = model.removesuffix(":free")
        suggest = [paid, *suggest] if paid != model else suggest
        text = f"The free variant of {model} has ended ({message})."
    else:  # no_endpoints, or a plain 404
        text = f"No provider serves {model} right now ({message})."
    if not hint:
        hint = (
            f"Use another model instead: {', '.join(suggest)} (for example %gemini model {suggest[0]})."
            if suggest
            else "Run %gemini models to see the current Flash models."
        )
    return ModelUnavailableError(text, model=model, alternatives=suggest, hint=hint, status=status)


def stream_failure(exc: BaseException, map_error: Callable[[BaseException], Exception]) -> Exception:
    """A stream that broke after it started: mapped like any error, but always a StreamError."""
    if isinstance(exc, ValueError):  # a chunk that is not JSON
        return StreamError("OpenRouter sent a malformed chunk, so the answer stopped early.", hint=_TRY_AGAIN)
    # The stream is read below the SDK (see ChatStream), so its transport's errors arrive raw. Matched by
    # class name: the SDK's transport is httpx in older openai releases and httpx2 in newer ones.
    transport = {cls.__name__ for cls in type(exc).__mro__}
    if "TimeoutException" in transport:
        return StreamError("OpenRouter stopped sending before the answer finished.", hint=_TRY_AGAIN)
    if "TransportError" in transport:
        return StreamError("The connection dropped before the answer finished.", hint=_TRY_AGAIN)
    mapped = map_error(exc)
    if isinstance(mapped, StreamError) or not isinstance(mapped, GeminiError):
        return mapped
    if isinstance(mapped, ConnectionFailedError):
        return StreamError("The connection dropped before the answer finished.", hint=_TRY_AGAIN)
    return StreamError(str(mapped), status=getattr(mapped, "status", None))
