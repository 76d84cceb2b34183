"""Token counting: simple, documented rules so tests can predict every count.

Real Gemini counts differ; what matters offline is that the numbers are exact
and reproducible, so cost tallies can be checked to the last digit.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any, Literal

# One home for what a token is worth: the emulator bills by the rules the kernel estimates by,
# so an estimate (≈) of an emulator answer is what the emulator then reports.
from .._cost._estimate import CHARS_PER_TOKEN, TOKENS_PER_IMAGE

Tokenizer = Literal["chars", "dense"]
TOKENIZERS: tuple[Tokenizer, ...] = ("chars", "dense")
"""`chars`: one token per 4 characters (the default). `dense`: one token per CJK character, symbol,
punctuation mark or emoji code point, and per run of up to 4 ASCII letters/digits or 4 spaces, so a
prompt of code, symbols or CJK costs far more than 4 characters a token (like a real tokenizer can)."""
_DENSE = re.compile(r"[A-Za-z0-9]{1,4}|[ \t\r\n]{1,4}|.", re.DOTALL)
MESSAGE_OVERHEAD_TOKENS = 4
"""Added once per message for its role and framing."""
IMAGE_TOKENS = TOKENS_PER_IMAGE
"""What Gemini bills for a small image; every image part costs this much."""
FILE_CHARS_PER_TOKEN = 32
"""A `file` or `input_audio` part costs ceil(len(base64 payload) / 32) tokens (about 24 bytes a token)."""
LINKED_FILE_TOKENS = TOKENS_PER_IMAGE
"""A file given by URL rather than inline data is billed like one image."""


def count_text_tokens(text: str, tokenizer: Tokenizer = "chars") -> int:
    """The emulator's token count, for prompts and answers alike: ceil(len(text) / 4) by default."""
    if tokenizer == "dense":
        return len(_DENSE.findall(text))
    return -(-len(text) // CHARS_PER_TOKEN)


def split_tokens(text: str, tokenizer: Tokenizer = "chars") -> list[str]:
    """Cut text into tokens, so len(split_tokens(t)) == count_text_tokens(t) and "".join gives t back."""
    if tokenizer == "dense":
        return _DENSE.findall(text)
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


@dataclasses.dataclass(frozen=True)
class PromptStats:
    """What arrived in a request's messages, and what it costs in tokens."""

    tokens: int
    messages: int
    images: int
    files: int
    last_user_text: str
    system_text: str


def _file_tokens(data: str) -> int:
    if data.startswith(("http://", "https://")):
        return LINKED_FILE_TOKENS
    payload = data.split(",", 1)[1] if data.startswith("data:") and "," in data else data
    return -(-len(payload) // FILE_CHARS_PER_TOKEN)


def _part_text_and_tokens(part: Any, tokenizer: Tokenizer) -> tuple[str, int, int, int]:
    """(text, tokens, images, files) of one content part; unknown parts count as nothing."""
    if isinstance(part, str):
        return part, count_text_tokens(part, tokenizer), 0, 0
    if not isinstance(part, dict):
        return "", 0, 0, 0
    kind = part.get("type")
    if kind == "text":
        text = str(part.get("text") or "")
        return text, count_text_tokens(text, tokenizer), 0, 0
    if kind == "image_url":
        return "", IMAGE_TOKENS, 1, 0
    if kind == "file":
        file = part.get("file") or {}
        data = str(file.get("file_data") or file.get("file_url") or file.get("url") or "")
        return "", _file_tokens(data), 0, 1
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        return "", _file_tokens(str(audio.get("data") or "")), 0, 1
    return "", 0, 0, 0


def prompt_stats(messages: Sequence[Any], tokenizer: Tokenizer = "chars") -> PromptStats:
    """Count every message of the conversation (all roles) the way the emulator bills it."""
    tokens = images = files = 0
    last_user_text = ""
    system_parts: list[str] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        tokens += MESSAGE_OVERHEAD_TOKENS
        content = message.get("content")
        parts = content if isinstance(content, list) else [content] if isinstance(content, str) else []
        texts: list[str] = []
        for part in parts:
            text, part_tokens, part_images, part_files = _part_text_and_tokens(part, tokenizer)
            tokens += part_tokens
            images += part_images
            files += part_files
            if text:
                texts.append(text)
        role = message.get("role")
        if role == "user":
            last_user_text = " ".join(texts)
        elif role in ("system", "developer"):
            system_parts.extend(texts)
    return PromptStats(
        tokens=tokens,
        messages=sum(isinstance(m, dict) for m in messages),
        images=images,
        files=files,
        last_user_text=last_user_text,
        system_text="\n".join(system_parts),
    )
