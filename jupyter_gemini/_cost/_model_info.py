"""One model as OpenRouter lists it: prices, limits, how it thinks, and what a request may ask of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from ..errors import OptionError
from ._decimal import decimal_text
from ._defaults import EFFORTS

__all__ = ["PER_MILLION", "ModelInfo", "Reasoning", "Status"]

Status = Literal["listed", "preview", "deprecated", "removed"]

PER_MILLION = Decimal(1_000_000)


@dataclasses.dataclass(frozen=True)
class Reasoning:
    """How a model thinks: its `reasoning` block in `GET /models`."""

    #: The efforts it takes (`reasoning.effort`); "none" turns thinking off where that is allowed.
    efforts: tuple[str, ...] = ("none", "minimal", "low", "medium", "high")
    default_effort: str | None = None
    #: Thinking cannot be turned off: `effort: "none"` is refused.
    mandatory: bool = False
    #: It takes a thinking budget in tokens (`reasoning.max_tokens`).
    supports_max_tokens: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "supported_efforts": list(self.efforts),
            "default_effort": self.default_effort,
            "default_enabled": self.default_effort not in (None, "none"),
            "supports_max_tokens": self.supports_max_tokens,
            "mandatory": self.mandatory,
        }

    @classmethod
    def from_json(cls, block: Mapping[str, Any]) -> Reasoning:
        efforts = [str(e) for e in block.get("supported_efforts") or EFFORTS if str(e) in EFFORTS]
        mandatory = bool(block.get("mandatory"))
        if not mandatory and "none" not in efforts:
            efforts.insert(0, "none")
        default = block.get("default_effort")
        return cls(
            efforts=tuple(e for e in EFFORTS if e in efforts),  # least to most, whatever order they came in
            default_effort=str(default) if default else None,
            mandatory=mandatory,
            supports_max_tokens=bool(block.get("supports_max_tokens")),
        )


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
    #: The longest answer the model can give, thinking included: the worst case when --max-tokens is not set.
    max_completion_tokens: int = 65535
    #: How it thinks; None for a model that does not.
    reasoning: Reasoning | None = None
    #: The day OpenRouter retires it (`expiration_date`), when one is announced: "2026-10-31".
    expiration_date: str | None = None
    #: Price of a prompt token read from the provider's cache (`pricing.input_cache_read`); None: unknown.
    cache_read_price: Decimal | None = None
    #: The request parameters it takes (`supported_parameters`); empty when unknown.
    supported_parameters: tuple[str, ...] = ()
    #: Price of a thinking token (`pricing.internal_reasoning`); None: the completion price.
    reasoning_price: Decimal | None = None
    #: Every field of `pricing` as `GET /models` gave it (request, web_search, input_cache_write, …), USD.
    prices: tuple[tuple[str, Decimal], ...] = ()

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

    @property
    def cache_price(self) -> Decimal:
        """A prompt token read from the provider's cache: the live price, else a tenth of a fresh one's."""
        return self.cache_read_price if self.cache_read_price is not None else self.prompt_price / 10

    def cache_saving(self, cached_tokens: int) -> Decimal:
        """What reading `cached_tokens` from the cache saved against sending them fresh."""
        return max(self.prompt_price - self.cache_price, Decimal(0)) * cached_tokens

    def reasoning_field(self, effort: str | None, tokens: int | None, *, flag: str = "") -> dict[str, Any] | None:
        """The request's `reasoning` for this model, or OptionError (nothing sent) when it cannot take it.

        None leaves the model to its own default. `flag` names where the choice came from, for the refusal.
        """
        if effort is None and tokens is None:
            return None
        flag = flag or (f"--reasoning {effort}" if effort is not None else f"--reasoning-tokens {tokens}")
        thinking = self.reasoning
        if thinking is None:
            if effort == "none":
                return None  # it does not think anyway
            raise OptionError(
                f"{self.id} does not think, so {flag} does not apply; nothing was sent.",
                hint="Leave it out, or pick a thinking model (%gemini models).",
            )
        if effort is None:
            if not thinking.supports_max_tokens:
                raise OptionError(
                    f"{self.id} takes thinking levels, not a token budget, so {flag} was refused; nothing was sent.",
                    hint=f"Use --reasoning {' or '.join(thinking.efforts)}.",
                )
            if tokens == 0 and thinking.mandatory:
                raise OptionError(
                    f"{self.id} always thinks, so {flag} (no thinking) was refused; nothing was sent.",
                    hint="Give it a budget above 0, or use --reasoning with its lowest effort.",
                )
            return {"max_tokens": tokens}
        if effort not in thinking.efforts:
            why = "always thinks" if effort == "none" and thinking.mandatory else "does not take that effort"
            raise OptionError(
                f"{self.id} {why}, so {flag} was refused; nothing was sent.",
                hint=f"It takes --reasoning {', '.join(thinking.efforts)}.",
            )
        return {"effort": effort}

    def cost(self, prompt_tokens: int, completion_tokens: int, images: int = 0, reasoning_tokens: int = 0) -> Decimal:
        """List-price cost, exact in Decimal (used when a server omits `usage.cost`).

        `reasoning_tokens` is the part of `completion_tokens` spent thinking, at its own price when it has one.
        """
        price = self.reasoning_price
        thinking = min(reasoning_tokens, completion_tokens) if price is not None else 0
        cost = self.prompt_price * prompt_tokens + self.completion_price * (completion_tokens - thinking)
        if price is not None and thinking:
            cost += price * thinking
        return cost + self.image_price * images

    @property
    def output_price_bound(self) -> Decimal:
        """The most an output token can cost, thinking or answer: what a worst case counts every one at."""
        return max(self.completion_price, self.reasoning_price or self.completion_price)

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
                "input_cache_read": decimal_text(self.cache_price),
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
            "supported_parameters": list(self.supported_parameters or self._parameters()),
            "reasoning": self.reasoning.to_json() if self.reasoning is not None else None,
            "expiration_date": self.expiration_date,
        }

    def _parameters(self) -> tuple[str, ...]:
        thinking = ("include_reasoning", "reasoning") if self.reasoning is not None else ()
        rest = ("response_format", "seed", "stop", "structured_outputs", "temperature", "tool_choice", "tools", "top_p")
        return tuple(sorted(("max_tokens", *thinking, *rest)))
