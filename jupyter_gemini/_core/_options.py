"""What a question asks for: its options, and the system prompt each format needs."""

from __future__ import annotations

import dataclasses
from typing import Any

from .._cost._catalog import ModelInfo
from .._cost._defaults import EFFORTS, TIERS
from .._cost._estimate import DEFAULT_BUDGET_TOKENS
from ..errors import OptionError
from ._response import FORMATS, Format

BASE_SYSTEM = "You are a helpful assistant inside a Jupyter notebook, talking to a data scientist."
FORMAT_SYSTEM: dict[Format, str] = {
    "markdown": "Answer in GitHub-flavoured Markdown. Be concise.",
    "text": "Answer in plain text, without Markdown.",
    "code": (
        "Reply with a single fenced code block of Python code that runs in the notebook, and nothing else. "
        "Put any explanation in comments."
    ),
    "json": "Reply with a single valid JSON object and nothing else.",
}


@dataclasses.dataclass(frozen=True)
class AskOptions:
    model: str | None = None
    format: Format = "markdown"
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    #: Start a fresh conversation before this question.
    new: bool = False
    #: None follows the `stream` setting.
    stream: bool | None = None
    #: Use the answer cache: None means only for temperature 0 (a deterministic answer).
    cache: bool | None = None
    #: Ask again and replace the cached answer.
    refresh: bool = False
    #: `--image` sources: "last", "Out[3]", a variable, a path or a URL.
    images: tuple[str, ...] = ()
    image_detail: str = "auto"
    #: `--file` paths: PDFs are attached, text is inlined within `budget_tokens`.
    files: tuple[str, ...] = ()
    #: Token budget for each DataFrame, value or text file put into the prompt.
    budget_tokens: int = DEFAULT_BUDGET_TOKENS
    #: Offer the answer's code as a new cell below (`%gemini fix`); `-f code` always does.
    code_to_next_cell: bool = False
    #: How hard a thinking model thinks (`--reasoning`); None follows the `reasoning` setting.
    reasoning: str | None = None
    #: A thinking budget in tokens (`--reasoning-tokens`), for models that take one.
    reasoning_tokens: int | None = None
    #: Google's service tier (`--tier flex|priority`); None follows the `tier` setting.
    tier: str | None = None
    #: Structured output (`schema=`, `--schema`): a `_schema.Schema`; the answer is validated into `.parsed`.
    schema: Any = None

    @property
    def uses_cache(self) -> bool:
        # Off by default: an answer sampled at temperature > 0 is one of many, and asking
        # again usually means wanting another. At temperature 0, asking again wastes money.
        return self.refresh or (self.cache if self.cache is not None else self.temperature == 0)

    def __post_init__(self) -> None:
        check_request_options(
            self.format, self.temperature, self.max_tokens, self.budget_tokens, self.reasoning, self.reasoning_tokens
        )
        check_tier(self.tier)
        if self.image_detail not in ("auto", "high"):
            raise OptionError(f"--image-detail must be auto or high, not {self.image_detail!r}, so nothing was sent.")


def check_request_options(
    format: str | None,
    temperature: float | None,
    max_tokens: int | None,
    budget_tokens: int,
    reasoning: str | None = None,
    reasoning_tokens: int | None = None,
) -> None:
    """The checks a single question and a `map` share, so neither sends what the other refuses."""
    check_reasoning_options(reasoning, reasoning_tokens)
    if format is not None and format not in FORMATS:
        raise OptionError(f"Unknown format {format!r}; use one of {', '.join(FORMATS)}. Nothing was sent.")
    if max_tokens is not None and max_tokens < 1:
        raise OptionError(f"--max-tokens must be at least 1, not {max_tokens}, so nothing was sent.")
    if temperature is not None and not 0 <= temperature <= 2:
        raise OptionError(f"--temperature must be between 0 and 2, not {temperature}, so nothing was sent.")
    if budget_tokens < 50:
        raise OptionError(f"--budget-tokens must be at least 50, not {budget_tokens}, so nothing was sent.")


def check_tier(tier: str | None) -> None:
    if tier is not None and tier not in TIERS:
        raise OptionError(f"--tier {tier} is not a tier; use {' or '.join(TIERS)}. Nothing was sent.")


def check_reasoning_options(reasoning: str | None, reasoning_tokens: int | None) -> None:
    """What thinking can be asked for at all (the model's own limits are checked with its catalog entry)."""
    if reasoning is not None and reasoning not in EFFORTS:
        raise OptionError(
            f"--reasoning {reasoning} is not an effort; use one of {', '.join(EFFORTS)}. Nothing was sent."
        )
    if reasoning_tokens is not None and (isinstance(reasoning_tokens, bool) or reasoning_tokens < 0):
        raise OptionError(
            f"--reasoning-tokens must be a number of tokens, 0 or more, not {reasoning_tokens}, so nothing was sent."
        )
    if reasoning is not None and reasoning_tokens is not None:
        raise OptionError(
            "--reasoning and --reasoning-tokens both set how long the model thinks; give one, so nothing was sent."
        )


def reasoning_field(
    info: ModelInfo | None, model: str, effort: str | None, tokens: int | None, setting: str | None
) -> dict[str, Any] | None:
    """The request's `reasoning`: the question's choice, else the `reasoning` setting, checked against the model."""
    flag = ""
    if effort is None and tokens is None and setting is not None:
        effort, flag = setting, f"GeminiMagics.reasoning = {setting!r}"
    if info is not None:
        return info.reasoning_field(effort, tokens, flag=flag)
    if effort is not None:  # a model the catalog does not know: sent as asked, OpenRouter judges it
        return {"effort": effort}
    return {"max_tokens": tokens} if tokens is not None else None


#: Options are frozen, so one default instance serves every call.
DEFAULT_OPTIONS = AskOptions()


def system_prompt(options: AskOptions) -> str:
    return "\n\n".join([options.system or BASE_SYSTEM, FORMAT_SYSTEM[options.format]])
