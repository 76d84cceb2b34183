"""The settings a session reads on every request.

`GeminiMagics` provides them as traitlets (so `%config` and
`ipython_config.py` work); `DefaultSettings` serves the Python API outside
IPython. Both satisfy `Settings`.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Protocol

# The cheapest listed, non-preview Flash model with no announced retirement:
# a money-safe default that OpenRouter serves today.
DEFAULT_MODEL = "google/gemini-3.1-flash-lite"

OPENROUTER_URL = "https://openrouter.ai/api/v1"
BASE_URL_ENV = "OPENROUTER_BASE_URL"
BUDGET_ENV = "JUPYTER_GEMINI_BUDGET"
APP_URL = "https://github.com/jupyter-gemini/jupyter-gemini"
APP_TITLE = "jupyter-gemini"


def default_base_url() -> str:
    return os.environ.get(BASE_URL_ENV) or OPENROUTER_URL


def default_budget() -> float | None:
    """A session spending cap from the environment (USD), so a class can be capped before it starts."""
    value = os.environ.get(BUDGET_ENV, "").strip()
    if not value or value.lower() == "off":
        return None
    try:
        return float(value)
    except ValueError:
        return None


class Settings(Protocol):
    model: str
    base_url: str
    max_history: int
    stream: bool
    app_url: str
    app_title: str
    timeout: float
    max_retries: int
    retry_limit: float
    stall_timeout: float

    @property
    def budget(self) -> float | None:
        """Read-only here, so an int cap (`%config GeminiMagics.budget = 1`) fits too."""


@dataclasses.dataclass
class DefaultSettings:
    model: str = DEFAULT_MODEL
    base_url: str = dataclasses.field(default_factory=default_base_url)
    max_history: int = 10
    stream: bool = True
    app_url: str = APP_URL
    app_title: str = APP_TITLE
    timeout: float = 120.0
    max_retries: int = 2
    retry_limit: float = 60.0
    stall_timeout: float = 60.0
    budget: float | None = dataclasses.field(default_factory=default_budget)
