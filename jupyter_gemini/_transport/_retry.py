"""When to try a request again, and how long to wait first.

Written here rather than left to the openai SDK's own retries: users must
see the wait as it happens (a countdown in the cell), retries must stop once
any token has streamed, and the total wait is capped.
"""

from __future__ import annotations

import dataclasses
import random

from ..errors import ConnectionFailedError, GeminiError, ProviderError, RateLimitError, StreamError

#: First backoff step in seconds, doubled each attempt, then capped.
BASE_DELAY = 0.5
MAX_DELAY = 8.0


def is_retryable(error: GeminiError) -> bool:
    """Safe to send again: nothing was generated or billed (429, 408, 5xx, no connection)."""
    if isinstance(error, StreamError):
        return False  # the answer had started: never resend silently
    if isinstance(error, (RateLimitError, ConnectionFailedError)):
        return True
    status = error.status if isinstance(error, ProviderError) else None
    return status is not None and (status == 408 or status >= 500)


@dataclasses.dataclass
class RetryPolicy:
    max_retries: int
    #: Total seconds all waits together may take.
    time_limit: float
    rng: random.Random = dataclasses.field(default_factory=random.Random)
    attempts: int = 0
    waited: float = 0.0

    def next_delay(self, error: GeminiError) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if not is_retryable(error) or self.attempts >= self.max_retries:
            return None
        retry_after = error.retry_after if isinstance(error, RateLimitError) else None
        if retry_after is not None:
            delay = max(0.0, retry_after)
        else:
            # Capped exponential backoff with full jitter, so many kernels don't retry in lockstep.
            delay = self.rng.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**self.attempts))
        if self.waited + delay > self.time_limit:
            return None
        self.attempts += 1
        self.waited += delay
        return delay
