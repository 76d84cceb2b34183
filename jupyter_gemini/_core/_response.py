"""An answer as the notebook shows it: the one answer record, plus its place in the session."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, Literal

from .._cost._usage import Usage
from .._store._paid import Source
from .._transport._answer import Answer
from ._settings import FORMATS, Format

__all__ = ["FORMATS", "Format", "Response", "Source", "Status", "Usage"]

Status = Literal["streaming", "complete", "partial", "error", "cached"]


@dataclasses.dataclass(eq=False, repr=False)
class Response(Answer):
    """One answer, the same object that streamed in; displays itself, so `ask(...)` renders as a cell result.

    `text`, `model`, `usage`, `cost` (≈ when `cost_estimated`), `generation_id`, `provider`
    and `finish_reason` are the answer's own (see `_transport._answer.Answer`).
    """

    format: Format = "markdown"
    status: Status = "streaming"
    #: The session total after this answer was counted.
    session_total: Decimal = Decimal(0)
    session_total_estimated: bool = False
    #: A one-line explanation when status is "partial" or "error".
    problem: str = ""
    source: Source = "live"
    #: For a cached answer: what it cost when it was paid for (this time it cost $0).
    saved: Decimal = Decimal(0)
    #: What went with the question: "1 image (1,536x1,152 JPEG, 210 KB, ≈94% of the prompt)".
    attachments: str = ""
    #: With a schema (`schema=`, `--schema`): the answer validated into that type; None when it did not fit.
    parsed: Any = None

    @property
    def from_emulator(self) -> bool:
        return bool(self.provider and "emulator" in self.provider)

    @property
    def partial(self) -> bool:
        return self.status in ("partial", "error")

    @property
    def code(self) -> str:
        """The first fenced code block's body (the whole text if there is none)."""
        from .._display._bundles import extract_code

        return extract_code(self.text)

    def json(self) -> Any:
        """The answer parsed as JSON (for `-f json`)."""
        from .._display._bundles import parse_json_answer

        return parse_json_answer(self.text)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        from .._display._bundles import response_bundle

        return response_bundle(self)

    def __repr__(self) -> str:
        return (
            f"Response(model={self.model!r}, status={self.status!r}, cost={self.cost}, "
            f"usage={self.usage.prompt_tokens}+{self.usage.completion_tokens} tokens, "
            f"text={self.text[:60]!r}{'...' if len(self.text) > 60 else ''})"
        )
