"""One answer, from its first byte to the ledger, the cache and the display.

The exchange creates nothing of its own: it fills the `Answer` it is given (the stream appends
to it, the wire's events and bodies fill in who answered, why it stopped and what it cost),
the settle path prices it, the cache and recordings store it, and the displayed `Response`
is the same object (a subclass that adds how it is shown). No field is copied from one
record to another on the way.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from .._cost._usage import Usage
from .._keys import redact
from ..errors import GeminiError

__all__ = ["Answer"]

A = TypeVar("A", bound="Answer")


class _Buffer:
    """Text that arrives in thousands of deltas, joined lazily (only when read).

    So a long answer, or a long thinking, costs linear time, not quadratic.
    """

    __slots__ = ("_joined", "_parts", "_text")

    def __init__(self, text: str = "") -> None:
        self._parts: list[str] = []
        self._text = text
        self._joined = 0

    def append(self, delta: str) -> None:
        self._parts.append(delta)

    @property
    def value(self) -> str:
        if self._joined != len(self._parts):
            self._text += "".join(self._parts[self._joined :])
            self._joined = len(self._parts)
        return self._text


@dataclasses.dataclass(eq=False)
class Answer:
    """The text as it streams in, then who answered, why it stopped and what it cost."""

    model: str
    usage: Usage = dataclasses.field(default_factory=Usage)
    #: OpenRouter reported the usage (else it is an estimate from the text, or nothing is known).
    usage_reported: bool = False
    #: In USD: OpenRouter's `usage.cost` once reported; until then, and if it never is, a list-price estimate.
    cost: Decimal = Decimal(0)
    cost_estimated: bool = True
    generation_id: str | None = None
    provider: str | None = None
    finish_reason: str | None = None
    #: The service tier that served it, as the answer says (`flex`, `priority`).
    service_tier: str | None = None
    #: The provider's error, when the answer carried one (`choices[0].error`, an error chunk).
    error: str | None = None
    #: Why the answer stopped before its end (an error, the user's Stop); None when it came to its end.
    failure: GeminiError | None = dataclasses.field(default=None, repr=False)
    #: What the provider's implicit cache saved on this prompt (`cached_tokens` at the cache-read price).
    cache_saved: Decimal = Decimal(0)
    #: Thinking arrived as hidden (encrypted) details, not text: how many, for a live count.
    hidden_thinking: int = dataclasses.field(default=0, repr=False)
    #: When thinking began and ended (time.monotonic()), for "thought for 4.2 s"; it ends when the
    #: answer's first word arrives, or when the stream does. None: not streamed, so not known.
    thinking_started: float | None = dataclasses.field(default=None, repr=False)
    thinking_ended: float | None = dataclasses.field(default=None, repr=False)
    _body: _Buffer = dataclasses.field(default_factory=_Buffer, init=False, repr=False)
    _thoughts: _Buffer = dataclasses.field(default_factory=_Buffer, init=False, repr=False)

    @property
    def text(self) -> str:
        """The text received so far (the whole answer once it ended); never the thinking."""
        return self._body.value

    @text.setter
    def text(self, value: str) -> None:
        self._body = _Buffer(value)

    def append(self, delta: str) -> None:
        """One streamed delta of the answer ("" when only thinking arrived: nothing to keep)."""
        if delta:
            self.end_thinking()
            self._body.append(delta)

    @property
    def thinking(self) -> str:
        """What the model thought before answering, where it says (`reasoning`); kept apart from the text."""
        return self._thoughts.value

    @thinking.setter
    def thinking(self, value: str) -> None:
        self._thoughts = _Buffer(value)

    def think(self, delta: str = "", *, hidden: int = 0) -> None:
        """One streamed piece of thinking: text, or `hidden` encrypted details that carry none."""
        if self.thinking_started is None:
            self.thinking_started = time.monotonic()
        self._thoughts.append(delta)
        self.hidden_thinking += hidden

    def end_thinking(self) -> None:
        """The thinking is over (the answer began, or the stream ended): its duration stops growing."""
        if self.thinking_started is not None and self.thinking_ended is None:
            self.thinking_ended = time.monotonic()

    @property
    def thinking_seconds(self) -> float | None:
        """How long it thought, when it streamed: from the first thought to the first word (or until now)."""
        if self.thinking_started is None:
            return None
        return (self.thinking_ended or time.monotonic()) - self.thinking_started

    def report_usage(self, usage: Usage, cost: Decimal | None) -> None:
        """What OpenRouter reported; a missing `usage.cost` leaves the cost to be estimated."""
        self.usage, self.usage_reported = usage, True
        if cost is not None:
            self.cost, self.cost_estimated = cost, False

    def to_json(self) -> dict[str, Any]:
        """What the cache and recordings keep: the one writer of both, so no key reaches a file."""
        return {
            "text": redact(self.text),
            "model": self.model,
            "usage": dataclasses.asdict(self.usage),
            "cost": str(self.cost),
            "cost_estimated": self.cost_estimated,
            "generation_id": self.generation_id,
            "provider": self.provider,
            "finish_reason": self.finish_reason,
        }

    @classmethod
    def from_json(cls: type[A], data: Mapping[str, Any]) -> A:
        """A stored answer (of this class: the session reads them as Responses)."""
        answer = cls(
            model=str(data["model"]),
            usage=Usage(**{k: int(v) for k, v in dict(data.get("usage") or {}).items()}),
            usage_reported=True,
            cost=Decimal(str(data.get("cost", "0"))),
            # Written before this field existed: a stored answer's cost was the reported one.
            cost_estimated=bool(data.get("cost_estimated", False)),
            generation_id=data.get("generation_id"),
            provider=data.get("provider"),
            finish_reason=data.get("finish_reason"),
        )
        answer.text = str(data["text"])
        return answer
