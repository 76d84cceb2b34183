"""The one settle path: what an answer cost, written into the answer and its ledger line.

Single questions, the chat panel and batch rows all end here, so an answer is priced
the same way whichever path sent it: OpenRouter's figures when it reported them, else
an estimate at list price (≈) from the text and thinking that arrived, else its ledger line stays
at its prompt (≈, it may be billed in full) with its generation id for `--reconcile`.
"""

from __future__ import annotations

from decimal import Decimal

from .._cost._catalog import Catalog
from .._cost._estimate import estimate_usage
from .._cost._tally import Charge
from .._transport._answer import Answer
from .._transport._wire import ChatRequest
from ..errors import GeminiError

__all__ = ["close_unanswered", "settle"]


def settle(charge: Charge, answer: Answer, request: ChatRequest, catalog: Catalog) -> None:
    """Price `answer` (reported, else estimated) and close its ledger line with the same figures."""
    if not answer.usage_reported:
        if not answer.text and not answer.thinking:
            # Nothing reported, nothing arrived: ≈ at its prompt, unless the answer was an error instead.
            charge.identify(answer.generation_id)
            if answer.failure is not None:
                close_unanswered(charge, answer.failure)
            answer.cost = charge.entry.cost if charge.entry is not None else Decimal(0)
            answer.cost_estimated = charge.entry is not None
            return
        answer.usage = estimate_usage(request.estimated_prompt_tokens(), answer.text, answer.thinking)
    info = catalog.get(answer.model)
    if answer.usage.cached_tokens and info is not None:
        answer.cache_saved = info.cache_saving(answer.usage.cached_tokens)
    if answer.cost_estimated:  # no `usage.cost`: list price
        usage = answer.usage
        answer.cost = (
            info.cost(usage.prompt_tokens, usage.completion_tokens, reasoning_tokens=usage.reasoning_tokens)
            if info
            else Decimal(0)
        )
    charge.settle(
        answer.model, answer.usage, answer.cost, estimated=answer.cost_estimated, generation_id=answer.generation_id
    )


def close_unanswered(charge: Charge, error: GeminiError) -> None:
    """A request that failed before any usage was reported: drop it if certainly unbilled, else keep it ≈."""
    if error.billed is False:
        charge.cancel()
    else:
        charge.identify(error.generation_id)
