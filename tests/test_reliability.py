"""Money and keys: retries you can see, stalls, the budget cap, reconciling estimates, typed keys."""

from __future__ import annotations

import getpass
import threading
import time
from decimal import Decimal

import pytest
from conftest import TEST_KEY, all_text, last_bundle, magics, run_cell

from jupyter_gemini import errors as _errors
from jupyter_gemini._core._session import AskOptions
from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini._display._view import NullView
from jupyter_gemini.emulator import Emulator


def error_line(result) -> str:
    assert not result.success
    (line,) = result.error_in_exec._render_traceback_()
    return line


# -- retries -------------------------------------------------------------------


def test_rate_limit_is_retried_with_a_visible_countdown(ip, emulator: Emulator):
    emulator.config.fault_rate = 1.0
    emulator.config.fault_pool = ("http:429",)  # every request rate limited, Retry-After: 1 s

    def lift_the_limit_after_the_first_refusal() -> None:
        while not any(r.path.endswith("/chat/completions") for r in emulator.requests):
            time.sleep(0.01)  # polling for the observed refusal, not a fixed wait
        emulator.config.fault_rate = 0.0

    threading.Thread(target=lift_the_limit_after_the_first_refusal, daemon=True).start()
    try:
        result, captured = run_cell(ip, "%%gemini\nhello after the wait")
    finally:
        emulator.config.fault_rate = 0.0
    assert result.success, result.error_in_exec
    chat_requests = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert len(chat_requests) == 2  # one refused, one answered
    statuses = [
        o.data["text/plain"] for o in captured.outputs if o.data.get(RESPONSE_MIME, {}).get("status") == "waiting"
    ]
    assert statuses and statuses[0].startswith("Rate limited: trying again in 1 s (attempt 2 of 3)")
    assert last_bundle(captured)[RESPONSE_MIME]["status"] == "complete"  # the countdown became the answer


