"""Every failure: one clear line, text already received stays, the tally stays right.

Faults are injected by the emulator (`[[emulator: fault=...]]`) and travel
over real HTTP through the real openai SDK.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import TEST_KEY, all_text, last_bundle, magics, run_cell

from jupyter_gemini import _errors
from jupyter_gemini._render import RESPONSE_MIME
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
        (400, _errors.ModelUnavailableError, "no longer available"),  # the reference 400: not a valid model ID
        (401, _errors.AuthenticationError, "rejected the API key"),
        (402, _errors.InsufficientCreditsError, "--max-tokens"),
        (403, _errors.ModerationError, "harassment"),
        (404, _errors.ModelUnavailableError, "no longer available"),
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
