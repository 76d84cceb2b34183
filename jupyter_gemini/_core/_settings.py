"""The settings a session reads on every request.

`GeminiMagics` provides them as traitlets (so `%config` and
`ipython_config.py` work); `GeminiSettings` serves the Python API outside
IPython. Both satisfy `Settings`, and both check every value when it is set
with `check_setting`, the one definition of what each setting allows: a bad
value is refused at once with one sentence, not at the next question.
"""

from __future__ import annotations

import contextlib
import math
import os
import urllib.parse
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from traitlets import Bool, Float, Int, TraitError, Unicode, default
from traitlets.config import Configurable

from .._cost._defaults import DEFAULT_MODEL, EFFORTS, TIERS
from ..errors import SettingError

#: How an answer is shown (`-f`): defined with the settings so `%load_ext` needs nothing heavier.
Format = Literal["markdown", "code", "text", "json"]
FORMATS: tuple[Format, ...] = ("markdown", "code", "text", "json")

# The cheapest listed, non-preview Flash model with no announced retirement:
# a money-safe default that OpenRouter serves today.

OPENROUTER_URL = "https://openrouter.ai/api/v1"
BASE_URL_ENV = "OPENROUTER_BASE_URL"
BUDGET_ENV = "JUPYTER_GEMINI_BUDGET"
APP_URL = "https://github.com/jupyter-gemini/jupyter-gemini"
APP_TITLE = "jupyter-gemini"


def default_base_url() -> str:
    return os.environ.get(BASE_URL_ENV) or OPENROUTER_URL


#: The largest cap accepted: far above any session's spend, and so any typo above it is caught.
MAX_BUDGET_USD = Decimal(1_000_000)
#: The longest `timeout`, `stall_timeout` or `retry_limit`: a day.
MAX_SECONDS = 86_400.0
#: The shortest `stall_timeout`: below it a stream counts as stalled between ordinary chunks.
MIN_STALL_SECONDS = 0.1
MAX_RETRIES = 10


def parse_budget(text: str) -> Decimal:
    """A cap typed as text ("0.50", "$2"); ValueError when it is not a number."""
    try:
        return Decimal(text.strip().removeprefix("$"))
    except InvalidOperation:
        raise ValueError(text) from None


def default_budget() -> float | None:
    """A session spending cap from the environment (USD), so a class can be capped before it starts.

    An unparsable value raises SettingError rather than meaning "no cap": the person who set
    it expected a cap, so nothing is sent until it is fixed.
    """
    value = os.environ.get(BUDGET_ENV, "").strip()
    if not value or value.lower() == "off":
        return None
    problem = f"{BUDGET_ENV}={value} is not an amount of USD from 0 to {MAX_BUDGET_USD:,}, so nothing was sent."
    hint = f"Set it to a number with a dot, like {BUDGET_ENV}=0.50 (or off), or run %gemini budget 0.50."
    try:
        amount = parse_budget(value)
    except ValueError:
        raise SettingError(problem, hint=hint) from None
    if not _is_budget(amount):
        raise SettingError(problem, hint=hint)
    return float(amount)


def _is_budget(amount: Decimal) -> bool:
    return amount.is_finite() and 0 <= amount <= MAX_BUDGET_USD


def _number(value: Any) -> float:
    """A real number (not a bool, not NaN or infinite), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(value)
    if not math.isfinite(value):
        raise ValueError(value)
    return float(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    return value


def _between(low: float, high: float, *, low_open: bool = False) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        number = _number(value)
        if number < low or (low_open and number == low) or number > high:
            raise ValueError(value)
        return number

    return check


def _count(high: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        number = _integer(value)
        if number < 0 or (high is not None and number > high):
            raise ValueError(value)
        return number

    return check


def _model_id(value: Any) -> str:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise ValueError(value)
    return value


def _http_url(value: Any) -> str:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        raise ValueError(value)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(value)
    return value


def _header_text(value: Any) -> str:
    """Sent as an HTTP header: a line break there would break every request."""
    if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
        raise ValueError(value)
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(value)
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    """One of `choices`, or None ("" too) for the default."""

    def check(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if value not in choices:
            raise ValueError(value)
        return str(value)

    return check


def _budget(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(value)
    amount = (
        value if isinstance(value, Decimal) else Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    )
    if not _is_budget(amount):
        raise ValueError(value)
    return float(amount)


#: Each setting's check (the value to store, or ValueError) and what it allows, for the refusal.
RULES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "model": (_model_id, "an OpenRouter model id without spaces, like google/gemini-3.1-flash-lite"),
    "base_url": (_http_url, "an http:// or https:// URL, like https://openrouter.ai/api/v1"),
    "max_history": (_count(), "a whole number of exchanges, 0 or more"),
    "stream": (_flag, "True or False"),
    "app_url": (_http_url, "an http:// or https:// URL"),
    "app_title": (_header_text, "text on one line"),
    "timeout": (_between(0, MAX_SECONDS, low_open=True), f"a number of seconds above 0, at most {MAX_SECONDS:,.0f}"),
    "max_retries": (_count(MAX_RETRIES), f"a whole number from 0 to {MAX_RETRIES}"),
    "retry_limit": (_between(0, MAX_SECONDS), f"a number of seconds from 0 to {MAX_SECONDS:,.0f}"),
    "stall_timeout": (
        _between(MIN_STALL_SECONDS, MAX_SECONDS),
        f"a number of seconds from {MIN_STALL_SECONDS} to {MAX_SECONDS:,.0f}",
    ),
    "budget": (_budget, f"an amount of USD from 0 to {MAX_BUDGET_USD:,} (or None for no cap)"),
    "reasoning": (_one_of(EFFORTS), f"one of {', '.join(EFFORTS)} (or None: the model's own default)"),
    "tier": (_one_of(TIERS), f"one of {', '.join(TIERS)} (or None: the standard tier)"),
}


def check_setting(name: str, value: Any, owner: str = "GeminiMagics") -> Any:
    """`value` as `name` stores it, or SettingError: one sentence naming the setting and its range."""
    check, allowed = RULES[name]
    try:
        return check(value)
    except (ValueError, TypeError, ArithmeticError):
        raise SettingError(f"{owner}.{name} must be {allowed}, not {value!r}; it keeps its previous value.") from None


class InvalidSettingError(SettingError, TraitError):
    """A refused setting: one sentence in a cell (`_render_traceback_`) and in `%config`'s log line."""