def test_gives_up_after_max_retries_and_says_so(ip, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.max_retries = 1")
    result, captured = run_cell(ip, "%%gemini\n[[emulator: fault=http:503]] hi")
    line = error_line(result)
    assert "provider failed" in line and "(after 2 attempts)" in line
    assert len(emulator.requests) == 2
    assert last_bundle(captured) == {"text/plain": ""}  # the countdown is cleared, the error says it all


def test_no_retry_once_tokens_have_streamed(ip, emulator: Emulator):
    result, _ = run_cell(ip, "%%gemini\n[[emulator: tokens=60 fault=midstream after=20]] hi")
    assert not result.success
    assert len(emulator.requests) == 1


def test_client_errors_are_not_retried(ip, emulator: Emulator):
    for status in (400, 401, 402, 403, 413):
        emulator.reset()
        run_cell(ip, f"%%gemini\n[[emulator: fault=http:{status}]] hi")
        assert len(emulator.requests) == 1, status


def test_error_details(ip, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.max_retries = 0")
    result, _ = run_cell(ip, "%%gemini\n[[emulator: fault=http:413]] " + "x" * 3000)
    assert " at 3 KB " in error_line(result) or " at 4 KB " in error_line(result)
    result, _ = run_cell(ip, "%%gemini\n[[emulator: fault=http:413]] hi")
    assert " at 0 KB" not in error_line(result) and " bytes (" in error_line(result)  # a small request
    result, _ = run_cell(ip, "%%gemini\n[[emulator: fault=http:429 retry_after=3]] hi")
    line = error_line(result)
    assert "(0 of 20 requests left)" in line and "wait 3 s" in line


def test_stalled_stream_is_stopped_and_keeps_its_text(ip, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.stall_timeout = 0.5")
    result, captured = run_cell(ip, "%%gemini\n[[emulator: tokens=40 fault=stall after=12 stall=30 stall_silent=1]] hi")
    line = error_line(result)
    assert "sent nothing for 0.5 s" in line
    final = last_bundle(captured)[RESPONSE_MIME]
    assert final["status"] == "partial" and final["text"].startswith("*Answer from")
    assert magics(ip).session.tally.requests == 1


def test_keepalives_do_not_count_as_data(ip, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.stall_timeout = 0.5")
    result, _ = run_cell(ip, "%%gemini\n[[emulator: tokens=40 fault=stall after=12 stall=2]] hi")  # keep-alives only
    assert "sent nothing for 0.5 s" in error_line(result)


# -- budget --------------------------------------------------------------------


def test_budget_refuses_what_could_break_it_and_sends_nothing(ip, emulator: Emulator):
    run_cell(ip, "%gemini budget 0.01")
    # Worst case without --max-tokens: 65,535 answer tokens at $1.50/M = $0.098 > $0.01.
    result, captured = run_cell(ip, "%%gemini\nhello")
    line = error_line(result)
    assert isinstance(result.error_in_exec, _errors.BudgetError)
    assert "up to $0.09" in line and "65,535 answer tokens" in line and "$0.01 of the $0.01 budget" in line
    assert "--max-tokens 6,6" in line  # (0.01 - prompt) / 1.5e-6 tokens fit
    assert emulator.requests == [] and captured.outputs == []

    ok, _ = run_cell(ip, "%%gemini --max-tokens 100\nhello")
    assert ok.success
    _, captured = run_cell(ip, "%gemini budget")
    assert "Budget $0.01:" in captured.stdout and "left" in captured.stdout


def test_a_call_that_crosses_the_cap_finishes_then_blocks(ip, emulator: Emulator):
    session = magics(ip).session

    class CapLoweredMidAnswer(NullView):
        """The cap drops below what is already spent while the answer streams."""

        def tick(self):
            magics(ip).budget = 0.000001

    response = session.ask("[[emulator: tokens=50]] first", AskOptions(), view=CapLoweredMidAnswer())
    assert response.status == "complete" and response.usage.completion_tokens == 50  # finished, not cut
    assert session.tally.total > Decimal("0.000001")
    blocked, captured = run_cell(ip, "%%gemini --max-tokens 1\nsecond")
    assert "budget is used up" in error_line(blocked)
    assert len(emulator.requests) == 1 and captured.outputs == []
    run_cell(ip, "%gemini budget off")
    assert run_cell(ip, "%%gemini\nfree again")[0].success


def test_budget_from_environment_and_config(emulator: Emulator, shell, monkeypatch):
    monkeypatch.setenv("JUPYTER_GEMINI_BUDGET", "0.25")
    from jupyter_gemini._ipython._magics import GeminiMagics

    assert GeminiMagics(shell=None).budget == 0.25
    monkeypatch.setenv("JUPYTER_GEMINI_BUDGET", "off")
    assert GeminiMagics(shell=None).budget is None


def test_bad_budget_values(ip):
    for value in ("abc", "-1", "nan"):
        result, _ = run_cell(ip, f"%gemini budget {value}")
        assert not result.success
    assert magics(ip).budget is None


# -- reconcile -----------------------------------------------------------------


def test_reconcile_replaces_estimates_with_billed_costs(ip, emulator: Emulator):
    emulator.config.generation_lookup_delay = 0.6  # OpenRouter answers 404 for a while
    try:
        run_cell(ip, "%%gemini\n[[emulator: tokens=80 fault=drop after=30]] first")
        run_cell(ip, "%%gemini\nsecond, complete")
        tally = magics(ip).session.tally
        assert tally.estimated and tally.total != emulator.billed_total
        _, captured = run_cell(ip, "%gemini cost --reconcile")
    finally:
        emulator.config.generation_lookup_delay = 0.0
    assert "Settled 1 of 1" in captured.stdout
    assert not tally.estimated and tally.total == emulator.billed_total
    assert "≈" not in captured.outputs[-1].data["text/plain"]
    _, captured = run_cell(ip, "%gemini cost --reconcile")
    assert "No estimates to settle" in captured.stdout


# -- debug and keys ------------------------------------------------------------


def test_debug_shows_the_last_traceback_without_the_key(ip, emulator: Emulator):
    _, captured = run_cell(ip, "%gemini debug")
    assert "No error so far" in captured.stdout
    run_cell(ip, "%%gemini -m google/gemini-flash-1.5\nhi")
    _, captured = run_cell(ip, "%gemini debug")
    assert "Traceback" in captured.stdout and "ModelUnavailableError" in captured.stdout
    assert TEST_KEY not in captured.stdout
    run_cell(ip, "%%gemini\n{nope}")
    _, captured = run_cell(ip, "%gemini debug")
    assert "InterpolationError" in captured.stdout


def test_typed_key_is_used_kept_in_memory_and_never_echoed(ip, emulator: Emulator, monkeypatch):
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "sk-or-invalid")
    result, captured = run_cell(ip, "%gemini key")
    assert result.success and "sk-or-invalid" not in all_text(captured)
    failed, _ = run_cell(ip, "%%gemini\nhi")  # the emulator rejects this key: proof it was used
    assert isinstance(failed.error_in_exec, _errors.AuthenticationError)
    run_cell(ip, "%gemini key --clear")
    assert run_cell(ip, "%%gemini\nhi")[0].success  # back to the environment's key


def test_key_prompt_without_stdin_is_a_clear_error(ip, monkeypatch):
    def no_stdin(prompt=""):
        raise RuntimeError("stdin not supported")

    monkeypatch.setattr(getpass, "getpass", no_stdin)
    result, _ = run_cell(ip, "%gemini key")
    assert "cannot prompt" in error_line(result) and "OPENROUTER_API_KEY" in error_line(result)


@pytest.mark.usefixtures("no_key")
def test_missing_key_check_happens_before_the_budget(ip, emulator: Emulator):
    run_cell(ip, "%gemini budget 0.5")
    result, _ = run_cell(ip, "%%gemini\nhi")
    assert isinstance(result.error_in_exec, _errors.MissingKeyError)
