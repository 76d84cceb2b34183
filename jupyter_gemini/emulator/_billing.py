"""Prices, usage objects and ledger views, all in exact Decimal arithmetic from the catalog."""

from __future__ import annotations

import datetime
import math
import secrets
import string
import time
from decimal import Decimal
from typing import Any

from .._cost._catalog import ModelInfo
from ._faults import EMULATOR_USER_ID, PROVIDER_NAME
from ._state import GenerationRecord

_ID_ALPHABET = string.ascii_letters + string.digits
UNSPECIFIED_MAX_TOKENS = 65535
"""What OpenRouter reserves when a request names no max_tokens (the models' output ceiling)."""


def new_generation_id(now: float | None = None) -> str:
    """`gen-<unix seconds>-<20 alphanumerics>`, like OpenRouter's."""
    stamp = int(time.time() if now is None else now)
    return f"gen-{stamp}-{''.join(secrets.choice(_ID_ALPHABET) for _ in range(20))}"


def prompt_cost(model: ModelInfo, prompt_tokens: int, images: int = 0, cached_tokens: int = 0) -> Decimal:
    """Fresh prompt tokens at the prompt price, cached ones at the cache-read price (Gemini's implicit cache)."""
    cost = model.prompt_price * (prompt_tokens - cached_tokens) + model.image_price * images
    # Only when there are some: a zero term would change the Decimal's exponent, and the JSON's digits.
    return cost + model.cache_price * cached_tokens if cached_tokens else cost


def completion_cost(model: ModelInfo, completion_tokens: int) -> Decimal:
    return model.completion_price * completion_tokens


def affordable_tokens(model: ModelInfo, remaining: Decimal, prompt: Decimal) -> int:
    """How many completion tokens the remaining credit covers after paying for the prompt."""
    left = remaining - prompt
    if left <= 0:
        return 0
    if model.completion_price == 0:
        return UNSPECIFIED_MAX_TOKENS
    return math.floor(left / model.completion_price)


def usage_object(record: GenerationRecord) -> dict[str, Any]:
    """The full `usage` object of OpenRouter's responses, costs as exact Decimals."""
    return {
        "prompt_tokens": record.prompt_tokens,
        "completion_tokens": record.completion_tokens,
        "total_tokens": record.prompt_tokens + record.completion_tokens,
        "cost": record.cost,
        "is_byok": False,
        "prompt_tokens_details": {
            "cached_tokens": record.cached_tokens,
            "cache_write_tokens": 0,
            "audio_tokens": 0,
            "video_tokens": 0,
        },
        "completion_tokens_details": {
            "reasoning_tokens": record.reasoning_tokens,
            "image_tokens": 0,
            "audio_tokens": 0,
        },
        "cost_details": {
            "upstream_inference_cost": None,
            "upstream_inference_prompt_cost": record.prompt_cost,
            "upstream_inference_completions_cost": record.completion_cost,
        },
    }


def generation_data(record: GenerationRecord) -> dict[str, Any]:
    """`GET /generation` data for one record."""
    created_at = datetime.datetime.fromtimestamp(record.created, tz=datetime.timezone.utc)
    return {
        "id": record.id,
        "upstream_id": None,
        "total_cost": record.cost,
        "cache_discount": None,
        "upstream_inference_cost": None,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "model": record.model,
        "app_id": None,
        "streamed": record.streamed,
        "cancelled": record.cancelled,
        "provider_name": PROVIDER_NAME,
        "latency": record.latency_ms,
        "moderation_latency": None,
        "generation_time": record.generation_time_ms,
        "finish_reason": record.finish_reason,
        "native_finish_reason": record.native_finish_reason,
        "tokens_prompt": record.prompt_tokens,
        "tokens_completion": record.completion_tokens,
        "native_tokens_prompt": record.prompt_tokens,
        "native_tokens_completion": record.completion_tokens,
        "native_tokens_reasoning": record.reasoning_tokens,
        "native_tokens_cached": record.cached_tokens,
        "num_media_prompt": record.images + record.files,
        "num_media_completion": 0,
        "num_search_results": 0,
        "origin": "",
        "usage": record.cost,
        "is_byok": False,
        "api_type": "completions",
        # The rest of the documented record (tests/captures/d05): nothing the emulator tracks.
        "native_tokens_completion_images": 0,
        "num_input_audio_prompt": 0,
        "num_fetches": 0,
        "web_search_engine": None,
        "provider_responses": None,
        "request_id": None,
        "session_id": None,
        "preset_id": None,
        "router": None,
        "service_tier": record.service_tier,
        "data_region": None,
        "external_user": None,
        "http_referer": None,
        "user_agent": None,
    }


def key_data(limit: Decimal | None, usage: Decimal) -> dict[str, Any]:
    """`GET /key` data: the limit from the config, usage from the ledger."""
    return {
        "label": PROVIDER_NAME,
        "limit": limit,
        "limit_reset": None,
        "limit_remaining": None if limit is None else limit - usage,
        "include_byok_in_limit": False,
        "usage": usage,
        "usage_daily": usage,
        "usage_weekly": usage,
        "usage_monthly": usage,
        "byok_usage": 0,
        "byok_usage_daily": 0,
        "byok_usage_weekly": 0,
        "byok_usage_monthly": 0,
        "is_free_tier": False,
        "expires_at": None,
        "creator_user_id": EMULATOR_USER_ID,
        "is_management_key": False,
        "is_provisioning_key": False,
        "rate_limit": {"interval": "10s", "note": "This field is deprecated and safe to ignore.", "requests": 1000},
    }
