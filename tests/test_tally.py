"""The tally adds Decimals: exact however many answers, estimates kept apart."""

from __future__ import annotations

import random
from decimal import Decimal

from jupyter_gemini._client import to_decimal
from jupyter_gemini._response import Usage
from jupyter_gemini._tally import CostTally


def test_sum_is_exact_where_floats_drift():
    rng = random.Random(7)
    costs = [Decimal(rng.randint(1, 10**7)) / Decimal(10**10) for _ in range(10_000)]
    tally = CostTally()
    for cost in costs:
        tally.record("m", Usage(1, 1), cost)
    assert tally.total == sum(costs)
    assert tally.requests == 10_000


def test_json_numbers_from_the_sdk_become_exact_decimals():
    # OpenRouter's usage.cost arrives as a JSON number; the SDK gives a float.
    assert to_decimal(0.0001036) == Decimal("0.0001036")
    assert to_decimal(0.1 + 0.2) == Decimal("0.30000000000000004")  # exactly what was sent
    assert to_decimal(0) == Decimal(0)
    assert to_decimal("0.5") == Decimal("0.5")
    assert to_decimal(None) is None
    assert to_decimal(True) is None


def test_rows_per_model_and_estimates():
    tally = CostTally()
    tally.record("a", Usage(10, 20), Decimal("0.001"))
    tally.record("a", Usage(1, 2), Decimal("0.002"))
    tally.record("b", Usage(5, 5), Decimal("0.0003"), estimated=True)
    assert tally.rows["a"].requests == 2
    assert tally.rows["a"].prompt_tokens == 11 and tally.rows["a"].completion_tokens == 22
    assert tally.total == Decimal("0.0033")
    assert tally.estimated and tally.rows["b"].estimated and not tally.rows["a"].estimated
    assert tally.to_json()["total"] == "0.0033"


def test_listeners_hear_every_change():
    tally = CostTally()
    seen: list[Decimal] = []
    unsubscribe = tally.subscribe(lambda t: seen.append(t.total))
    tally.record("a", Usage(), Decimal("0.5"))
    tally.reset()
    unsubscribe()
    tally.record("a", Usage(), Decimal("1"))
    assert seen == [Decimal("0.5"), Decimal(0)]
