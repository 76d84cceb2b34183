"""The one settle path, attacked with every shape an answer can end in.

Whatever OpenRouter reported (usage with or without `usage.cost`, nothing at all), whatever
arrived (text, none) and however it ended (whole, failed, refused, stopped), the answer and
its ledger line must agree: the figure the answer shows is the figure the tally sums, ≈
on both or on neither, never above the budget's upper bound, and an estimate that names its
generation stays reconcilable.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jupyter_gemini._core._settle import settle
from jupyter_gemini._cost._budget import worst_case
from jupyter_gemini._cost._catalog import Catalog
from jupyter_gemini._cost._defaults import DEFAULT_MODEL
from jupyter_gemini._cost._tally import CostTally
from jupyter_gemini._cost._usage import Usage
from jupyter_gemini._transport._answer import Answer
from jupyter_gemini._transport._wire import ChatRequest
from jupyter_gemini.errors import GeminiError, InterruptedByUserError, ProviderError, StreamError

MODELS = [DEFAULT_MODEL, "google/gemini-2.5-flash", "someone/unpriced-model"]

usages = st.builds(Usage, st.integers(0, 10**6), st.integers(0, 10**5))
costs = st.decimals(min_value=0, max_value=10, places=9, allow_nan=False)
failures = st.sampled_from(
    [None, StreamError("dropped"), InterruptedByUserError("stopped"), ProviderError("refused"), GeminiError("x")]
)


@given(
    model=st.sampled_from(MODELS),
    prompt=st.text(max_size=200),
    reported=st.one_of(st.none(), st.tuples(usages, st.one_of(st.none(), costs))),
    text=st.text(max_size=300),
    thinking=st.text(max_size=200),
    generation_id=st.one_of(st.none(), st.just("gen-1")),
    failure=failures,
    billed=st.sampled_from([None, False]),
)
def test_an_answer_and_its_ledger_line_always_agree(
    model, prompt, reported, text, thinking, generation_id, failure, billed
):
    catalog = Catalog()
    tally = CostTally()
    request = ChatRequest(model, [{"role": "user", "content": prompt}])
    info = catalog.get(model)
    charge = tally.open(
        model,
        prompt=prompt,
        estimate=info.cost(request.estimated_prompt_tokens(), 0) if info else Decimal(0),
        bound=worst_case(info, request.prompt_token_bound(), None).cost if info else None,
    )
    answer = Answer(model=model, generation_id=generation_id)
    answer.text = text
    answer.thinking = thinking  # an answer stopped while it thought has thinking and no text
    if reported is not None:
        answer.report_usage(*reported)
    if failure is not None:
        failure.billed = billed
        answer.failure = failure

    settle(charge, answer, request, catalog)

    assert answer.cost == tally.total
    assert answer.cost_estimated == tally.estimated
    assert tally.total <= tally.upper_bound
    if reported is not None and reported[1] is not None:
        assert (answer.cost, answer.cost_estimated) == (reported[1], False)  # exactly what was billed
    if answer.cost_estimated and generation_id:
        assert generation_id in tally.pending  # --reconcile can still settle it
    if reported is None and (text or thinking):
        assert answer.usage.reasoning_tokens == -(-len(thinking) // 4)  # thinking counted as output, ≈
        assert answer.usage.completion_tokens >= answer.usage.reasoning_tokens
    if reported is None and not text and not thinking and failure is not None and billed is False:
        assert tally.requests == 0  # refused before generating: never billed, not counted
