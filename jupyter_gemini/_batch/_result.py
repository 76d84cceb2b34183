"""What one row of a batch came to: its answer or its error, and its ledger entry."""

from __future__ import annotations

import dataclasses

from .._cost._tally import Charge
from .._transport._answer import Answer
from ..errors import GeminiError

__all__ = ["RowError", "RowResult"]


class RowError(str):
    """A failed row: reads as a clear marker in a Series, and `.error` keeps the exception."""

    error: GeminiError | None

    def __new__(cls, message: str, error: GeminiError | None = None) -> RowError:
        row = super().__new__(cls, f"[jupyter-gemini error: {message}]")
        row.error = error
        return row


@dataclasses.dataclass
class RowResult:
    position: int
    #: What came back, whole or not (None when nothing did: an HTTP error, a refused row).
    answer: Answer | None = None
    #: Why the row failed (a row whose answer is not whole fails too: the re-run retries it).
    error: GeminiError | None = None
    #: The row's ledger entry, opened when it was sent.
    charge: Charge | None = None
