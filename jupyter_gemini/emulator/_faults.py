"""Per-request directives and the error bodies of every injectable fault.

Bodies and headers copy what OpenRouter sends (see the wire reference), so a
client that survives the emulator survives the real service.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
from collections.abc import Mapping
from typing import Any

HTTP_FAULT_STATUSES = (400, 401, 402, 403, 404, 408, 413, 429, 502, 503)
STREAM_FAULTS = ("error200", "midstream", "drop", "quiet", "malformed", "stall", "slow_keepalive")
#: A 429 that Google raised upstream (recorded live: tests/captures/c10), not OpenRouter's limit on the key.
UPSTREAM_RATE_LIMIT = "upstream429"
FAULTS: tuple[str, ...] = (*(f"http:{code}" for code in HTTP_FAULT_STATUSES), UPSTREAM_RATE_LIMIT, *STREAM_FAULTS)
# Transient failures a robust client should retry or report; drawn when fault_rate > 0.
DEFAULT_FAULT_POOL: tuple[str, ...] = ("http:429", "http:502", "http:503", "error200", "midstream", "drop")

DIRECTIVE_HEADER = "X-Emulator-Directive"
_DIRECTIVE_RE = re.compile(r"\[\[\s*emulator\s*:([^\]]*)\]\]", re.IGNORECASE)

PROVIDER_NAME = "jupyter-gemini emulator"
UPSTREAM_OVERLOADED = "Upstream error from Google AI Studio: Service temporarily overloaded"
_GEMINI_OVERLOADED_RAW = json.dumps(
    {"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}
)


class DirectiveError(ValueError):
    """A directive key the emulator knows has a value it cannot use."""


@dataclasses.dataclass(frozen=True)
class Directive:
    """What one request asked of the emulator; None means "use the config"."""

    tokens: int | None = None
    fault: str | None = None
    after: int | None = None
    ttft: float | None = None
    tps: float | None = None
    chunk: int | None = None
    retry_after: float | None = None
    stall: float | None = None
    stall_silent: bool = False
    #: Answer a `json_schema` request with JSON that does not fit the schema (a failed row, for tests and demos).
    invalid: bool = False
    #: Seconds a stream sends nothing at all, headers included (billed from the start, as Google does).
    accept: float | None = None
    #: Thinking tokens sent as `reasoning` deltas before the answer, billed as output.
    reasoning: int | None = None


def find_directives(text: str) -> dict[str, str]:
    """key=value pairs of every `[[emulator: ...]]` in `text`, later ones winning."""
    pairs: dict[str, str] = {}
    for match in _DIRECTIVE_RE.finditer(text):
        pairs.update(parse_pairs(match.group(1)))
    return pairs


def strip_directives(text: str) -> str:
    return _DIRECTIVE_RE.sub(" ", text)


def parse_pairs(text: str) -> dict[str, str]:
    """`tokens=5 fault=drop` -> {"tokens": "5", "fault": "drop"}; words without `=` are ignored."""
    pairs: dict[str, str] = {}
    for word in text.replace(",", " ").split():
        key, sep, value = word.partition("=")
        if sep and key:
            pairs[key.strip().lower().replace("-", "_")] = value.strip()
    return pairs


MAX_TOKENS = 1_048_576
"""Largest `tokens=` / `after=` a directive may ask for (keeps a typo from eating memory)."""


def _number(key: str, value: str, *, integer: bool, minimum: float, exclusive: bool = False) -> float:
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        raise DirectiveError(f"{key}={value!r} is not a {'whole ' if integer else ''}number") from None
    if not math.isfinite(number) or number < minimum or (exclusive and number == minimum):
        bound = f"> {minimum:g}" if exclusive else f">= {minimum:g}"
        raise DirectiveError(f"{key}={value!r} must be {bound}")
    if integer and number > MAX_TOKENS:
        raise DirectiveError(f"{key}={value!r} must be <= {MAX_TOKENS}")
    return number


def build_directive(pairs: Mapping[str, str]) -> Directive:
    """Validate known keys; unknown keys are ignored so notes to self do no harm."""
    values: dict[str, Any] = {}
    for key in ("tokens", "after", "reasoning"):
        if key in pairs:
            values[key] = int(_number(key, pairs[key], integer=True, minimum=0))
    if "chunk" in pairs:
        values["chunk"] = int(_number("chunk", pairs["chunk"], integer=True, minimum=1))
    for key in ("ttft", "retry_after", "stall", "accept"):
        if key in pairs:
            values[key] = _number(key, pairs[key], integer=False, minimum=0)
    if "tps" in pairs:
        values["tps"] = _number("tps", pairs["tps"], integer=False, minimum=0, exclusive=True)
    for flag in ("stall_silent", "invalid"):
        if flag in pairs:
            values[flag] = _flag(flag, pairs[flag])
    if "fault" in pairs:
        values["fault"] = _fault(pairs["fault"])
    return Directive(**values)


def _flag(key: str, value: str) -> bool:
    flag = value.lower()
    if flag not in ("1", "0", "true", "false", "yes", "no"):
        raise DirectiveError(f"{key}={value!r} must be 1 or 0")
    return flag in ("1", "true", "yes")


def _fault(value: str) -> str:
    fault = value.lower()
    if fault not in (*FAULTS, "none"):
        raise DirectiveError(f"unknown fault {value!r}; known: none, {', '.join(FAULTS)}")
    return fault


@dataclasses.dataclass(frozen=True)
class HttpError:
    """An error sent before the first byte: status, OpenRouter-shaped body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)


