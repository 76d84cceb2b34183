"""`%%gemini --map` shares a single question's options: each is honoured or refused in one sentence."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import run_cell

import jupyter_gemini
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.errors import OptionError


def chat_requests(emulator: Emulator) -> list:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


@pytest.fixture
def notes(ip) -> pd.DataFrame:
    frame = pd.DataFrame({"note": [f"note {i}: the penguin looked {'calm' if i % 2 else 'busy'}" for i in range(20)]})
    ip.user_ns["notes"] = frame
    return frame


def one_sentence_refusal(result) -> str:
    error = result.error_in_exec
    assert error is not None, "expected a refusal"
    (line,) = error._render_traceback_()  # one line in the cell, no traceback
    return line


def test_map_dry_run_shows_the_batch_and_sends_nothing(ip, emulator: Emulator, notes):
    result, _ = run_cell(ip, "%%gemini --map notes --dry-run --max-tokens 50\nMood of: {note}")
    assert result.success, result.error_in_exec
    shown = result.result._repr_mimebundle_()[0]["text/plain"]
    assert shown.startswith("Dry run, nothing sent: 20 rows; 20 to ask on ")
    assert "at most $" in shown
    assert "Mood of: note 0:" in shown and "Mood of: note 2:" in shown and "Mood of: note 3:" not in shown
    assert "… and 17 more rows." in shown
    assert chat_requests(emulator) == [] and magics_tally(ip).requests == 0


def test_map_dry_run_counts_what_the_cache_would_answer(ip, emulator: Emulator, notes):
    jupyter_gemini.map("Mood of: {note}", notes.head(5), max_tokens=100)
    sent = len(chat_requests(emulator))
    result, _ = run_cell(ip, "%%gemini --map notes --dry-run --max-tokens 100\nMood of: {note}")
    assert "20 rows, 5 answered by the cache for $0; 15 to ask" in result.result.summary()
    assert len(chat_requests(emulator)) == sent


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ("--concurrency 0", "--concurrency must be from 1 to 64, not 0"),
        ("--concurrency -3", "--concurrency must be from 1 to 64, not -3"),
        ("--concurrency 65", "--concurrency must be from 1 to 64, not 65"),
        ("--max-tokens 0", "--max-tokens must be at least 1, not 0"),
        ("--temperature 5", "--temperature must be between 0 and 2, not 5.0"),
        ("--budget-tokens 3", "--budget-tokens must be at least 50"),
        ("--max-tokens 1000000000", "more than"),
        ("--image last", "--image cannot go with --map"),
        ("--file notes.csv", "--file cannot go with --map"),
        ("--new", "--new cannot go with --map"),
        ("--error", "--error cannot go with --map"),
        ("--out note", "would overwrite the column the template reads ({note})"),
        ("--cache --no-cache", "contradict each other"),
    ],
)
def test_map_refuses_what_it_cannot_honour_and_sends_nothing(ip, emulator: Emulator, notes, options, words):
    result, _ = run_cell(ip, f"%%gemini --map notes {options}\nMood of: {{note}}")
    assert words in str(result.error_in_exec)
    if isinstance(result.error_in_exec, OptionError):
        assert "nothing was sent" in one_sentence_refusal(result)
    assert chat_requests(emulator) == []
    assert list(notes.columns) == ["note"]


def test_the_api_checks_the_same_options(ip, emulator: Emulator, notes):
    for kwargs in ({"concurrency": 0}, {"concurrency": -3}, {"temperature": 5}, {"max_tokens": 0}):
        with pytest.raises(OptionError, match="nothing was sent"):
            jupyter_gemini.map("Mood of: {note}", notes, **kwargs)
    assert chat_requests(emulator) == []


def test_out_never_replaces_an_existing_column_unless_asked(ip, emulator: Emulator, notes):
    notes["mood"] = "unknown"
    result, _ = run_cell(ip, "%%gemini --map notes --out mood\nMood of: {note}")
    assert "already has a column 'mood'" in str(result.error_in_exec)
    assert chat_requests(emulator) == [] and set(notes["mood"]) == {"unknown"}
    result, _ = run_cell(ip, "%%gemini --map notes --out mood --overwrite\nMood of: {note}")
    assert result.success, result.error_in_exec
    assert "unknown" not in set(notes["mood"]) and len(chat_requests(emulator)) == 20


def test_format_json_is_asked_of_every_row(ip, emulator: Emulator, notes):
    result, _ = run_cell(ip, '%%gemini --map notes -f json\nThe mood of {note} as {{"mood": ...}}')
    assert result.success, result.error_in_exec
    bodies = [r.json for r in chat_requests(emulator)]
    assert len(bodies) == 20
    assert all(b["response_format"] == {"type": "json_object"} for b in bodies)
    assert all("single valid JSON object" in b["messages"][0]["content"] for b in bodies)


def test_format_code_and_system_reach_every_row(ip, emulator: Emulator, notes):
    run_cell(ip, '%%gemini --map notes -f code --system "You write pandas."\nCode for {note}')
    systems = {r.json["messages"][0]["content"] for r in chat_requests(emulator)}
    (system,) = systems
    assert system.startswith("You write pandas.") and "single fenced code block" in system


def test_budget_tokens_bounds_each_rows_values(ip, emulator: Emulator):
    ip.user_ns["wide"] = pd.DataFrame({f"column_{i}": range(400) for i in range(30)})
    ip.user_ns["keys"] = ["a", "b"]
    long_rows = jupyter_gemini.map("Summarise {wide} for {value}", ["a", "b"], dry_run=True)
    short_rows = jupyter_gemini.map("Summarise {wide} for {value}", ["a", "b"], dry_run=True, budget_tokens=60)
    long_prompt = long_rows.requests[0].messages[-1]["content"]
    short_prompt = short_rows.requests[0].messages[-1]["content"]
    assert len(short_prompt) < len(long_prompt) / 3
    assert chat_requests(emulator) == []


def test_refresh_asks_cached_rows_again(ip, emulator: Emulator, notes):
    run_cell(ip, "%%gemini --map notes\nMood of: {note}")
    run_cell(ip, "%%gemini --map notes\nMood of: {note}")
    assert len(chat_requests(emulator)) == 20  # the second run came from the cache
    result, _ = run_cell(ip, "%%gemini --map notes --refresh\nMood of: {note}")
    assert result.success and len(chat_requests(emulator)) == 40


def magics_tally(ip):
    from conftest import magics

    return magics(ip).session.tally
