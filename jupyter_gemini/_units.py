"""Sizes as people read them, one formatter for every message that names one (files, images, 413s)."""

from __future__ import annotations

__all__ = ["format_bytes"]


def format_bytes(n: int) -> str:
    """Decimal units, as file browsers show them: "512 bytes", "210 KB", "1.2 MB"; never "0 KB"."""
    if n < 1000:
        return f"{n:,} bytes"
    if n < 1_000_000:
        return f"{round(n / 1000):,} KB"
    return f"{n / 1_000_000:,.1f} MB"
