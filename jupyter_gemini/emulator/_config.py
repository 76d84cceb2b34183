"""The emulator's settings: one mutable dataclass that handlers re-read on every request."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from .._cost._catalog import BUILTIN_MODELS, ModelInfo
from ._faults import DEFAULT_FAULT_POOL, FAULTS
from ._tokens import TOKENIZERS, Tokenizer


@dataclasses.dataclass
class EmulatorConfig:
    """How the emulator behaves.

    Fields may be changed on a running emulator (`emu.config.ttft = 0.2`); each
    request reads them when it arrives.
    """

    host: str = "127.0.0.1"
    port: int = 0
    ttft: float = 0.0
    """Seconds before the first content token (keep-alive comments are sent meanwhile)."""
    tokens_per_second: float | None = None
    """Streaming pace; None streams as fast as possible."""
    chunk_tokens: int = 1
    keepalive_interval: float = 0.5
    default_tokens: int = 60
    """Completion length when neither a `tokens=` directive nor `max_tokens` says otherwise."""
    fault_rate: float = 0.0
    seed: int | None = None
    fault_pool: tuple[str, ...] = DEFAULT_FAULT_POOL
    credit_limit: Decimal | None = None
    generation_lookup_delay: float = 0.0
    require_auth: bool = True
    models: tuple[ModelInfo, ...] = BUILTIN_MODELS
    """The catalog the emulator serves and prices from (the built-in one by default)."""
    tokenizer: Tokenizer = "chars"
    """How prompts and answers are counted: "chars" (4 characters a token) or "dense" (one token per
    CJK character, symbol, punctuation mark or emoji; see `_tokens`), to test budgets against text
    that costs more than 4 characters a token."""

    def __post_init__(self) -> None:
        # Accept "5", 5 or 5.0 for convenience; billing arithmetic needs a Decimal.
        self.credit_limit = self.limit_usd
        self.fault_pool = tuple(self.fault_pool)
        self.validate()

    @property
    def limit_usd(self) -> Decimal | None:
        """`credit_limit` as a Decimal, even if a float was assigned on a running emulator."""
        limit: object = self.credit_limit
        if limit is None or isinstance(limit, Decimal):
            return limit
        return Decimal(str(limit))

    def validate(self) -> None:
        """Refuse settings that would make requests fail in confusing ways later."""
        if self.ttft < 0 or self.keepalive_interval <= 0 or self.generation_lookup_delay < 0:
            raise ValueError("ttft and generation_lookup_delay must be >= 0, keepalive_interval > 0")
        if self.tokens_per_second is not None and self.tokens_per_second <= 0:
            raise ValueError("tokens_per_second must be > 0 or None")
        if self.chunk_tokens < 1 or self.default_tokens < 0:
            raise ValueError("chunk_tokens must be >= 1 and default_tokens >= 0")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        unknown = [name for name in self.fault_pool if name not in FAULTS]
        if unknown:
            raise ValueError(f"unknown fault(s) in fault_pool: {', '.join(unknown)}")
        if self.tokenizer not in TOKENIZERS:
            raise ValueError(f"tokenizer must be one of {', '.join(TOKENIZERS)}, not {self.tokenizer!r}")
        if self.fault_rate > 0 and not self.fault_pool:
            raise ValueError("fault_rate > 0 needs a non-empty fault_pool")
