"""An exact amount as plain text: the one rule for the footer, the catalog and the emulator's JSON."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["decimal_text"]


def decimal_text(value: Decimal) -> str:
    """Plain positional notation with no trailing zeros (0.0000036, never 3.6E-6), as OpenRouter writes it."""
    return "0" if value == 0 else format(value.normalize(), "f")
