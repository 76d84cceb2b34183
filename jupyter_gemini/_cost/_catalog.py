"""Gemini Flash model catalog: prices, context sizes and availability.

The built-in table lets `%%gemini` price answers and steer users away from
removed models without a network round trip; `merge_live` folds in
OpenRouter's `GET /models` when it can be reached.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ._defaults import DEFAULT_MODEL
from ._model_info import PER_MILLION, ModelInfo, Reasoning, Status

__all__ = ["BUILTIN_MODELS", "DEFAULT_MODEL", "PER_MILLION", "Catalog", "ModelInfo", "Reasoning"]


def _per_million(usd: str) -> Decimal:
    return Decimal(usd) / PER_MILLION


_MILLION_CONTEXT = 1_048_576

#: Thinking as Gemini 3 and later take it: levels, and a budget that maps onto them (not exactly).
_LEVELS = Reasoning(default_effort="none", supports_max_tokens=True)
#: Thinking that cannot be turned off (3.5 and 3.6 Flash).
_ALWAYS = Reasoning(("minimal", "low", "medium", "high"), "medium", mandatory=True, supports_max_tokens=True)
#: 3.7 and 3.8 Flash take only low, medium and high.
_LMH = Reasoning(("low", "medium", "high"), "medium", mandatory=True)
#: Gemini 2.5's thinking budget (`reasoning.max_tokens`), with efforts mapped onto it.
_BUDGET = Reasoning(("none", "low", "medium", "high"), "medium", supports_max_tokens=True)

BUILTIN_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        "google/gemini-3.1-flash-lite",
        "Google: Gemini 3.1 Flash Lite",
        _per_million("0.25"),
        _per_million("1.50"),
        _MILLION_CONTEXT,
        reasoning=_LEVELS,
    ),
    ModelInfo(
        "google/gemini-3.8-flash",
        "Google: Gemini 3.8 Flash",
        _per_million("0.75"),
        _per_million("3.75"),
        _MILLION_CONTEXT,
        reasoning=_LMH,
        note="launch price until 2026-12-31, then $1.50 / $7.50",
    ),
    ModelInfo(
        "google/gemini-3.7-flash",
        "Google: Gemini 3.7 Flash",
        _per_million("0.75"),
        _per_million("3.75"),
        _MILLION_CONTEXT,
        reasoning=_LMH,
        note="launch price (standard $1.50 / $7.50)",
    ),
    ModelInfo(
        "google/gemini-3.6-flash",
        "Google: Gemini 3.6 Flash",
        _per_million("0.75"),
        _per_million("3.75"),
        _MILLION_CONTEXT,
        reasoning=_ALWAYS,
        note="launch price (standard $1.50 / $7.50)",
    ),
    ModelInfo(
        "google/gemini-3.5-flash-lite",
        "Google: Gemini 3.5 Flash Lite",
        _per_million("0.30"),
        _per_million("2.50"),
        _MILLION_CONTEXT,
        reasoning=_LEVELS,
    ),
    ModelInfo(
        "google/gemini-3.5-flash",
        "Google: Gemini 3.5 Flash",
        _per_million("1.50"),
        _per_million("9.00"),
        _MILLION_CONTEXT,
        status="deprecated",
        reasoning=_ALWAYS,
        note="OpenRouter routes it to 3.6 Flash",
    ),
    ModelInfo(
        "google/gemini-3-flash-preview",
        "Google: Gemini 3 Flash Preview",
        _per_million("0.50"),
        _per_million("3.00"),
        _MILLION_CONTEXT,
        status="preview",
        reasoning=dataclasses.replace(_LEVELS, default_effort="high"),
    ),
    ModelInfo(
        "google/gemini-2.5-flash-lite",
        "Google: Gemini 2.5 Flash Lite",
        _per_million("0.10"),
        _per_million("0.40"),
        _MILLION_CONTEXT,
        reasoning=dataclasses.replace(_BUDGET, default_effort="none"),
    ),
    ModelInfo(
        "google/gemini-2.5-flash",
        "Google: Gemini 2.5 Flash",
        _per_million("0.30"),
        _per_million("2.50"),
        _MILLION_CONTEXT,
        status="deprecated",
        reasoning=_BUDGET,
        expiration_date="2026-10",
        note="discontinuation announced for 2026-10",
    ),
    ModelInfo(
        "google/gemini-2.0-flash-001",
        "Google: Gemini 2.0 Flash",
        _per_million("0.10"),
        _per_million("0.40"),
        _MILLION_CONTEXT,
        status="removed",
        note="since 2026-06",
    ),
    ModelInfo(
        "google/gemini-2.0-flash-lite-001",
        "Google: Gemini 2.0 Flash Lite",
        _per_million("0.075"),
        _per_million("0.30"),
        _MILLION_CONTEXT,
        status="removed",
        note="since 2026-06",
    ),
    ModelInfo(
        "google/gemini-flash-1.5",
        "Google: Gemini 1.5 Flash",
        _per_million("0.075"),
        _per_million("0.30"),
        1_000_000,
        status="removed",
        image_price=Decimal("0.04") / 1000,
        note="$0.04 per 1,000 input images",
    ),
    ModelInfo(
        "google/gemini-flash-1.5-8b-exp",
        "Google: Gemini 1.5 Flash 8B Experimental",
        Decimal(0),
        Decimal(0),
        1_000_000,
        status="removed",
        experimental=True,
        note="heavily rate-limited",
    ),
)


class Catalog:
    """Models by id; built-in prices first, live `GET /models` data folded in."""

    def __init__(self, models: Iterable[ModelInfo] = BUILTIN_MODELS, *, live: bool = False) -> None:
        self._models: dict[str, ModelInfo] = {m.id: m for m in models}
        self.live = live

    def get(self, model_id: str) -> ModelInfo | None:
        return self._models.get(model_id) or self._models.get(model_id.removesuffix(":free"))

    def __iter__(self) -> Any:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def flash(self, *, include_removed: bool = True) -> list[ModelInfo]:
        return [m for m in self if m.is_flash and (include_removed or m.available)]

    def current_flash(self) -> list[ModelInfo]:
        """Flash models to recommend: served today, not on their way out."""
        return [m for m in self if m.is_flash and m.status in ("listed", "preview")]

    def merge_live(self, payload: Mapping[str, Any]) -> Catalog:
        """A new catalog with OpenRouter's live list applied.

        Built-in models missing from a live list are marked removed, so the
        picker and error messages never recommend a model that is gone.
        """
        live: dict[str, ModelInfo] = {}
        for item in payload.get("data") or []:
            if not str(item.get("id", "")).startswith("google/"):
                continue  # Google's namespace only: the catalog prices Gemini, not the other 300 models
            info = model_from_openrouter(item, self._models.get(str(item.get("id", ""))))
            if info is not None:
                live[info.id] = info
        merged = dict(live)
        for model_id, info in self._models.items():
            if model_id not in merged:
                # A note written for another status ("discontinuation announced") would now mislead.
                note = info.note if info.status == "removed" else "not in OpenRouter's model list"
                merged[model_id] = dataclasses.replace(info, status="removed", note=note)
        return Catalog(merged.values(), live=True)


def model_from_openrouter(item: Mapping[str, Any], known: ModelInfo | None = None) -> ModelInfo | None:
    """Parse one `GET /models` entry; keep the built-in status and notes it lacks."""
    try:
        pricing = item.get("pricing") or {}
        model_id = str(item["id"])
        modalities = (item.get("architecture") or {}).get("input_modalities") or ["text"]
        still = known is not None and known.status != "removed"  # the built-in status still holds
        return ModelInfo(
            id=model_id,
            name=str(item.get("name") or model_id),
            prompt_price=Decimal(str(pricing.get("prompt", "0"))),
            completion_price=Decimal(str(pricing.get("completion", "0"))),
            context_length=int(item.get("context_length") or 0),
            status=known.status if known is not None and still else _status_of(model_id),
            image_price=Decimal(str(pricing.get("image", "0") or "0")),
            takes_images="image" in modalities,
            experimental=known.experimental if known else model_id.endswith("-exp"),
            note=known.note if known is not None and still else "",  # "since 2026-06" is stale for a model that is back
            max_completion_tokens=int((item.get("top_provider") or {}).get("max_completion_tokens") or 65535),
            reasoning=_reasoning_of(item),
            expiration_date=str(item["expiration_date"]) if item.get("expiration_date") else None,
            cache_read_price=Decimal(str(pricing["input_cache_read"])) if pricing.get("input_cache_read") else None,
            supported_parameters=tuple(str(p) for p in item.get("supported_parameters") or ()),
            reasoning_price=Decimal(str(pricing["internal_reasoning"])) if pricing.get("internal_reasoning") else None,
            prices=_prices(pricing),
        )
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return None


def _prices(pricing: Mapping[str, Any]) -> tuple[tuple[str, Decimal], ...]:
    """Every price field that is a number; one that is not is left out, never the model."""
    found = []
    for name, value in pricing.items():
        try:
            found.append((str(name), Decimal(str(value))))
        except ArithmeticError:
            continue
    return tuple(found)


def _reasoning_of(item: Mapping[str, Any]) -> Reasoning | None:
    """The `reasoning` block; a model that lists the `reasoning` parameter without one thinks the usual way."""
    block = item.get("reasoning")
    if isinstance(block, Mapping):
        return Reasoning.from_json(block)
    return Reasoning() if "reasoning" in (item.get("supported_parameters") or ()) else None


def _status_of(model_id: str) -> Status:
    return "preview" if "preview" in model_id else "listed"
