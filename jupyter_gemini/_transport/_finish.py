"""Whether an answer is whole: one rule, used by single questions, the chat panel and batches.

An answer is complete only when the server said why it stopped and the reason is that the
model finished (`stop`, or `tool_calls`). Anything else is cut off (`length`), filtered
(`content_filter`), failed (`error`), or ended without a word (the connection closed quietly,
as proxies and load balancers do): shown as not whole, and never cached as if it were.
"""

from __future__ import annotations

from ..errors import StreamError

#: finish_reason values that mean the model finished its answer.
FINISHED = ("stop", "tool_calls")


def unfinished(finish_reason: str | None, error: str | None = None) -> str | None:
    """None for a whole answer; else one sentence saying why it is not."""
    if error:
        return f"The provider failed during the answer ({error})."
    if finish_reason in FINISHED:
        return None
    if finish_reason == "length":
        return "The answer was cut off at its length limit (--max-tokens, or the longest answer the model writes)."
    if finish_reason == "content_filter":
        return "The provider's content filter stopped the answer."
    if finish_reason == "error":
        return "The provider failed during the answer."
    if finish_reason is None:
        return "The connection closed before the answer finished (OpenRouter never said it was done)."
    return f"The answer stopped early ({finish_reason})."


def is_failure(finish_reason: str | None, error: str | None = None) -> bool:
    """Failed or dropped (an error for the cell), as opposed to cut off or filtered (a marked answer)."""
    return bool(error) or finish_reason not in (*FINISHED, "length", "content_filter")


def unfinished_error(finish_reason: str | None, error: str | None = None) -> StreamError | None:
    """The error to show for a failed or dropped answer (None when it is whole, cut off or filtered)."""
    reason = unfinished(finish_reason, error)
    if reason is None or not is_failure(finish_reason, error):
        return None
    return StreamError(reason, hint="The text received is kept; run the cell again for a whole answer.")
