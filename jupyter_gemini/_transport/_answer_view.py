"""What the exchange reports to while an answer arrives: the view that shows it.

A Protocol, so the wire layer never imports the display layer above it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ._answer import Answer

if TYPE_CHECKING:
    from .._core._response import Response

__all__ = ["AnswerView"]


class AnswerView(Protocol):
    def status(self, text: str) -> None:
        """A line about the wait before the answer (a retry countdown)."""

    def clear(self) -> None:
        """Remove the status line: the request failed before any text arrived."""

    def start(self, answer: Answer) -> None:
        """The answer began: show `answer.text` as it grows."""

    def tick(self) -> None:
        """More text arrived."""

    def finish(self, response: Response) -> None:
        """The answer ended, settled and priced."""
