"""Money and token counts as text: one home, so the footer, the tally, the budget and the picker agree."""

from __future__ import annotations

from decimal import Decimal

from ._catalog import PER_MILLION
from ._decimal import decimal_text

__all__ = ["format_out_tokens", "format_tokens", "format_usd", "price_per_million"]


def format_usd(amount: Decimal, *, estimated: bool = False) -> str:
    """Exact dollars with no float rounding or exponent: `$0.0001036`, `≈$0.02`."""
    return f"{'≈' if estimated else ''}${decimal_text(amount)}"


def format_tokens(count: int) -> str:
    return f"{count:,}"


def format_out_tokens(completion_tokens: int, reasoning_tokens: int) -> str:
    """Output tokens with thinking apart (both are billed as output): `60`, or `60 + 310 thinking`."""
    thinking = min(reasoning_tokens, completion_tokens)
    out = format_tokens(completion_tokens - thinking)
    return f"{out} + {format_tokens(thinking)} thinking" if thinking else out


def price_per_million(price: Decimal) -> str:
    """Dollars per million tokens, always with cents: `$1.50`, `$0.075`."""
    value = (price * PER_MILLION).normalize()
    if value.as_tuple().exponent > -2:  # type: ignore[operator]  # finite Decimals have int exponents
        value = value.quantize(Decimal("0.01"))
    return f"${value:f}"
