"""What the emulator remembers: requests seen, generations billed, the fault dice.

Handlers write from the server thread while tests read from theirs, so every
access goes through one lock and readers get copies.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

REDACTED = "REDACTED"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def redact_headers(headers: Any) -> dict[str, str]:
    """Header names as received; secret values replaced so they can never be logged or shown."""
    return {name: REDACTED if name.lower() in _SECRET_HEADERS else value for name, value in headers.get_all()}


@dataclasses.dataclass
class RecordedRequest:
    """One HTTP request as the emulator saw it (secret headers redacted)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    generation_id: str | None = None
    query: str = ""


#: Gemini's implicit cache reads only prefixes at least this long (tokens).
MIN_CACHED_TOKENS = 1024


@dataclasses.dataclass(frozen=True)
class GenerationRecord:
    """One billed generation: what `/generation` reports and `billed_total` sums."""

    id: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost: Decimal
    streamed: bool
    cancelled: bool
    finish_reason: str | None
    created: int
    native_finish_reason: str | None = None
    prompt_cost: Decimal = Decimal(0)
    completion_cost: Decimal = Decimal(0)
    images: int = 0
    files: int = 0
    latency_ms: int | None = None
    generation_time_ms: int | None = None
    ended: float | None = None
    """time.monotonic() when the generation ended; None while it is still running."""
    reasoning_tokens: int = 0
    """Of `completion_tokens`, how many were thinking (billed as output, as Google does)."""
    cached_tokens: int = 0
    """Of `prompt_tokens`, how many were read from the implicit cache (billed at the cache-read price)."""
    service_tier: str | None = None
    """The tier asked for (`service_tier`), echoed in the answer; flex is billed at half price."""


class EmulatorState:
    """Thread-safe store shared by the server thread and the Emulator's callers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        #: Digests of every message-list prefix seen, for the implicit cache.
        self._prefixes: set[str] = set()
        self._generations: dict[str, GenerationRecord] = {}
        self._rng = random.Random()
        self._rng_seed: int | None = None
        self._rng_fresh = True

    def record_request(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def set_generation_id(self, request: RecordedRequest, generation_id: str) -> None:
        with self._lock:
            request.generation_id = generation_id

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [dataclasses.replace(r, headers=dict(r.headers)) for r in self._requests]

    def cached_prefix(self, prefixes: Sequence[tuple[str, int]]) -> int:
        """Gemini's implicit cache: the longest earlier-seen prefix of these messages, in tokens (0 below the minimum).

        `prefixes` are (digest, tokens) of messages[:1], messages[:2], …; every one is remembered.
        """
        with self._lock:
            hit = max((tokens for digest, tokens in prefixes[:-1] if digest in self._prefixes), default=0)
            self._prefixes.update(digest for digest, _ in prefixes)
        return hit if hit >= MIN_CACHED_TOKENS else 0

    def bill(self, record: GenerationRecord) -> None:
        with self._lock:
            self._generations[record.id] = record

    def update(self, generation_id: str, **changes: Any) -> GenerationRecord | None:
        with self._lock:
            record = self._generations.get(generation_id)
            if record is None:
                return None
            record = dataclasses.replace(record, **changes)
            self._generations[generation_id] = record
            return record

    def generation(self, generation_id: str) -> GenerationRecord | None:
        with self._lock:
            return self._generations.get(generation_id)

    def generations(self) -> dict[str, GenerationRecord]:
        with self._lock:
            return dict(self._generations)

    def billed_total(self) -> Decimal:
        with self._lock:
            return sum((g.cost for g in self._generations.values()), Decimal(0))

    def draw_fault(self, rate: float, pool: Sequence[str], seed: int | None) -> str | None:
        """One roll of the dice per chat request; the same seed gives the same sequence."""
        if rate <= 0 or not pool:
            return None
        with self._lock:
            if self._rng_fresh or seed != self._rng_seed:
                self._rng = random.Random(seed)
                self._rng_seed = seed
                self._rng_fresh = False
            hit = self._rng.random() < rate
            choice = self._rng.choice(list(pool))
            return choice if hit else None

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._generations.clear()
            self._rng_fresh = True
