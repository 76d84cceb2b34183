"""Stopping a request from another thread, as the chat panel's Stop button does."""

from __future__ import annotations

import threading

import pytest
from conftest import magics

from jupyter_gemini._core._session import AskOptions
from jupyter_gemini._display._view import NullView
from jupyter_gemini._transport._cancel import CancelToken
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.errors import InterruptedByUserError


def test_cancel_keeps_partial_text_and_counts_an_estimate(ip, emulator: Emulator):
    emulator.config.tokens_per_second = 50  # 300 tokens would take 6 s
    session = magics(ip).session
    token = CancelToken()
    stopper: list[threading.Thread] = []

    class StopAfterSomeText(NullView):
        """Presses Stop from another thread once text has arrived, like a widget callback."""

        def start(self, answer):
            self.transcript = answer

        def tick(self):
            if len(self.transcript.text) > 40 and not stopper:
                stopper.append(threading.Thread(target=token.cancel))
                stopper[0].start()

    with pytest.raises(InterruptedByUserError):
        session.ask("[[emulator: tokens=300]] long answer please", AskOptions(), view=StopAfterSomeText(), cancel=token)
    stopper[0].join()
    response = session.last_response
    assert response is not None and response.status == "partial"
    assert 0 < response.usage.completion_tokens < 300
    assert response.text.startswith("*Answer from the local OpenRouter emulator")
    assert response.cost_estimated
    entry = session.tally.recent[-1]
    assert entry.estimated and entry.prompt.startswith("[[emulator: tokens=300]] long answer")
    assert session.conversation.turns[-1].partial
    # The session is usable at once.
    assert session.ask("again", AskOptions(), view=NullView()).status == "complete"


def test_a_token_cancelled_before_the_stream_closes_it_on_attach():
    class Stream:
        closed = False

        def close(self) -> None:
            self.closed = True

    token = CancelToken()
    token.cancel()
    stream = Stream()
    token.attach(stream)
    assert stream.closed and token.cancelled
