"""The one prompt builder: `%%gemini`, the chat panel, `map` rows and `ask()` all build prompts here.

`{name}` references are resolved against a namespace and each value becomes prompt text within
its token budget (`_values`); every other brace is sent as it is (`_interpolate`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from .._cost._estimate import DEFAULT_BUDGET_TOKENS
from ._interpolate import Renderer, interpolate
from ._values import value_to_text

__all__ = ["build_prompt", "renderer"]


def renderer(budget_tokens: int = DEFAULT_BUDGET_TOKENS) -> Renderer:
    """How one interpolated value reads in a prompt, within `budget_tokens`."""
    return functools.partial(value_to_text, budget_tokens=budget_tokens)


def build_prompt(text: str, namespace: Mapping[str, Any], *, budget_tokens: int = DEFAULT_BUDGET_TOKENS) -> str:
    """`text` with its `{name}` references filled in from `namespace`."""
    return interpolate(text, namespace, renderer(budget_tokens))
