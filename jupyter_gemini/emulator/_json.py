"""JSON with Decimals written digit for digit, so `usage.cost` equals the emulator's ledger exactly."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from .._cost._decimal import decimal_text

# The stdlib encoder cannot emit raw number text for a custom type, so Decimals
# travel as marked strings and are unquoted afterwards. NUL never survives
# encoding unescaped, so the marker cannot collide with real string content.
_MARK = "\x00dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?[0-9.]+)"')
_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    separators=(",", ":"),
    default=lambda value: _MARK + decimal_text(value) if isinstance(value, Decimal) else _unknown(value),
)


def _unknown(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """Compact JSON; Decimal values become numbers with their exact digits."""
    text = _ENCODER.encode(value)
    return _MARKED.sub(r"\1", text) if "\\u0000dec:" in text else text
