"""The running conversation that later `%%gemini` cells continue."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from .._keys import redact


@dataclasses.dataclass(frozen=True)
class Turn:
    question: str
    answer: str
    model: str
    #: The answer stopped early (error or interrupt); the model sees it as it was.
    partial: bool = False


class Conversation:
    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def add(self, turn: Turn) -> None:
        """Kept masked: the history is shown (`%gemini history`) and sent back with later questions."""
        self.turns.append(dataclasses.replace(turn, question=redact(turn.question), answer=redact(turn.answer)))

    def clear(self) -> None:
        self.turns.clear()

    def messages(self, max_turns: int) -> list[dict[str, Any]]:
        """The last `max_turns` exchanges as chat messages; older ones are not sent (or paid for)."""
        recent = self.turns[-max_turns:] if max_turns > 0 else []
        messages: list[dict[str, Any]] = []
        for turn in recent:
            messages.append({"role": "user", "content": turn.question})
            messages.append({"role": "assistant", "content": turn.answer})
        return messages

    def __iter__(self) -> Iterator[Turn]:
        return iter(self.turns)

    def __len__(self) -> int:
        return len(self.turns)
