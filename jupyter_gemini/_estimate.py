"""Token and cost estimates for when OpenRouter has not (yet) said.

Gemini's tokenizer is not available offline; about four characters per
token is the usual rule of thumb and what the emulator charges.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ._response import Usage

CHARS_PER_TOKEN = 4
#: Token budget for each DataFrame, value or text file put into a prompt (`--budget-tokens`).
DEFAULT_BUDGET_TOKENS = 2000
#: Gemini bills a small image as about this many prompt tokens.
TOKENS_PER_IMAGE = 258


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def prompt_tokens(messages: Iterable[Mapping[str, Any]], *, text_only: bool = False) -> int:
    """`text_only` leaves images and files out, for callers that know their real cost."""
    total = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            total += text_tokens(content)
            continue
        for part in content or ():
            if part.get("type") == "text":
                total += text_tokens(str(part.get("text", "")))
            elif part.get("type") == "image_url" and not text_only:
                total += TOKENS_PER_IMAGE
    return total


def estimate_usage(prompt: int, answer: str) -> Usage:
    return Usage(prompt_tokens=prompt, completion_tokens=text_tokens(answer))
