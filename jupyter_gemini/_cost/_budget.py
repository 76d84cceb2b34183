"""The session spending cap: refuse, before sending, what could break it.

The check is on the worst case (the prompt's token bound, `ChatRequest.prompt_token_bound`,
plus the longest answer allowed at the model's prices), so a request that passes cannot take
the total over the cap, whatever the prompt's script and whatever the model writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal

from ..errors import BudgetError, OptionError
from ._catalog import ModelInfo
from ._money import format_usd


@dataclasses.dataclass(frozen=True)
class WorstCase:
    prompt_tokens: int
    completion_tokens: int
    cost: Decimal


def worst_case(info: ModelInfo, prompt_tokens: int, max_tokens: int | None) -> WorstCase:
    """`prompt_tokens` is the bound (`prompt_token_bound`), not the ≈ estimate."""
    completion = max_tokens if max_tokens is not None else info.max_completion_tokens
    # Every output token at the dearer of answer and thinking prices: an upper bound whatever the split.
    return WorstCase(prompt_tokens, completion, info.cost(prompt_tokens, 0) + info.output_price_bound * completion)


def check_max_tokens(model: str, info: ModelInfo | None, max_tokens: int | None) -> None:
    """Refuse a `--max-tokens` the model cannot honour, before anything is sent."""
    if max_tokens is None:
        return
    if max_tokens < 1:
        raise OptionError(f"--max-tokens must be at least 1, not {max_tokens}, so nothing was sent.")
    if info is not None and max_tokens > info.max_completion_tokens:
        raise OptionError(
            f"--max-tokens {max_tokens:,} is more than {model} can write in one answer "
            f"({info.max_completion_tokens:,} tokens), so nothing was sent.",
            hint=f"Use --max-tokens {info.max_completion_tokens} or less.",
        )


def check_budget(
    *,
    budget: Decimal | None,
    spent: Decimal,
    model: str,
    info: ModelInfo | None,
    prompt_tokens: int,
    max_tokens: int | None,
) -> None:
    """Raise BudgetError when this request could take `spent` past `budget`."""
    if budget is None:
        return
    cap = format_usd(budget)
    if spent >= budget:
        raise BudgetError(
            f"The {cap} budget is used up ({format_usd(spent)} spent), so nothing was sent.",
            hint=f"Raise it with %gemini budget {_suggest_cap(spent)}, or remove it with %gemini budget off.",
        )
    if info is None:
        raise BudgetError(
            f"jupyter-gemini has no prices for {model}, so it cannot keep within the {cap} budget; nothing was sent.",
            hint="Pick a model from %gemini models, or remove the cap with %gemini budget off.",
        )
    worst = worst_case(info, prompt_tokens, max_tokens)
    left = budget - spent
    if worst.cost <= left:
        return
    affordable = _affordable_tokens(info, worst.prompt_tokens, left)
    fits = f"Add --max-tokens {affordable:,} to fit" if affordable > 0 else "Shorten the prompt"
    raise BudgetError(
        f"This question could cost up to {format_usd(worst.cost)} ({worst.prompt_tokens:,} prompt tokens + up to "
        f"{worst.completion_tokens:,} answer tokens on {model}), but only {format_usd(left)} of the {cap} budget "
        "is left, so nothing was sent.",
        hint=f"{fits}, or raise the cap with %gemini budget {_suggest_cap(spent + worst.cost)}.",
    )


def check_batch_budget(
    *,
    budget: Decimal | None,
    spent: Decimal,
    model: str,
    info: ModelInfo | None,
    prompt_tokens: Sequence[int],
    max_tokens: int | None,
) -> None:
    """Raise BudgetError unless every row of a batch could be answered at its worst within `budget`.

    `prompt_tokens` holds each row's prompt bound; the rows share `max_tokens`.
    """
    if budget is None or not prompt_tokens:
        return
    rows, cap = len(prompt_tokens), format_usd(budget)
    if spent >= budget:
        raise BudgetError(
            f"The {cap} budget is used up ({format_usd(spent)} spent), so nothing was sent for the {rows:,} rows.",
            hint=f"Raise it with %gemini budget {_suggest_cap(spent)}, or remove it with %gemini budget off.",
        )
    if info is None:
        raise BudgetError(
            f"jupyter-gemini has no prices for {model}, so it cannot keep {rows:,} rows within the {cap} "
            "budget; nothing was sent.",
            hint="Pick a model from %gemini models, or remove the cap with %gemini budget off.",
        )
    worst = worst_case(info, sum(prompt_tokens), max_tokens)
    cost = info.cost(worst.prompt_tokens, 0) + info.output_price_bound * worst.completion_tokens * rows
    left = budget - spent
    if cost <= left:
        return
    affordable = _affordable_tokens(info, worst.prompt_tokens, left) // rows
    fits = f"set max_tokens to {affordable:,} (--max-tokens) to fit" if affordable > 0 else "map fewer rows"
    raise BudgetError(
        f"Mapping {rows:,} rows could cost up to {format_usd(cost)} ({worst.prompt_tokens:,} prompt tokens + up to "
        f"{worst.completion_tokens:,} answer tokens a row on {model}), but only {format_usd(left)} of the {cap} "
        "budget is left, so nothing was sent.",
        hint=f"{fits[0].upper()}{fits[1:]}, or raise the cap with %gemini budget {_suggest_cap(spent + cost)}.",
    )


def _affordable_tokens(info: ModelInfo, prompt: int, left: Decimal) -> int:
    room = left - info.cost(prompt, 0)
    if info.output_price_bound == 0:
        return info.max_completion_tokens if room >= 0 else 0
    return max(0, int(room / info.output_price_bound))


def _suggest_cap(needed: Decimal) -> str:
    """A round figure above what is needed: 0.13 -> 0.25, 1.2 -> 2."""
    for step in (Decimal("0.25"), Decimal(1), Decimal(5), Decimal(25), Decimal(100)):
        if needed < step * 4:
            return format((needed // step + 1) * step, "f")
    return format(needed.quantize(Decimal(1)) + 100, "f")
