"""`jupyter_gemini.ask`: the magics' code path and session, from Python."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from conftest import TEST_KEY, magics, run_cell

import jupyter_gemini
from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator


def test_ask_returns_a_response_that_displays_itself(ip, emulator: Emulator):
    response = jupyter_gemini.ask("What is a join?", model="google/gemini-2.5-flash-lite", max_tokens=25)
    generation = emulator.generations[response.generation_id]
    assert response.model == "google/gemini-2.5-flash-lite"
    assert response.cost == generation.cost
    assert response.usage.completion_tokens == generation.completion_tokens <= 25
    assert "local OpenRouter emulator" in response.text
    assert response.from_emulator
    data, _ = response._repr_mimebundle_()
    assert data[RESPONSE_MIME]["generation_id"] == response.generation_id
    assert TEST_KEY not in repr(response)


def test_ask_shares_the_session_with_the_magics(ip, emulator: Emulator):
    run_cell(ip, "%%gemini\nfirst")
    jupyter_gemini.ask("second")
    session = magics(ip).session
    assert session.tally.requests == 2
    assert session.tally.total == emulator.billed_total
    assert [m["role"] for m in emulator.requests[-1].json["messages"]] == ["system", "user", "assistant", "user"]


def test_ask_display_streams_like_the_magic(ip, emulator: Emulator):
    result, captured = run_cell(ip, "import jupyter_gemini\nr = jupyter_gemini.ask('hi', display=True)")
    assert result.success
    assert captured.outputs[0].update is False and captured.outputs[-1].update is True
    assert captured.outputs[-1].data[RESPONSE_MIME]["status"] == "complete"


def test_ask_outside_ipython(emulator: Emulator):
    code = (
        "import jupyter_gemini\n"
        "r = jupyter_gemini.ask('plain python', stream=False)\n"
        "print(r.model, r.cost, r.usage.completion_tokens)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    _, cost, tokens = out.split()
    generation = next(iter(emulator.generations.values()))
    assert Decimal(cost) == generation.cost and int(tokens) == generation.completion_tokens


def test_ask_builds_its_prompt_as_the_magic_does(ip, emulator: Emulator):
    """One prompt builder: `{name}` from the notebook, `{{...}}` literal, other braces as they are."""

    def sent() -> str:
        chats = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
        return chats[-1].json["messages"][-1]["content"]

    ip.user_ns["city"] = "Lisbon"
    jupyter_gemini.ask('Weather in {city}? {{city}} stays, {"a": 1} too', new=True)
    from_api = sent()
    assert from_api == 'Weather in Lisbon? {city} stays, {"a": 1} too'
    assert run_cell(ip, '%%gemini --new\nWeather in {city}? {{city}} stays, {"a": 1} too')[0].success
    assert sent() == from_api  # the magic sends the same text
    jupyter_gemini.ask("Keep {city} as written", interpolate=False, new=True)
    assert sent() == "Keep {city} as written"
    with pytest.raises(jupyter_gemini.GeminiError, match="not_defined_anywhere"):
        jupyter_gemini.ask("What is {not_defined_anywhere}?")
