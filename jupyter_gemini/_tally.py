"""The session's running cost, exact to the last digit.

Costs are `Decimal`, never float, so the total equals the sum of every
`usage.cost` OpenRouter reported, however many calls there were.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal

from ._response import Usage


@dataclasses.dataclass
class ModelRow:
    model: str
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)
    #: The part of `cost` that is an estimate (no `usage.cost` was reported).
    estimated_cost: Decimal = Decimal(0)

    @property
    def estimated(self) -> bool:
        return self.estimated_cost != 0


@dataclasses.dataclass(frozen=True)
class Entry:
    """One request, for "the last N requests" views."""

    model: str
    usage: Usage
    cost: Decimal
    estimated: bool
    #: Wall-clock time the answer was counted (time.time()).
    at: float
    #: The first words of the question.
    prompt: str
    #: OpenRouter's id for the answer: how an estimate is later settled.
    generation_id: str | None = None


#: How many recent requests the tally remembers individually.
RECENT_ENTRIES = 200
_PROMPT_PREVIEW = 80


class CostTally:
    """Totals per model; listeners hear about every change (widgets, status bar)."""

    def __init__(self) -> None:
        self.rows: dict[str, ModelRow] = {}
        self.recent: deque[Entry] = deque(maxlen=RECENT_ENTRIES)
        #: Estimated entries that `settle` can still replace with the billed cost.
        self.pending: dict[str, Entry] = {}
        #: Answers served from the cache or a recording: what they would have cost again.
        self.saved = Decimal(0)
        self.cached_requests = 0
        # The chat panel records from a worker thread while a cell may record from the main one.
        self._lock = threading.RLock()
        self._listeners: list[Callable[[CostTally], None]] = []

    @property
    def total(self) -> Decimal:
        with self._lock:
            return sum((row.cost for row in self.rows.values()), Decimal(0))

    @property
    def estimated(self) -> bool:
        """True when any part of the total is an estimate (shown as ≈)."""
        return any(row.estimated for row in self.rows.values())

    @property
    def requests(self) -> int:
        return sum(row.requests for row in self.rows.values())

    @property
    def prompt_tokens(self) -> int:
        return sum(row.prompt_tokens for row in self.rows.values())

    @property
    def completion_tokens(self) -> int:
        return sum(row.completion_tokens for row in self.rows.values())

    def record(
        self,
        model: str,
        usage: Usage,
        cost: Decimal,
        *,
        estimated: bool = False,
        prompt: str = "",
        generation_id: str | None = None,
    ) -> None:
        preview = " ".join(prompt.split())
        if len(preview) > _PROMPT_PREVIEW:
            preview = preview[: _PROMPT_PREVIEW - 1] + "…"
        entry = Entry(model, usage, cost, estimated, time.time(), preview, generation_id)
        with self._lock:
            self.recent.append(entry)
            if estimated and generation_id:
                self.pending[generation_id] = entry
            row = self.rows.setdefault(model, ModelRow(model))
            row.requests += 1
            row.prompt_tokens += usage.prompt_tokens
            row.completion_tokens += usage.completion_tokens
            row.cost += cost
            if estimated:
                row.estimated_cost += cost
        self._notify()

    def record_saved(self, cost: Decimal) -> None:
        """An answer served for $0 that cost `cost` when it was paid for: savings, not spend."""
        with self._lock:
            self.saved += cost
            self.cached_requests += 1
        self._notify()

    def settle(self, generation_id: str, billed: Decimal) -> Decimal:
        """Replace an estimate with what OpenRouter billed; returns the change to the total."""
        with self._lock:
            entry = self.pending.pop(generation_id)
            row = self.rows[entry.model]
            row.cost += billed - entry.cost
            row.estimated_cost -= entry.cost
            settled = dataclasses.replace(entry, cost=billed, estimated=False)
            for index, recent in enumerate(self.recent):
                if recent is entry:
                    self.recent[index] = settled
        self._notify()
        return billed - entry.cost

    def reset(self) -> None:
        with self._lock:
            self.rows.clear()
            self.recent.clear()
            self.pending.clear()
            self.saved, self.cached_requests = Decimal(0), 0
        self._notify()

    def subscribe(self, listener: Callable[[CostTally], None]) -> Callable[[], None]:
        """Call `listener` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def to_json(self) -> dict[str, object]:
        return {
            "total": str(self.total),
            "estimated": self.estimated,
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "saved": str(self.saved),
            "cached_requests": self.cached_requests,
            "models": [
                {
                    "model": row.model,
                    "requests": row.requests,
                    "prompt_tokens": row.prompt_tokens,
                    "completion_tokens": row.completion_tokens,
                    "cost": str(row.cost),
                    "estimated_cost": str(row.estimated_cost),
                }
                for row in self.rows.values()
            ],
        }

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self)
