"""Conformance with real OpenRouter responses: each capture in tests/captures, replayed byte for byte.

What each answer should be is read from the capture itself (its content deltas, its
finish_reason, its usage), never written by hand, so these tests check jupyter-gemini
against the live API's behaviour, not against our own reading of the documentation.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import TEST_KEY, magics, run_cell
from replay import CAPTURES, MANIFEST, CaptureServer, json_body, sse_events

from jupyter_gemini._core._options import AskOptions
from jupyter_gemini._core._session import Session
from jupyter_gemini._core._settings import GeminiSettings
from jupyter_gemini.errors import GeminiError

CHAT = sorted(
    name
    for name, entry in MANIFEST.items()
    if name.endswith(".sse") or (entry["status"] == 200 and "choices" in json_body(name))
)
ERRORS = sorted(name for name, entry in MANIFEST.items() if entry["status"] >= 400)


@pytest.fixture(scope="module")
def replay() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


@pytest.fixture
def session(replay: CaptureServer, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("OPENROUTER_API_KEY", TEST_KEY)
    return Session(GeminiSettings(base_url=replay.base_url, max_retries=0))


def expected(name: str) -> dict[str, Any]:
    """What the capture says the answer is: text, reasoning, why it stopped, error, usage."""
    if name.endswith(".sse"):
        events = sse_events(name)
        choices = [c for e in events for c in e.get("choices") or ()]
        deltas = [c.get("delta") or {} for c in choices]
        finishes = [c["finish_reason"] for c in choices if c.get("finish_reason")]
        usages = [e["usage"] for e in events if e.get("usage")]
        return {
            "text": "".join(d.get("content") or "" for d in deltas),
            "reasoning": "".join(d.get("reasoning") or "" for d in deltas),
            "hidden": sum(encrypted(d.get("reasoning_details")) for d in deltas),
            "finish": finishes[-1] if finishes else None,
            "error": next((e["error"] for e in events if e.get("error")), None),
            "usage": usages[-1] if usages else None,
            "model": next((e["model"] for e in events if e.get("model")), None),
        }
    body = json_body(name)
    choice = body["choices"][0]
    message = choice.get("message") or {}
    return {
        "text": message.get("content") or "",
        "reasoning": message.get("reasoning") or "",
        "hidden": encrypted(message.get("reasoning_details")),
        "finish": choice.get("finish_reason"),
        "error": choice.get("error") or body.get("error"),
        "usage": body.get("usage"),
        "model": body.get("model"),
    }


def encrypted(details: Any) -> int:
    """How many encrypted reasoning details a delta or message holds."""
    return sum(1 for d in details or () if isinstance(d, dict) and d.get("type") == "reasoning.encrypted")


def ask(session: Session, name: str, **options: Any) -> tuple[Any, GeminiError | None]:
    want = expected(name)
    opts = AskOptions(model=want["model"] or "google/gemini-2.5-flash", stream=name.endswith(".sse"), **options)
    try:
        return session.ask("Replay this capture.", opts, live=False), None
    except GeminiError as error:
        return session.last_response, error


@pytest.mark.parametrize("name", CHAT)
def test_the_answer_is_what_the_capture_holds(replay: CaptureServer, session: Session, name: str):
    replay.serve(name)
    want = expected(name)
    response, error = ask(session, name)
    assert response is not None, error
    assert response.text == want["text"].strip() or response.text == want["text"]
    if len(want["reasoning"]) > 20:
        assert want["reasoning"] not in response.text  # thinking is never part of the answer
    assert response.thinking == want["reasoning"]  # and it is kept, apart, exactly as it came
    if want["hidden"]:
        assert response.hidden_thinking == want["hidden"]  # encrypted thinking: counted, never shown as text
    usage = want["usage"]
    if usage is not None:
        assert response.usage.prompt_tokens == usage["prompt_tokens"]
        assert response.usage.completion_tokens == usage["completion_tokens"]
        if usage.get("cost") is not None:
            assert response.cost == Decimal(str(usage["cost"])) and not response.cost_estimated
    if usage is None or usage.get("cost") is None:
        assert response.cost_estimated  # no reported cost: an estimate, and said so
        assert session.tally.estimated


@pytest.mark.parametrize("name", CHAT)
def test_only_an_answer_the_server_finished_is_complete_or_cached(replay: CaptureServer, session: Session, name: str):
    replay.serve(name)
    want = expected(name)
    response, error = ask(session, name, cache=True)
    complete = want["finish"] == "stop" and not want["error"]
    assert (response.status == "complete") == complete, (response.status, response.problem, want["finish"])
    if not complete:
        assert response.problem  # the footer says why it is not whole
        assert len(session.paid.cache) == 0  # never cached as a whole answer
    if error is not None:
        (line,) = error._render_traceback_()
        assert line.count(". ") <= 3  # one sentence and a hint, no traceback


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_one_sentence_naming_the_real_cause(replay: CaptureServer, session: Session, name: str):
    replay.serve(name)
    body = json_body(name)["error"]
    try:
        session.ask("Replay this error.", AskOptions(model="google/gemini-2.5-flash"), live=False)
    except GeminiError as error:
        (line,) = error._render_traceback_()
        raised = error
    else:
        pytest.fail("an error capture must raise")
    message = str(body["message"]).rstrip(".")
    raw = (body.get("metadata") or {}).get("raw")
    assert (raw or message) in line  # OpenRouter's (or the provider's) own words
    assert "google/gemini-2.5-flash" not in getattr(raised, "alternatives", [])  # never the model that failed
    assert session.tally.requests == 0  # an error answer bills nothing


def test_an_upstream_rate_limit_is_not_blamed_on_the_key(replay: CaptureServer, session: Session):
    replay.serve("c10_429_gemini-2.0-flash-exp-free_upstream_ratelimit.json")
    with pytest.raises(GeminiError) as caught:
        session.ask("Replay this error.", AskOptions(model="google/gemini-2.0-flash-exp:free"), live=False)
    assert "this key" not in str(caught.value) and "Google" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("d03_doc_400_model_not_found_availability.json", "google/gemini-3.6-flash?"),  # a close id for the typo
        ("d04_doc_404_model_deprecated_availability.json", "openai/gpt-4.1"),  # OpenRouter's fallback
        ("d07_doc_404_privacy_restricted_availability.json", "data_policy:zdr"),  # what excluded it
    ],
)
def test_availability_says_why_and_what_to_use(replay: CaptureServer, session: Session, name: str, words: str):
    replay.serve(name)
    with pytest.raises(GeminiError) as caught:
        session.ask("Replay this error.", AskOptions(model="google/gemini-3.6-flsh"), live=False)
    assert words in str(caught.value)
    assert "google/gemini-3.5-flsh" not in getattr(caught.value, "alternatives", [])


def test_a_stream_that_closes_quietly_is_not_complete(replay: CaptureServer, session: Session):
    name = "c05_gpt-4o_stream.sse"
    text = (CAPTURES / name).read_text()
    blocks = text.split("\n\n")
    cut = "\n\n".join(b for b in blocks if '"finish_reason":"stop"' not in b and "[DONE]" not in b)
    cut = cut[: cut.rfind("data:")]  # and the usage chunk: the connection just closes
    replay.serve(name, body=cut.encode())
    response, error = ask(session, name, cache=True)
    assert response.status != "complete" and response.text and error is not None
    assert "before the answer finished" in str(error)


def test_a_json_error_in_reply_to_a_stream_is_an_error_not_an_empty_answer(replay: CaptureServer, session: Session):
    body = b'{"error":{"code":502,"message":"Upstream error from Google: overloaded"}}'
    replay.serve("c05_gpt-4o_stream.sse", body=body)
    response, error = ask(session, "c05_gpt-4o_stream.sse")
    assert error is not None and "overloaded" in str(error)
    assert response is None or response.status != "complete"


def test_the_magic_and_map_read_captures_alike(ip, replay: CaptureServer, monkeypatch: pytest.MonkeyPatch):
    import jupyter_gemini

    monkeypatch.setenv("OPENROUTER_BASE_URL", replay.base_url)
    run_cell(ip, "%reload_ext jupyter_gemini")
    replay.serve("c05_gpt-4o_stream.sse")
    result, _ = run_cell(ip, "%%gemini -m openai/gpt-4o\nhello")
    assert result.success, result.error_in_exec
    assert magics(ip).session.last_response.text == expected("c05_gpt-4o_stream.sse")["text"]
    replay.serve("d02_doc_nonstream_choice_error.json")
    answers = jupyter_gemini.map("Row {value}", ["a", "b"], cache=True)
    assert all(isinstance(a, jupyter_gemini.RowError) for a in answers)  # an error answer is a failed row


def test_an_unpriced_answer_says_its_cost_is_unknown_not_zero(replay: CaptureServer, session: Session):
    """c04b: no usage.cost, from a model the catalog has no price for."""
    from jupyter_gemini._display._bundles import footer_text

    replay.serve("c04b_gpt-5-mini_nonstream_reasoning_no_cost.json")
    response, error = ask(session, "c04b_gpt-5-mini_nonstream_reasoning_no_cost.json")
    assert error is None and response.cost_estimated and session.tally.estimated
    footer = footer_text(response)
    assert "cost unknown until %gemini cost --reconcile" in footer and "≈$0 " not in footer
