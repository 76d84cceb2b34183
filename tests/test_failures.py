"""Every failure: one clear line, text already received stays, the tally stays right.

Faults are injected by the emulator (`[[emulator: fault=...]]`) and travel
over real HTTP through the real openai SDK.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from conftest import TEST_KEY, all_text, last_bundle, magics, run_cell

from jupyter_gemini import errors as _errors
from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator


@pytest.fixture
def no_retries(ip):
    # The SDK retries 408/429/5xx; one attempt keeps these tests fast and exact.
    ip.run_line_magic("config", "GeminiMagics.max_retries = 0")
    return ip


def error_line(result) -> str:
    assert not result.success
    lines = result.error_in_exec._render_traceback_()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("status", "error_type", "words"),
    [
        (400, _errors.ModelUnavailableError, "not a valid model ID"),  # the reference 400
        (401, _errors.AuthenticationError, "rejected the API key"),
        (402, _errors.InsufficientCreditsError, "--max-tokens"),
        (403, _errors.ModerationError, "harassment"),
        (404, _errors.ModelUnavailableError, "No endpoints found"),
        (408, _errors.ProviderError, "timed out"),
        (413, _errors.PayloadTooLargeError, "30MB"),
        (429, _errors.RateLimitError, "wait"),
        (502, _errors.ProviderError, "provider failed"),
        (503, _errors.ProviderError, "provider failed"),
    ],
)
def test_http_errors_are_one_clear_line_and_cost_nothing(no_retries, emulator: Emulator, status, error_type, words):
    result, captured = run_cell(no_retries, f"%%gemini\n[[emulator: fault=http:{status}]] hello")
    line = error_line(result)
    assert isinstance(result.error_in_exec, error_type)
    assert words in line
    assert captured.outputs == []  # nothing was received, so nothing to show but the error
    assert magics(no_retries).session.tally.requests == 0
    assert emulator.billed_total == 0
    assert TEST_KEY not in all_text(captured, result)
    follow_up, _ = run_cell(no_retries, "%%gemini\nstill working?")
    assert follow_up.success


def test_rate_limit_names_the_wait(no_retries, emulator: Emulator):
    result, _ = run_cell(no_retries, "%%gemini\n[[emulator: fault=http:429 retry_after=7]] hi")
    assert "wait 7 s" in error_line(result)
    assert result.error_in_exec.retry_after == 7


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("midstream", "error during the answer"),
        ("drop", "connection dropped"),
        ("malformed", "malformed chunk"),
    ],
)
def test_broken_streams_keep_the_text_received(ip, emulator: Emulator, fault, words):
    result, captured = run_cell(ip, f"%%gemini\n[[emulator: tokens=80 fault={fault} after=30]] tell me")
    line = error_line(result)
    assert words in line
    final = last_bundle(captured)[RESPONSE_MIME]
    assert final["status"] == "partial"
    assert "local OpenRouter emulator" in final["text"]  # the text received is on screen
    assert "Incomplete answer" in last_bundle(captured)["text/markdown"]
    sentence = re.sub(r"\x1b\[[0-9;]*m", "", line).split(":", 1)[1].strip()
    shown = "".join(str(o.data.get("text/markdown", "")) for o in captured.outputs)
    assert sentence and sentence not in shown  # said once, as the cell's error, not in the card too
    # The tally counts the partial answer: reported cost, or an estimate marked ≈.
    tally = magics(ip).session.tally
    assert tally.requests == 1
    assert tally.total > 0
    if final["cost_estimated"]:
        assert tally.estimated and "≈$" in last_bundle(captured)["text/plain"]
    # The conversation keeps the partial answer, and the next cell works.
    turn = magics(ip).session.conversation.turns[-1]
    assert turn.partial and turn.answer == final["text"]
    follow_up, _ = run_cell(ip, "%%gemini\nagain")
    assert follow_up.success


def test_error_inside_http_200_without_streaming(ip, emulator: Emulator):
    result, _ = run_cell(ip, "%%gemini --no-stream\n[[emulator: fault=error200]] hi")
    line = error_line(result)
    assert "without a result" in line and "Service temporarily overloaded" in line
    assert isinstance(result.error_in_exec, _errors.ProviderError)
    assert magics(ip).session.tally.requests == 0
    assert emulator.billed_total == Decimal(0)


def test_error_inside_http_200_while_streaming(ip, emulator: Emulator):
    result, _ = run_cell(ip, "%%gemini\n[[emulator: fault=error200]] hi")
    assert "Service temporarily overloaded" in error_line(result)
    assert magics(ip).session.tally.requests == 0


def test_connection_refused_names_the_base_url(ip, monkeypatch):
    ip.run_line_magic("config", "GeminiMagics.base_url = 'http://127.0.0.1:1/api/v1'")
    ip.run_line_magic("config", "GeminiMagics.max_retries = 0")
    result, _ = run_cell(ip, "%%gemini\nhi")
    assert "Cannot connect to http://127.0.0.1:1/api/v1" in error_line(result)


def test_invalid_key_is_rejected_without_echoing_it(ip, emulator: Emulator, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-invalid")
    result, _ = run_cell(ip, "%%gemini\nhi")
    line = error_line(result)
    assert "rejected the API key" in line and "%gemini key" in line
    assert isinstance(result.error_in_exec, _errors.AuthenticationError)


def test_dns_failure_names_the_base_url(ip, emulator: Emulator):
    # `.invalid` never resolves (RFC 2606), so this fails at the DNS lookup.
    ip.run_line_magic("config", "GeminiMagics.base_url = 'http://openrouter-emulator.invalid/api/v1'")
    ip.run_line_magic("config", "GeminiMagics.max_retries = 0")
    result, _ = run_cell(ip, "%%gemini\nhi")
    assert "Cannot connect to http://openrouter-emulator.invalid/api/v1" in error_line(result)
    assert emulator.requests == []


# -- the shapes recorded from the live API, as the emulator sends them ---------------------------


def test_a_quietly_closed_stream_is_marked_and_never_cached(no_retries, emulator: Emulator):
    result, captured = run_cell(no_retries, "%%gemini --cache\n[[emulator: tokens=40 after=10 fault=quiet]] go")
    assert "before the answer finished" in error_line(result)
    final = last_bundle(captured)[RESPONSE_MIME]
    assert final["status"] == "partial" and final["text"].startswith("*Answer from the local")
    assert len(magics(no_retries).session.paid.cache) == 0
    again, _ = run_cell(no_retries, "%%gemini --cache\n[[emulator: tokens=40 after=10 fault=quiet]] go")
    assert not again.success  # asked again, not answered from the cache
    assert len(emulator.generations) == 2


def test_an_upstream_rate_limit_names_google_not_the_key(no_retries, emulator: Emulator):
    result, _ = run_cell(no_retries, "%%gemini\n[[emulator: fault=upstream429]] hi")
    line = error_line(result)
    assert "Google is rate limiting this model upstream, not your key" in line
    assert "temporarily rate-limited upstream" in line


def test_a_choice_that_failed_without_streaming_keeps_its_text_and_cost(no_retries, emulator: Emulator):
    result, captured = run_cell(no_retries, "%%gemini --no-stream\n[[emulator: tokens=40 after=10 fault=midstream]] go")
    assert "Provider disconnected unexpectedly" in error_line(result)
    final = last_bundle(captured)[RESPONSE_MIME]
    assert final["status"] == "partial" and final["text"] == "*Answer from the local OpenRouter emulat"  # 10 tokens
    tally = magics(no_retries).session.tally
    assert tally.total == emulator.billed_total and not tally.estimated  # the usage it carried


def test_an_error_chunk_with_usage_is_counted_exactly(no_retries, emulator: Emulator):
    run_cell(no_retries, "%%gemini\n[[emulator: tokens=40 after=10 fault=midstream reasoning=8]] go")
    tally = magics(no_retries).session.tally
    assert tally.total == emulator.billed_total > 0 and not tally.estimated


@pytest.mark.parametrize("stream", ["", "--no-stream "])
def test_thinking_is_billed_but_never_part_of_the_answer(no_retries, emulator: Emulator, stream: str):
    result, captured = run_cell(no_retries, f"%%gemini {stream}\n[[emulator: tokens=10 reasoning=30]] think")
    assert result.success, result.error_in_exec
    final = last_bundle(captured)[RESPONSE_MIME]
    assert "Emulated thinking" not in final["text"] and final["status"] == "complete"
    assert final["usage"]["completion_tokens"] == 40  # thinking is output, and billed
    session = magics(no_retries).session
    assert (
        session.tally.total == emulator.billed_total
        and "Emulated thinking" not in session.conversation.turns[-1].answer
    )
