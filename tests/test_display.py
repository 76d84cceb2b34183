"""The streaming view: bounded redraws, linear work, terminal fallback."""

from __future__ import annotations

import io
from decimal import Decimal

from IPython.utils.capture import capture_output

from jupyter_gemini._core._response import Response
from jupyter_gemini._cost._usage import Usage
from jupyter_gemini._display._view import REDRAW_COST_FACTOR, LiveView, TerminalView
from jupyter_gemini._transport._answer import Answer


class FakeClock:
    """Time advances only when told: the throttle is tested, not the machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def response(text: str) -> Response:
    answer = Response(
        model="m/x",
        usage=Usage(1, 2),
        cost=Decimal("0.01"),
        cost_estimated=False,
        status="complete",
        session_total=Decimal("0.01"),
    )
    answer.text = text
    return answer


def test_the_answer_joins_its_deltas_lazily_and_once():
    answer = Answer(model="m/x")
    assert answer.text == ""
    for part in ["a", "b", "c"]:
        answer.append(part)
    assert answer._body._joined == 0  # nothing joined until someone reads the text
    assert answer.text == "abc"
    answer.append("d")
    assert answer.text == "abcd"
    answer.text = "replaced"
    answer.append("!")
    assert answer.text == "replaced!"


def test_at_most_ten_redraws_a_second_however_fast_tokens_come(shell):
    clock = FakeClock()
    view = LiveView(clock)
    transcript = Answer(model="m/x")
    with capture_output() as captured:
        view.start(transcript)
        for _ in range(100_000):  # 100,000 tokens over 2 simulated seconds
            transcript.append("tok ")
            clock.now += 2 / 100_000
            view.tick()
        view.finish(response(transcript.text))
    updates = [o for o in captured.outputs if o.update]
    assert len(updates) == view.redraws
    assert 19 <= view.redraws <= 22  # ~10 per second, plus the final redraw
    assert captured.outputs[-1].data["text/plain"].startswith("tok tok")


def test_slow_redraws_back_off_so_render_work_stays_linear(shell):
    clock = FakeClock()
    view = LiveView(clock)
    transcript = Answer(model="m/x")
    spent = []

    def slow_update(bundle):  # a redraw costs time proportional to the text so far
        cost = len(transcript.text) * 1e-7  # 0.1 s to redraw a megabyte: a slow kernel
        clock.now += cost
        spent.append(cost)

    with capture_output():
        view.start(transcript)
    view._update = slow_update
    for _ in range(200_000):  # 1 MB of text over 2 simulated seconds of tokens
        transcript.append("word ")
        clock.now += 1e-5
        view.tick()
    # A fixed 0.1 s throttle would spend about 32% of the time redrawing here;
    # the back-off keeps redrawing a bounded share of the total.
    assert sum(spent) / clock.now < 1.5 / REDRAW_COST_FACTOR
    assert len(spent) >= 5


def test_terminal_view_prints_deltas_then_footer():
    out = io.StringIO()
    view = TerminalView(out)
    transcript = Answer(model="m/x")
    view.start(transcript)
    for part in ["Hel", "lo", " there"]:
        transcript.append(part)
        view.tick()
    view.finish(response(transcript.text))
    printed = out.getvalue()
    assert printed.startswith("Hello there\n\n-- m/x · 1 in / 2 out tokens · $0.01 · session $0.01")
    assert printed.count("Hello") == 1  # deltas only, never a reprint


def test_an_answer_interrupted_before_its_first_display_is_still_shown(shell):
    """Stop can land while the view's first display is being sent: `finish` then displays, never crashes."""
    view = LiveView(FakeClock())
    with capture_output() as captured:
        view.finish(response("kept"))
    (output,) = captured.outputs
    assert output.data["text/plain"].startswith("kept")
