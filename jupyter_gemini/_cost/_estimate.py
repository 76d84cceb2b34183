"""Token and cost estimates for when OpenRouter has not (yet) said, and the bound a budget needs.

Gemini's tokenizer is not available offline; about four characters per
token is the usual rule of thumb and what the emulator charges. That is an
estimate, shown with ≈. The budget check needs more: a number of prompt tokens
that the real count can never exceed (`prompt_token_bound`).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from ._usage import Usage

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


#: Tokens allowed per message for its role and turn framing (Gemini's chat template spends about 5
#: control tokens a turn); generous on purpose, since it costs a fraction of a cent.
MESSAGE_ALLOWANCE_TOKENS = 16
#: Tokens allowed per text part on top of its bytes: a SentencePiece tokenizer may put a word-boundary
#: marker ("▁") before the text, which can be a token covering no byte of it.
PART_ALLOWANCE_TOKENS = 1


def text_token_bound(text: str) -> int:
    """The most tokens `text` can be: its UTF-8 bytes (see `prompt_token_bound` for why)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if not text.isascii():
        # A tokenizer that NFKC-normalises first sees the normalised text, which can be longer
        # ("ﷺ" is 3 bytes, its NFKC form 33): bound the longer of the two.
        size = max(size, len(unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")))
    return size + PART_ALLOWANCE_TOKENS


def prompt_token_bound(messages: Iterable[Mapping[str, Any]], attachment_tokens: int = 0) -> int:
    """An upper bound on the prompt tokens any tokenizer of the Gemini kind bills for `messages`.

    Why it holds: Gemini's tokenizer (SentencePiece with byte fallback, like Gemma's) cuts the
    text into pieces that each cover at least one UTF-8 byte of it: a piece is a vocabulary
    string (one character or more, so one byte or more) or, for anything outside the vocabulary,
    a single byte. So a text never takes more tokens than it has bytes, whatever its script,
    symbols or emoji (ASCII code is one byte a character; CJK three; an emoji four). The only
    tokens that cover no byte of the text are the framing the model adds around it: control
    tokens for each turn and its role (`MESSAGE_ALLOWANCE_TOKENS` a message) and a word-boundary
    marker before a text (`PART_ALLOWANCE_TOKENS` a part). Images and files are not text: their
    tokens are `attachment_tokens`, as estimated when they were prepared (Gemini bills images by
    tile and PDFs by page), so this bound is only as good as that estimate for them.
    """
    total = attachment_tokens
    for message in messages:
        total += MESSAGE_ALLOWANCE_TOKENS
        content = message.get("content")
        if isinstance(content, str):
            total += text_token_bound(content)
            continue
        for part in content or ():
            if part.get("type") == "text":
                total += text_token_bound(str(part.get("text", "")))
    return total


def estimate_usage(prompt: int, answer: str, thinking: str = "") -> Usage:
    """Usage no server reported (≈): the answer and the thinking that arrived, both billed as output."""
    thought = text_tokens(thinking)
    return Usage(prompt_tokens=prompt, completion_tokens=text_tokens(answer) + thought, reasoning_tokens=thought)
