"""What the exchange streams into and reports to: the text so far, and the view that shows it.

The view is a Protocol so the wire layer never imports the display layer above it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .._core._response import Response

__all__ = ["AnswerView", "Transcript"]


class Transcript:
    """The text received so far; joined lazily, only when someone looks."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._text = ""
        self._joined = 0

    def append(self, delta: str) -> None:
        self._parts.append(delta)

    @property
    def text(self) -> str:
        if self._joined != len(self._parts):
            self._text += "".join(self._parts[self._joined :])
            self._joined = len(self._parts)
        return self._text

    def __bool__(self) -> bool:
        return any(self._parts)


class AnswerView(Protocol):
    def status(self, text: str) -> None:
        """A line about the wait before the answer (a retry countdown)."""

    def clear(self) -> None:
        """Remove the status line: the request failed before any text arrived."""

    def start(self, transcript: Transcript, model: str) -> None: ...
    def tick(self) -> None: ...
    def finish(self, response: Response) -> None: ...
