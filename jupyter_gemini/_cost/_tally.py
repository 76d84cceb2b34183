"""The kernel's ledger of spend, exact to the last digit.

Costs are `Decimal`, never float, so the total equals the sum of every
`usage.cost` OpenRouter reported, however many calls there were.

A request enters the ledger the moment it is sent (`CostTally.open`), as an
estimate (≈) with an upper bound of what it can be billed; what OpenRouter
reports settles it. One that never reports (an interrupt, a dropped stream,
a malformed body, a cancelled row) stays an estimate, with its generation id
when one is known so `%gemini cost --reconcile` can settle it later. The
total shows ≈ while any entry is an estimate, and the budget check uses
`upper_bound`, which counts each unsettled entry at its worst.

The ledger belongs to the kernel process (`process_tally`), not to one load
of the extension: `%reload_ext` does not start the spend, or a class's cap,
from $0 again.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal

from ._money import format_out_tokens, format_usd
from ._usage import Usage


@dataclasses.dataclass
class ModelRow:
    model: str
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: The part of `completion_tokens` the model spent thinking.
    reasoning_tokens: int = 0
    cost: Decimal = Decimal(0)
    #: The part of `cost` that is an estimate (no `usage.cost` was reported).
    estimated_cost: Decimal = Decimal(0)
    #: What the estimated entries could cost beyond their estimates, at their worst.
    margin: Decimal = Decimal(0)
    #: How many entries are estimates (an estimate can be $0: a free or unpriced model).
    estimates: int = 0

    @property
    def estimated(self) -> bool:
        return self.estimates > 0


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
    #: The most this request can be billed (its worst case); None when unknown (no prices).
    bound: Decimal | None = None

    @property
    def margin(self) -> Decimal:
        """How much more than `cost` this entry could still turn out to be billed."""
        if not self.estimated or self.bound is None:
            return Decimal(0)
        return max(self.bound - self.cost, Decimal(0))


class Charge:
    """One request's place in the ledger, from the moment it is sent until it is settled.

    Created by `CostTally.open`; the sender calls `identify` when the generation id is
    known, `settle` with what was reported (or estimated), or `cancel` when the server
    refused it before generating (an HTTP error: nothing is billed). Never settled, it
    stays in the total as an estimate (≈).
    """

    def __init__(self, tally: CostTally, entry: Entry, epoch: int) -> None:
        self._tally = tally
        self.entry: Entry | None = entry
        #: Which ledger it was opened in: a `reset` since then means it no longer counts.
        self.epoch = epoch

    def identify(self, generation_id: str | None) -> None:
        self._tally._close(self, generation_id=generation_id)

    def settle(
        self, model: str, usage: Usage, cost: Decimal, *, estimated: bool, generation_id: str | None = None
    ) -> None:
        if self.entry is None:
            return
        settled = dataclasses.replace(
            self.entry,
            model=model,
            usage=usage,
            cost=cost,
            estimated=estimated,
            generation_id=generation_id or self.entry.generation_id,
            bound=self.entry.bound if estimated else cost,
        )
        self._tally._close(self, settled=settled)

    def cancel(self) -> None:
        """Nothing was billed (the server answered with an error before generating)."""
        self._tally._close(self, cancelled=True)


#: How many recent requests the tally remembers individually.
RECENT_ENTRIES = 200
_PROMPT_PREVIEW = 80


class CostTally:
    """Totals per model; listeners hear about every change (widgets, status bar).

    Settled entries are summed into `rows` once; requests still open (sent, no usage yet)
    are kept apart and added on read, so cancelling one leaves the sums exactly as they
    were (Decimal sums keep their digits: adding and taking away would not).
    """

    def __init__(self) -> None:
        self._settled: dict[str, ModelRow] = {}
        #: Requests sent and not settled: counted at their estimate, marked ≈.
        self._open: dict[Charge, Entry] = {}
        self.recent: deque[Entry] = deque(maxlen=RECENT_ENTRIES)
        #: Estimated settled entries that `settle` can still replace with the billed cost.
        self._pending: dict[str, Entry] = {}
        #: Answers served from the cache or a recording: what they would have cost again.
        self.saved = Decimal(0)
        self.cached_requests = 0
        # Batches open and settle from worker threads, the chat panel from its own.
        self._lock = threading.RLock()
        self._listeners: list[Callable[[CostTally], None]] = []
        self._epoch = 0

    @property
    def rows(self) -> dict[str, ModelRow]:
        """Per model, open requests included."""
        with self._lock:
            if not self._open:
                return dict(self._settled)
            rows = {model: dataclasses.replace(row) for model, row in self._settled.items()}
            for entry in self._open.values():
                row = rows.setdefault(entry.model, ModelRow(entry.model))
                _add(row, entry)
            return rows

    @property
    def pending(self) -> dict[str, Entry]:
        """Estimates with a generation id: what `--reconcile` can look up."""
        with self._lock:
            opened = {e.generation_id: e for e in self._open.values() if e.generation_id}
            return {**self._pending, **opened}

    @property
    def total(self) -> Decimal:
        return sum((row.cost for row in self.rows.values()), Decimal(0))

    @property
    def estimated(self) -> bool:
        """True when any part of the total is an estimate (shown as ≈)."""
        return any(row.estimated for row in self.rows.values())

    @property
    def upper_bound(self) -> Decimal:
        """The most the spend can turn out to be: every estimate at its worst (what a budget checks)."""
        return sum((row.cost + row.margin for row in self.rows.values()), Decimal(0))

    @property
    def unsettled(self) -> int:
        """Entries still estimated (≈), with or without a generation id to settle them by."""
        return sum(row.estimates for row in self.rows.values())

    @property
    def requests(self) -> int:
        return sum(row.requests for row in self.rows.values())

    @property
    def prompt_tokens(self) -> int:
        return sum(row.prompt_tokens for row in self.rows.values())

    @property
    def completion_tokens(self) -> int:
        return sum(row.completion_tokens for row in self.rows.values())

    @property
    def reasoning_tokens(self) -> int:
        """The part of `completion_tokens` spent thinking."""
        return sum(row.reasoning_tokens for row in self.rows.values())

    def open(
        self, model: str, *, prompt: str = "", estimate: Decimal, bound: Decimal | None, prompt_tokens: int = 0
    ) -> Charge:
        """Enter a request the moment it is sent: an estimate (≈) until it is settled."""
        entry = Entry(
            model, Usage(prompt_tokens=prompt_tokens), estimate, True, time.time(), _preview(prompt), None, bound
        )
        with self._lock:
            charge = Charge(self, entry, self._epoch)
            self._open[charge] = entry
            self.recent.append(entry)
        self._notify()
        return charge

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
        """Enter a request that is already answered (open and settle in one step)."""
        entry = Entry(model, usage, cost, estimated, time.time(), _preview(prompt), generation_id, cost)
        with self._lock:
            self._add_settled(entry)
            self.recent.append(entry)
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
            charge = next((c for c, e in self._open.items() if e.generation_id == generation_id), None)
            if charge is not None and charge.entry is not None:
                before = charge.entry.cost
                exact = dataclasses.replace(charge.entry, cost=billed, estimated=False, bound=billed)
                self._close(charge, settled=exact)
                return billed - before
            entry = self._pending.get(generation_id)
            if entry is None:  # settled meanwhile, or the ledger was reset
                return Decimal(0)
            exact = dataclasses.replace(entry, cost=billed, estimated=False, bound=billed)
            self._pending.pop(generation_id)
            row = self._settled[entry.model]
            row.cost += billed - entry.cost
            row.estimated_cost -= entry.cost
            row.margin -= entry.margin
            row.estimates -= 1
            self._replace_recent(entry, exact)
        self._notify()
        return billed - entry.cost

    def _close(
        self,
        charge: Charge,
        *,
        settled: Entry | None = None,
        cancelled: bool = False,
        generation_id: str | None = None,
    ) -> None:
        """A Charge is settled, cancelled, or learns its generation id."""
        with self._lock:
            entry = self._open.get(charge)
            if entry is None or charge.epoch != self._epoch:
                charge.entry = None
                return
            if settled is not None or cancelled:
                del self._open[charge]
                charge.entry = None
                if settled is not None:
                    self._add_settled(settled)
                self._replace_recent(entry, settled)
            elif generation_id and generation_id != entry.generation_id:
                named = dataclasses.replace(entry, generation_id=generation_id)
                self._open[charge] = charge.entry = named
                self._replace_recent(entry, named)
            else:
                return
        self._notify()

    def _add_settled(self, entry: Entry) -> None:
        """Sum a settled entry into its model's row (lock held)."""
        _add(self._settled.setdefault(entry.model, ModelRow(entry.model)), entry)
        if entry.generation_id and entry.estimated:
            self._pending[entry.generation_id] = entry

    def _replace_recent(self, old: Entry, new: Entry | None) -> None:
        index = next((i for i, e in enumerate(self.recent) if e is old), None)
        if index is None:
            return
        if new is None:
            del self.recent[index]
        else:
            self.recent[index] = new

    def reset(self) -> None:
        with self._lock:
            self._settled.clear()
            self._open.clear()
            self.recent.clear()
            self._pending.clear()
            self.saved, self.cached_requests = Decimal(0), 0
            self._epoch += 1
        self._notify()

    def subscribe(self, listener: Callable[[CostTally], None]) -> Callable[[], None]:
        """Call `listener` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def to_json(self) -> dict[str, object]:
        rows = self.rows
        total = sum((row.cost for row in rows.values()), Decimal(0))
        estimated = any(row.estimated for row in rows.values())
        return {
            "total": str(total),
            "estimated": estimated,
            # As `%gemini cost` writes them, so a frontend never formats a decimal of its own.
            "total_text": format_usd(total, estimated=estimated),
            "saved_text": format_usd(self.saved),
            "requests": sum(row.requests for row in rows.values()),
            "prompt_tokens": sum(row.prompt_tokens for row in rows.values()),
            "completion_tokens": sum(row.completion_tokens for row in rows.values()),
            "reasoning_tokens": sum(row.reasoning_tokens for row in rows.values()),
            "tokens_out_text": format_out_tokens(
                sum(row.completion_tokens for row in rows.values()), sum(row.reasoning_tokens for row in rows.values())
            ),
            "saved": str(self.saved),
            "cached_requests": self.cached_requests,
            "models": [
                {
                    "model": row.model,
                    "requests": row.requests,
                    "prompt_tokens": row.prompt_tokens,
                    "completion_tokens": row.completion_tokens,
                    "reasoning_tokens": row.reasoning_tokens,
                    "tokens_out_text": format_out_tokens(row.completion_tokens, row.reasoning_tokens),
                    "cost": str(row.cost),
                    "estimated_cost": str(row.estimated_cost),
                    "cost_text": format_usd(row.cost, estimated=row.estimated),
                }
                for row in rows.values()
            ],
        }

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self)


def _add(row: ModelRow, entry: Entry) -> None:
    """Add one entry's share to its model's row."""
    row.requests += 1
    row.prompt_tokens += entry.usage.prompt_tokens
    row.completion_tokens += entry.usage.completion_tokens
    row.reasoning_tokens += entry.usage.reasoning_tokens
    row.cost += entry.cost
    row.margin += entry.margin
    if entry.estimated:
        row.estimated_cost += entry.cost
        row.estimates += 1


def _preview(prompt: str) -> str:
    preview = " ".join(prompt.split())
    return preview if len(preview) <= _PROMPT_PREVIEW else preview[: _PROMPT_PREVIEW - 1] + "…"


_process_tally: CostTally | None = None
_process_lock = threading.Lock()


def process_tally() -> CostTally:
    """The kernel process's one ledger, shared by every session (and every `%reload_ext`)."""
    global _process_tally
    with _process_lock:
        if _process_tally is None:
            _process_tally = CostTally()
        return _process_tally
