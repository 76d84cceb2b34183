"""Thinking you can steer and pay for knowingly: --reasoning through the magic, map, ask() and the setting.

Every case goes through a real IPython shell and real HTTP to the emulator, which thinks by the
model's `reasoning` block (efforts, default, mandatory) and bills thinking as output.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import TEST_KEY, magics, run_cell

import jupyter_gemini
from jupyter_gemini._cost._catalog import Catalog
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.emulator._plan import EFFORT_TOKENS


def chat_bodies(emulator: Emulator) -> list[dict]:
    return [r.json for r in emulator.requests if r.path.endswith("/chat/completions")]


def refusal(result) -> str:
    error = result.error_in_exec
    assert error is not None, "expected a refusal"
    (line,) = error._render_traceback_()
    return line


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("%%gemini --reasoning extreme\nhi", "--reasoning extreme is not an effort; use one of none, minimal"),
        ("%%gemini --reasoning-tokens -5\nhi", "--reasoning-tokens must be a number of tokens, 0 or more, not -5"),
        ("%%gemini --reasoning low --reasoning-tokens 100\nhi", "give one"),
        ("%%gemini -m google/gemini-3.5-flash --reasoning none\nhi", "google/gemini-3.5-flash always thinks"),
        ("%%gemini -m google/gemini-3.8-flash --reasoning minimal\nhi", "It takes --reasoning low, medium, high"),
        ("%%gemini -m google/gemini-3.8-flash --reasoning-tokens 500\nhi", "takes thinking levels, not a token budget"),
        ("%%gemini -m google/gemini-2.0-flash-001 --reasoning high\nhi", "does not think, so --reasoning high"),
    ],
)
def test_a_choice_the_model_cannot_take_is_one_sentence_and_nothing_is_sent(ip, emulator: Emulator, cell, words):
    result, _ = run_cell(ip, cell)
    line = refusal(result)
    assert words in line and "nothing was sent" in line.lower()
    assert chat_bodies(emulator) == []
    assert magics(ip).session.tally.requests == 0


def test_the_effort_is_sent_and_its_thinking_billed_as_output(ip, emulator: Emulator):
    run_cell(ip, "%%gemini --reasoning high\nWhy is the sky blue?")
    (body,) = chat_bodies(emulator)
    assert body["reasoning"] == {"effort": "high"}
    response = magics(ip).session.last_response
    assert response.usage.reasoning_tokens == EFFORT_TOKENS["high"]
    assert response.usage.completion_tokens > EFFORT_TOKENS["high"]  # thinking is part of the output
    assert response.cost == emulator.billed_total == magics(ip).session.tally.total
    assert "Emulated thinking" not in response.text  # the thinking is never the answer


def test_a_token_budget_and_the_setting(ip, emulator: Emulator):
    run_cell(ip, "%%gemini -m google/gemini-2.5-flash --reasoning-tokens 300\nThink briefly.")
    run_cell(ip, "%config GeminiMagics.reasoning = 'low'")
    run_cell(ip, "%%gemini\nAnd now?")
    first, second = chat_bodies(emulator)
    assert first["reasoning"] == {"max_tokens": 300}
    assert second["reasoning"] == {"effort": "low"}
    run_cell(ip, "%config GeminiMagics.reasoning = 'extreme'")
    assert magics(ip).reasoning == "low"  # refused, the old value stays
    # The setting meets a model that always thinks: refused by name, not as a flag the user never typed.
    run_cell(ip, "%config GeminiMagics.reasoning = 'none'")
    line = refusal(run_cell(ip, "%%gemini -m google/gemini-3.5-flash\nhi")[0])
    assert "GeminiMagics.reasoning = 'none'" in line


def test_no_choice_leaves_the_model_to_its_default(ip, emulator: Emulator):
    run_cell(ip, "%%gemini -m google/gemini-3.5-flash\nhi")
    (body,) = chat_bodies(emulator)
    assert "reasoning" not in body
    default = Catalog().get("google/gemini-3.5-flash").reasoning.default_effort
    assert magics(ip).session.last_response.usage.reasoning_tokens == EFFORT_TOKENS[default]


def test_map_and_ask_take_it_too(ip, emulator: Emulator):
    import pandas as pd

    ip.user_ns["df"] = pd.DataFrame({"city": ["Oslo", "Lima"]})
    run_cell(ip, "%%gemini --map df --reasoning minimal --out answer\nWhere is {city}?")
    answer = jupyter_gemini.ask("One word?", reasoning="medium")
    bodies = chat_bodies(emulator)
    assert [b["reasoning"] for b in bodies] == [{"effort": "minimal"}] * 2 + [{"effort": "medium"}]
    assert answer.usage.reasoning_tokens == EFFORT_TOKENS["medium"]
    assert magics(ip).session.tally.total == emulator.billed_total
    with pytest.raises(jupyter_gemini.errors.OptionError, match="always thinks"):
        jupyter_gemini.map("{city}", ip.user_ns["df"], model="google/gemini-3.6-flash", reasoning="none")


def test_the_emulator_refuses_none_where_thinking_is_mandatory(emulator: Emulator):
    import httpx

    body = {"model": "google/gemini-3.5-flash", "messages": [{"role": "user", "content": "hi"}]}
    auth = {"Authorization": f"Bearer {TEST_KEY}"}
    refused = httpx.post(
        f"{emulator.base_url}/chat/completions", json={**body, "reasoning": {"effort": "none"}}, headers=auth
    )
    assert refused.status_code == 400 and "mandatory" in refused.json()["error"]["message"]
    listed = httpx.get(f"{emulator.base_url}/models").json()["data"]
    block = next(m for m in listed if m["id"] == "google/gemini-3.5-flash")["reasoning"]
    assert block["mandatory"] is True and "none" not in block["supported_efforts"]
    assert emulator.billed_total == Decimal(0)


def test_the_thinking_is_shown_apart_and_never_becomes_the_answer(ip, emulator: Emulator):
    from conftest import last_bundle

    from jupyter_gemini._display._bundles import RESPONSE_MIME

    _, captured = run_cell(ip, "%%gemini --reasoning low -f code\nWrite a one-line hello world.")
    bundle = last_bundle(captured)
    card = bundle[RESPONSE_MIME]
    markdown = bundle["text/markdown"]
    session = magics(ip).session
    assert card["thinking"].startswith("(Emulated thinking")  # the reasoning deltas, kept
    assert markdown.startswith("<details><summary>Thought for ") and "(128 tokens)</summary>" in markdown
    assert "+ 128 thinking tokens" in card["footer"]
    assert "Emulated thinking" not in card["text"] + card["markdown"]
    # Not in the conversation sent back, nor in the code offered for the next cell.
    assert all("Emulated thinking" not in m["content"] for m in session.conversation.messages(10))
    assert "Emulated thinking" not in ip.rl_next_input if getattr(ip, "rl_next_input", None) else True


def test_thinking_without_streaming_and_the_tally(ip, emulator: Emulator):
    from conftest import last_bundle

    run_cell(ip, "%%gemini --no-stream --reasoning medium\nThink, then answer.")
    response = magics(ip).session.last_response
    assert response.thinking.startswith("(Emulated thinking") and "Emulated thinking" not in response.text
    assert response.thinking_seconds is None  # a whole body says nothing of how long it thought: no guess
    _, captured = run_cell(ip, "%gemini cost")
    table = last_bundle(captured)["text/plain"]
    assert f"+ {EFFORT_TOKENS['medium']} thinking" in table  # the cost table shows thinking apart too
    assert magics(ip).session.tally.reasoning_tokens == EFFORT_TOKENS["medium"]


def test_a_long_conversation_reads_its_prefix_from_the_cache_and_says_what_it_saved(ip, emulator: Emulator):
    from conftest import last_bundle

    from jupyter_gemini._display._bundles import RESPONSE_MIME

    ip.user_ns["notes"] = "A field note about penguins and their islands. " * 120  # about 1,400 tokens
    run_cell(ip, "%%gemini --new\nRead these notes: {notes}")
    first = magics(ip).session.last_response
    _, captured = run_cell(ip, "%%gemini\nAnd which island is largest?")
    second = magics(ip).session.last_response
    assert first.usage.cached_tokens == 0 and second.usage.cached_tokens >= 1024  # the conversation so far
    info = Catalog().get(second.model)
    assert second.cache_saved == info.cache_saving(second.usage.cached_tokens) > 0
    footer = last_bundle(captured)[RESPONSE_MIME]["footer"]
    assert f"({second.usage.cached_tokens:,} cached, saved $" in footer
    session = magics(ip).session
    assert session.tally.total == emulator.billed_total  # the discount is in what OpenRouter reports
    generation = emulator.generations[second.generation_id]
    assert generation.cached_tokens == second.usage.cached_tokens


def test_the_flex_tier_is_asked_for_shown_and_billed_as_reported(ip, emulator: Emulator):
    from conftest import last_bundle

    from jupyter_gemini._display._bundles import RESPONSE_MIME

    run_cell(ip, "%%gemini --new --temperature 0\nSame question, standard tier.")
    standard = magics(ip).session.last_response
    _, captured = run_cell(ip, "%%gemini --new --temperature 0 --tier flex\nSame question, standard tier.")
    flex = magics(ip).session.last_response
    assert chat_bodies(emulator)[-1]["service_tier"] == "flex" and "service_tier" not in chat_bodies(emulator)[0]
    assert flex.service_tier == "flex" and flex.cost == standard.cost / 2  # the emulator bills flex at half
    assert "(flex tier)" in last_bundle(captured)[RESPONSE_MIME]["footer"]
    assert magics(ip).session.tally.total == emulator.billed_total
    line = refusal(run_cell(ip, "%%gemini --tier slow\nhi")[0])
    assert "--tier slow is not a tier; use flex or priority" in line
    run_cell(ip, "%config GeminiMagics.tier = 'priority'")
    run_cell(ip, "%%gemini\nhi")
    assert chat_bodies(emulator)[-1]["service_tier"] == "priority"
