"""Gemini Flash model catalog: prices, context sizes and availability.

The built-in table lets `%%gemini` price answers and steer users away from
removed models without a network round trip; `merge_live` folds in
OpenRouter's `GET /models` when it can be reached.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

from ._decimal import decimal_text
from ._defaults import DEFAULT_MODEL

__all__ = ["BUILTIN_MODELS", "DEFAULT_MODEL", "Catalog", "ModelInfo"]

Status = Literal["listed", "preview", "deprecated", "removed"]

PER_MILLION = Decimal(1_000_000)


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """One model's price list. Prices are USD per token (per image for `image_price`)."""

    id: str
    name: str
    prompt_price: Decimal
    completion_price: Decimal
    context_length: int
    status: Status = "listed"
    image_price: Decimal = Decimal(0)
    takes_images: bool = True
    experimental: bool = False
    note: str = ""
    #: The longest answer the model can give: the worst case when --max-tokens is not set.
    max_completion_tokens: int = 65535

    @property
    def free(self) -> bool:
        return self.prompt_price == 0 and self.completion_price == 0

    @property
    def available(self) -> bool:
        return self.status != "removed"

    @property
    def is_flash(self) -> bool:
        """A Gemini Flash model: Google's namespace, so `rekaai/reka-flash-3` is not one."""
        return self.id.startswith("google/") and "flash" in self.id.removeprefix("google/")

    def cost(self, prompt_tokens: int, completion_tokens: int, images: int = 0) -> Decimal:
        """List-price cost, exact in Decimal (used when a server omits `usage.cost`)."""
        return self.prompt_price * prompt_tokens + self.completion_price * completion_tokens + self.image_price * images

    def to_openrouter(self) -> dict[str, Any]:
        """This entry in the shape of one item of OpenRouter's `GET /models`."""
        modalities = ["file", "image", "text", "audio", "video"] if self.takes_images else ["text"]
        return {
            "id": self.id,
            "canonical_slug": self.id,
            "name": self.name,
            "created": 1750172488,
            "description": f"{self.name}, as priced in jupyter-gemini's built-in catalog.",
            "context_length": self.context_length,
            "pricing": {
                "prompt": decimal_text(self.prompt_price),
                "completion": decimal_text(self.completion_price),
                "request": "0",
                "image": decimal_text(self.image_price),
                "web_search": "0",
                "internal_reasoning": decimal_text(self.completion_price),
                "input_cache_read": decimal_text(self.prompt_price / 10),
            },
            "architecture": {
                "modality": "+".join(modalities) + "->text",
                "input_modalities": modalities,
                "output_modalities": ["text"],
                "tokenizer": "Gemini",
                "instruct_type": None,
            },
            "top_provider": {
                "context_length": self.context_length,
                "max_completion_tokens": self.max_completion_tokens,
                "is_moderated": False,
            },
            "per_request_limits": None,
            "supported_parameters": [
                "include_reasoning",
                "max_tokens",
                "reasoning",
                "response_format",
                "seed",
                "stop",
                "structured_outputs",
                "temperature",
                "tool_choice",
                "tools",
                "top_p",
            ],
        }


def _per_million(usd: str) -> Decimal:
    return Decimal(usd) / PER_MILLION


_MILLION_CONTEXT = 1_048_576

BUILTIN_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        "google/gemini-3.1-flash-lite",
        "Google: Gemini 3.1 Flash Lite",
        _per_million("0.25"),
        _per_million("1.50"),
        _MILLION_CONTEXT,
    ),
    ModelInfo(
        "google/gemini-3-flash-preview",
        "Google: Gemini 3 Flash Preview",
        _per_million("0.50"),
        _per_million("3.00"),
        _MILLION_CONTEXT,
        status="preview",
    ),
    ModelInfo(
        "google/gemini-3.5-flash",
        "Google: Gemini 3.5 Flash",
        _per_million("1.50"),
        _per_million("9.00"),
        _MILLION_CONTEXT,
    ),
    ModelInfo(
        "google/gemini-2.5-flash-lite",
        "Google: Gemini 2.5 Flash Lite",
        _per_million("0.10"),
        _per_million("0.40"),
        _MILLION_CONTEXT,
    ),
    ModelInfo(
        "google/gemini-2.5-flash",
        "Google: Gemini 2.5 Flash",
        _per_million("0.30"),
        _per_million("2.50"),
        _MILLION_CONTEXT,
        status="deprecated",
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
        )
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return None


def _status_of(model_id: str) -> Status:
    return "preview" if "preview" in model_id else "listed"