def error(
    status: int,
    message: str,
    metadata: Mapping[str, Any] | None = None,
    *,
    availability: Mapping[str, Any] | None = None,
    **headers: str,
) -> HttpError:
    # Shapes of the recorded bodies: `metadata` only when there is some (c13), `user_id` beside
    # `error` once the key was accepted (c09, c10), and the documented availability fields (d03, d04).
    fields: dict[str, Any] = {"code": status, "message": message}
    if metadata:
        fields["metadata"] = dict(metadata)
    body: dict[str, Any] = {"error": fields}
    if availability is not None:  # where OpenRouter documents it: error.availability
        fields.update(error_type=_AVAILABILITY_ERROR_TYPES.get(status, "invalid_request"), http_status=status)
        fields["availability"] = {
            "retryable": False,
            **availability,
            "docs_url": f"https://openrouter.ai/docs/errors#{availability['code']}",
        }
    if status != 401:
        body["user_id"] = EMULATOR_USER_ID
    return HttpError(status, body, {key.replace("_", "-"): value for key, value in headers.items()})


EMULATOR_USER_ID = "user_jupyter_gemini_emulator"
_AVAILABILITY_ERROR_TYPES = {400: "invalid_request", 403: "permission_denied", 404: "not_found"}


def invalid_model(model_id: str) -> HttpError:
    return error(
        400,
        f"{model_id} is not a valid model ID",
        availability={"code": "model_not_found", "requested_models": [model_id]},
    )


def model_deprecated(model_id: str, fallback_models: list[str]) -> HttpError:
    return error(
        404,
        f"{model_id} has been removed from OpenRouter.",
        availability={"code": "model_deprecated", "requested_models": [model_id], "fallback_models": fallback_models},
    )


def free_variant_ended(model_id: str) -> HttpError:
    return error(
        404,
        f"The free variant of {model_id} has ended and is no longer available.",
        availability={"code": "free_variant_ended", "requested_models": [model_id]},
    )


def insufficient_credits(requested: int, affordable: int) -> HttpError:
    return error(
        402,
        "This request requires more credits, or fewer max_tokens. "
        f"You requested up to {requested} tokens, but can only afford {affordable}. "
        "To increase, visit https://openrouter.ai/settings/credits and add more credits",
    )


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def http_fault(
    status: int,
    *,
    model_id: str,
    prompt_text: str,
    requested_tokens: int,
    retry_after: float = 1.0,
) -> HttpError:
    """The body and headers OpenRouter sends for `status` (one of HTTP_FAULT_STATUSES)."""
    if status in _ONE_LINE_FAULTS:
        return error(status, _ONE_LINE_FAULTS[status])
    if status == 400:
        return invalid_model(model_id)
    if status == 402:
        return insufficient_credits(requested_tokens, requested_tokens // 4)
    if status == 403:
        return _moderated(model_id, prompt_text)
    if status == 404:
        return error(
            404,
            f"No endpoints found for {model_id}.",
            availability={"code": "no_endpoints", "requested_models": [model_id]},
        )
    if status == 429:
        return _rate_limited(retry_after)
    if status == 502:
        return error(502, "Provider returned error", {"provider_name": PROVIDER_NAME, "raw": _GEMINI_OVERLOADED_RAW})
    raise ValueError(f"no fault for HTTP status {status}")


#: Faults whose body is one message, worded as OpenRouter words them.
_ONE_LINE_FAULTS = {
    401: "No auth credentials found",
    408: "Operation timed out. Please try again later.",
    413: "Downloaded image content cannot exceed 30MB",
    503: "No allowed providers are available for the selected model.",
}


def _moderated(model_id: str, prompt_text: str) -> HttpError:
    return error(
        403,
        f'{model_id} requires moderation on {PROVIDER_NAME}. Your input was flagged for "harassment"',
        {
            "reasons": ["harassment"],
            "flagged_input": prompt_text[:100],
            "provider_name": PROVIDER_NAME,
            "model_slug": model_id,
        },
    )


def _rate_limited(retry_after: float) -> HttpError:
    reset_ms = str(int((time.time() + retry_after) * 1000))
    limits = {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset_ms}
    return HttpError(
        429,
        {
            "error": {
                "code": 429,
                "message": "Rate limit exceeded: free-models-per-day. "
                "Add 10 credits to unlock 1000 free model requests per day",
                "metadata": {"headers": limits},
            },
            "user_id": EMULATOR_USER_ID,
        },
        {"Retry-After": _seconds_text(retry_after), **limits},
    )


def upstream_rate_limit(model_id: str) -> HttpError:
    """Google's own limit on a model, passed on by OpenRouter (shape of tests/captures/c10)."""
    raw = (
        f"{model_id} is temporarily rate-limited upstream. Please retry shortly, or add your own key "
        "to accumulate your rate limits: https://openrouter.ai/settings/integrations"
    )
    return error(429, "Provider returned error", {"provider_name": "Google", "raw": raw})


def midstream_error() -> dict[str, Any]:
    """The top-level `error` of a chunk that ends a stream after the 200."""
    return {
        "code": 502,
        "message": "Provider disconnected unexpectedly",
        "metadata": {
            "error_type": "provider_unavailable",
            "provider_name": PROVIDER_NAME,
            "raw": _GEMINI_OVERLOADED_RAW,
        },
    }


def fault_status(fault: str) -> int | None:
    """The HTTP status of an `http:<status>` fault, else None."""
    prefix, _, code = fault.partition(":")
    return int(code) if prefix == "http" and code.isdigit() else None