class _Checked:
    """A trait that checks each value with `check_setting` as it is assigned.

    Not `@validate`: traitlets runs those only at the end of a `%config`/`update_config`,
    and rolling back a never-read trait then stores its static default, so a refused
    `%config GeminiMagics.budget = -1` would silently drop the cap from $JUPYTER_GEMINI_BUDGET.
    Checked here, the value is refused before anything is stored, and the old value stays.
    """

    name: str | None

    def validate(self, obj: Any, value: Any) -> Any:
        with contextlib.suppress(TraitError):  # not even the right type: check_setting says so in the user's terms
            value = super().validate(obj, value)  # type: ignore[misc]
        try:
            return check_setting(str(self.name), value, type(obj).__name__)
        except SettingError as error:
            raise InvalidSettingError(error.message, hint=error.hint) from None


class _Float(_Checked, Float[Any, Any]):
    pass


class _Int(_Checked, Int[Any, Any]):
    pass


class _Unicode(_Checked, Unicode[Any, Any]):
    pass


class _Bool(_Checked, Bool[Any, Any]):
    pass


class GeminiSettings(Configurable):
    """Every setting a session reads, defined once.

    `GeminiMagics` is one, and `ask()`/`map()` outside IPython use a plain instance. Each value is
    checked as it is set (rules in `RULES`).
    """

    model = _Unicode(DEFAULT_MODEL, help="OpenRouter model id used when -m is not given.").tag(config=True)
    base_url = _Unicode(
        help="OpenRouter API base URL. Defaults to $OPENROUTER_BASE_URL, else https://openrouter.ai/api/v1."
    ).tag(config=True)
    max_history = _Int(10, help="How many earlier exchanges each question carries (0: none).").tag(config=True)
    stream = _Bool(True, help="Stream answers as they are written.").tag(config=True)
    app_url = _Unicode(APP_URL, help="Sent as HTTP-Referer for OpenRouter's app attribution.").tag(config=True)
    app_title = _Unicode(APP_TITLE, help="Sent as X-Title / X-OpenRouter-Title.").tag(config=True)
    timeout = _Float(120.0, help="Seconds to wait for OpenRouter before giving up (above 0).").tag(config=True)
    max_retries = _Int(2, help="Retries for rate limits and server errors before the first token (0-10).").tag(
        config=True
    )
    retry_limit = _Float(60.0, help="Most seconds spent waiting between retries of one request.").tag(config=True)
    stall_timeout = _Float(
        60.0, help="Seconds with no data (keep-alives aside) before a streaming answer counts as stalled (>= 0.1)."
    ).tag(config=True)
    budget = _Float(
        default_value=None,
        allow_none=True,
        help="Session spending cap in USD (None: no cap). Defaults to $JUPYTER_GEMINI_BUDGET. See %gemini budget.",
    ).tag(config=True)

    reasoning = _Unicode(
        default_value=None,
        allow_none=True,
        help="How hard thinking models think when --reasoning is not given: none, minimal, low, medium or high "
        "(None: each model's default). Thinking is billed as output.",
    ).tag(config=True)

    tier = _Unicode(
        default_value=None,
        allow_none=True,
        help="Google's service tier when --tier is not given: flex (cheaper, slower) or priority (None: standard).",
    ).tag(config=True)

    @default("base_url")
    def _default_base_url(self) -> str:
        return default_base_url()

    @default("budget")
    def _default_budget(self) -> float | None:
        # Raises SettingError while $JUPYTER_GEMINI_BUDGET is unparsable, so every read of the cap
        # (asking, mapping, %gemini budget) refuses until it is fixed or a cap is set explicitly.
        return default_budget()
