"""What a question asks for: its options, and the system prompt each format needs."""

from __future__ import annotations

import dataclasses

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

    @property
    def uses_cache(self) -> bool:
        # Off by default: an answer sampled at temperature > 0 is one of many, and asking
        # again usually means wanting another. At temperature 0, asking again wastes money.
        return self.refresh or (self.cache if self.cache is not None else self.temperature == 0)

    def __post_init__(self) -> None:
        check_request_options(self.format, self.temperature, self.max_tokens, self.budget_tokens)
        if self.image_detail not in ("auto", "high"):
            raise OptionError(f"--image-detail must be auto or high, not {self.image_detail!r}, so nothing was sent.")


def check_request_options(
    format: str | None, temperature: float | None, max_tokens: int | None, budget_tokens: int
) -> None:
    """The checks a single question and a `map` share, so neither sends what the other refuses."""
    if format is not None and format not in FORMATS:
        raise OptionError(f"Unknown format {format!r}; use one of {', '.join(FORMATS)}. Nothing was sent.")
    if max_tokens is not None and max_tokens < 1:
        raise OptionError(f"--max-tokens must be at least 1, not {max_tokens}, so nothing was sent.")
    if temperature is not None and not 0 <= temperature <= 2:
        raise OptionError(f"--temperature must be between 0 and 2, not {temperature}, so nothing was sent.")
    if budget_tokens < 50:
        raise OptionError(f"--budget-tokens must be at least 50, not {budget_tokens}, so nothing was sent.")


#: Options are frozen, so one default instance serves every call.
DEFAULT_OPTIONS = AskOptions()


def system_prompt(options: AskOptions) -> str:
    return "\n\n".join([options.system or BASE_SYSTEM, FORMAT_SYSTEM[options.format]])
