"""What one answer was: its text, usage and cost, renderable on its own."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, Literal

from .._cost._usage import Usage
from ._settings import FORMATS, Format

__all__ = ["FORMATS", "Format", "Response", "Source", "Status", "Usage"]

Status = Literal["streaming", "complete", "partial", "error", "cached"]
#: Where a cached answer came from: the local cache, or a recording being replayed.
Source = Literal["live", "cache", "recording"]


@dataclasses.dataclass
class Response:
    """One answer. Displays itself, so `jupyter_gemini.ask(...)` renders as a cell result."""

    text: str
    model: str
    usage: Usage
    #: This answer's cost in USD; OpenRouter's `usage.cost`, or a list-price estimate.
    cost: Decimal
    cost_estimated: bool = False
    generation_id: str | None = None
    provider: str | None = None
    finish_reason: str | None = None
    format: Format = "markdown"
    status: Status = "complete"
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
