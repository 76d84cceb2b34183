"""The tally adds Decimals: exact however many answers, estimates kept apart."""

from __future__ import annotations

import random
from decimal import Decimal

from jupyter_gemini._cost._tally import CostTally
from jupyter_gemini._cost._usage import Usage
from jupyter_gemini._transport._wire import to_decimal


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


# -- the ledger: open when sent, settle, cancel, stay ≈ ----------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LEDGER_EXAMPLES = 300
money = st.decimals(min_value=0, max_value=Decimal("0.5"), places=8)
#: open(estimate, bound extra) | settle(which, cost, estimated) | cancel(which) | identify(which) | record(cost)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("open"), money, money),
        st.tuples(st.just("settle"), st.integers(0, 30), money, st.booleans()),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("identify"), st.integers(0, 30)),
        st.tuples(st.just("record"), money, st.booleans()),
    ),
    max_size=40,
)


@settings(max_examples=LEDGER_EXAMPLES, deadline=None)
@given(operations)
def test_ledger_matches_a_model_of_what_was_sent(ops):
    """Whatever the order of events, the total is every live entry's figure, ≈ while any is unsettled."""
    tally = CostTally()
    charges = []
    #: per charge: ("open", estimate, bound) | ("settled", cost, estimated) | ("cancelled",)
    model: list[tuple] = []
    recorded: list[tuple[Decimal, bool]] = []
    for op in ops:
        if op[0] == "open":
            charges.append(tally.open("m", prompt="q", estimate=op[1], bound=op[1] + op[2]))
            model.append(("open", op[1], op[1] + op[2]))
        elif op[0] == "record":
            tally.record("m", Usage(1, 1), op[1], estimated=op[2])
            recorded.append((op[1], op[2]))
        elif charges:
            i = op[1] % len(charges)
            before = tally.to_json()
            if op[0] == "settle":
                charges[i].settle("m", Usage(1, 1), op[2], estimated=op[3])
                if model[i][0] == "open":  # an estimate keeps its bound: it may yet be billed up to it
                    model[i] = ("settled", op[2], op[3], model[i][2] if op[3] else op[2])
            elif op[0] == "cancel":
                charges[i].cancel()
                if model[i][0] == "open":
                    model[i] = ("cancelled",)
            else:
                charges[i].identify(f"gen-{i}")
                assert tally.to_json() == before  # naming an entry changes no figure
    live = [m for m in model if m[0] != "cancelled"]
    expected = sum((m[1] for m in live), Decimal(0)) + sum((c for c, _ in recorded), Decimal(0))
    assert tally.total == expected
    assert tally.requests == len(live) + len(recorded)
    unsettled = any(m[0] == "open" or (m[0] == "settled" and m[2]) for m in live) or any(e for _, e in recorded)
    assert tally.estimated == unsettled
    worst = sum((m[2] if m[0] == "open" else max(m[1], m[3]) for m in live), Decimal(0)) + sum(
        (c for c, _ in recorded), Decimal(0)
    )
    assert tally.upper_bound == worst >= tally.total


@settings(max_examples=LEDGER_EXAMPLES, deadline=None)
@given(st.lists(st.tuples(money, st.booleans()), max_size=20), money, money)
def test_a_cancelled_request_leaves_the_ledger_exactly_as_it_was(history, estimate, extra):
    tally = CostTally()
    for cost, estimated in history:
        tally.record("m", Usage(2, 3), cost, estimated=estimated)
    before = (tally.to_json(), list(tally.recent))
    charge = tally.open("m", prompt="refused", estimate=estimate, bound=estimate + extra)
    assert tally.estimated and tally.total == sum((c for c, _ in history), Decimal(0)) + estimate
    charge.cancel()
    assert (tally.to_json(), list(tally.recent)) == before  # the very same strings: no Decimal residue


def test_an_interrupted_request_stays_an_estimate_until_reconciled():
    tally = CostTally()
    charge = tally.open("m", prompt="stopped", estimate=Decimal("0.0001"), bound=Decimal("0.01"))
    charge.identify("gen-1")
    assert tally.estimated and tally.pending.keys() == {"gen-1"}
    assert tally.settle("gen-1", Decimal("0.0025")) == Decimal("0.0024")
    assert not tally.estimated and tally.total == Decimal("0.0025") and tally.upper_bound == Decimal("0.0025")
    assert tally.pending == {}


def test_a_reset_ledger_ignores_requests_opened_before_it():
    tally = CostTally()
    charge = tally.open("m", estimate=Decimal("0.1"), bound=Decimal("0.2"))
    tally.reset()
    charge.settle("m", Usage(1, 1), Decimal("0.3"), estimated=False)
    charge.cancel()
    assert tally.total == 0 and tally.requests == 0 and not tally.estimated


def test_the_spend_belongs_to_the_process():
    from jupyter_gemini._cost._tally import process_tally

    assert process_tally() is process_tally()
