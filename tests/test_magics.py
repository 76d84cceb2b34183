"""`%%gemini` and `%gemini` in a real IPython shell, over real HTTP to the emulator."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import TEST_KEY, all_text, last_bundle, magics, run_cell

from jupyter_gemini._cost._catalog import DEFAULT_MODEL
from jupyter_gemini._display._bundles import METADATA_KEY, RESPONSE_MIME
from jupyter_gemini._ipython._commands import SUBCOMMANDS
from jupyter_gemini.emulator import Emulator


def user_text(request_body: dict) -> str:
    return request_body["messages"][-1]["content"]


def test_cell_streams_an_answer_with_footer(ip, emulator: Emulator):
    result, captured = run_cell(ip, "%%gemini\nWhat is a DataFrame?")
    assert result.success, result.error_in_exec
    first, final = captured.outputs[0], captured.outputs[-1]
    assert not first.update and final.update  # one display, then updates in place
    data = final.data
    assert set(data) >= {"text/plain", "text/markdown", RESPONSE_MIME}
    answer = data[RESPONSE_MIME]
    assert answer["status"] == "complete"
    assert answer["emulator"] is True
    assert "local OpenRouter emulator" in answer["text"]
    assert answer["model"] == DEFAULT_MODEL
    generation = emulator.generations[answer["generation_id"]]
    assert Decimal(answer["cost"]) == generation.cost
    assert answer["usage"]["prompt_tokens"] == generation.prompt_tokens
    assert answer["usage"]["completion_tokens"] == generation.completion_tokens
    # The footer: model, tokens, this answer's cost, the session total.
    markdown = data["text/markdown"]
    assert f"{generation.prompt_tokens} in / {generation.completion_tokens} out tokens" in markdown
    assert f"\\${generation.cost.normalize():f}" in markdown  # `$` escaped so it is not LaTeX
    assert "session \\$" in markdown
    assert data["text/plain"].splitlines()[-1].startswith(f"-- {DEFAULT_MODEL} · ")
    # Provenance metadata.
    meta = final.metadata[METADATA_KEY]
    assert meta["generation_id"] == answer["generation_id"]
    assert meta["model"] == DEFAULT_MODEL
    assert Decimal(meta["cost"]) == generation.cost
    assert emulator.requests[-1].json["stream"] is True


def test_streaming_redraws_are_throttled(ip, emulator: Emulator):
    emulator.config.tokens_per_second = 400  # 200 tokens over about half a second
    _, captured = run_cell(ip, "%%gemini\n[[emulator: tokens=200]] Tell me a long story.")
    updates = [o for o in captured.outputs if o.update]
    assert 2 <= len(updates) <= 10, len(updates)  # ~10 per second plus the final one, never one per token
    assert captured.outputs[-1].data[RESPONSE_MIME]["usage"]["completion_tokens"] == 200


def test_no_stream_option(ip, emulator: Emulator):
    result, captured = run_cell(ip, "%%gemini --no-stream\nHello")
    assert result.success
    assert emulator.requests[-1].json.get("stream") in (None, False)
    assert last_bundle(captured)[RESPONSE_MIME]["status"] == "complete"


@pytest.mark.parametrize(
    "code",
    [
        'cfg = {"a": {"b": [1, {"c": 2}]}}\nprint(f"{cfg!r:>10}")',
        "def f(d):\n    return {k: v for k, v in d.items()}",
        "\\begin{align} e^{i\\pi} + 1 = 0 \\end{align}",
    ],
)
def test_brace_heavy_prompts_are_sent_verbatim(ip, emulator: Emulator, code: str):
    result, _ = run_cell(ip, f"%%gemini\nExplain this:\n{code}")
    assert result.success, result.error_in_exec
    assert user_text(emulator.requests[-1].json) == f"Explain this:\n{code}"


def test_variables_are_interpolated_once(ip, emulator: Emulator):
    ip.user_ns["topic"] = "joins {not_this}"
    ip.user_ns["cfg"] = {"rows": 3}
    cell_number = ip.execution_count
    run_cell(ip, "x = 41 + 1")
    result, _ = run_cell(
        ip, f"%%gemini\nAbout {{topic}} with {{cfg['rows']}} rows; literal {{{{topic}}}}; code {{In[{cell_number}]}}"
    )
    assert result.success, result.error_in_exec
    assert user_text(emulator.requests[-1].json) == (
        "About joins {not_this} with 3 rows; literal {topic}; code x = 41 + 1"
    )


def test_unknown_variable_is_one_clear_line_and_nothing_is_sent(ip, emulator: Emulator):
    result, captured = run_cell(ip, "%%gemini\nSummarise {no_such_frame}")
    assert not result.success
    lines = result.error_in_exec._render_traceback_()
    assert len(lines) == 1
    assert "no_such_frame" in lines[0]
    assert "nothing was sent" in lines[0]
    assert emulator.requests == []
    assert captured.outputs == []


def test_empty_cell_sends_nothing(ip, emulator: Emulator):
    result, _ = run_cell(ip, "%%gemini\n   \n")
    assert not result.success
    assert "empty" in str(result.error_in_exec)
    assert emulator.requests == []


def test_conversation_continues_until_new(ip, emulator: Emulator):
    run_cell(ip, "%%gemini\nFirst question")
    run_cell(ip, "%%gemini\nSecond question")
    messages = emulator.requests[-1].json["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "First question"
    assert "local OpenRouter emulator" in messages[2]["content"]  # the first answer, as received

    run_cell(ip, "%%gemini --new\nThird question")
    assert [m["role"] for m in emulator.requests[-1].json["messages"]] == ["system", "user"]

    run_cell(ip, "%gemini reset")
    run_cell(ip, "%%gemini\nFourth")
    assert [m["role"] for m in emulator.requests[-1].json["messages"]] == ["system", "user"]


def test_history_is_capped_by_max_history(ip, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.max_history = 2")
    for n in range(4):
        run_cell(ip, f"%%gemini\nQuestion {n}")
    messages = emulator.requests[-1].json["messages"]
    assert [m["content"] for m in messages if m["role"] == "user"] == ["Question 1", "Question 2", "Question 3"]
    _, captured = run_cell(ip, "%gemini history")
    assert "Question 0" in captured.outputs[-1].data["text/plain"]  # history keeps everything


def test_format_code_goes_to_the_next_cell_and_the_output(ip, emulator: Emulator):
    ip.rl_next_input = None
    result, captured = run_cell(ip, "%%gemini -f code\nPlot a sine wave")
    assert result.success, result.error_in_exec
    system = emulator.requests[-1].json["messages"][0]["content"]
    assert "code block" in system
    next_input = ip.rl_next_input
    assert next_input, "set_next_input was not called"
    assert "```" not in next_input
    assert "emulator" in next_input.splitlines()[0]
    compile(next_input, "<next>", "exec")  # the code itself, runnable
    assert f"```python\n{next_input}\n```" in last_bundle(captured)["text/markdown"]  # shown without a frontend too


def test_format_json_and_text(ip, emulator: Emulator):
    _, captured = run_cell(ip, "%%gemini -f json\nGive me a record")
    assert emulator.requests[-1].json["response_format"] == {"type": "json_object"}
    bundle = last_bundle(captured)
    assert "```json" in bundle["text/markdown"]
    assert isinstance(json.loads(bundle[RESPONSE_MIME]["text"]), dict)
    _, captured = run_cell(ip, "%%gemini -f text\nPlain please")
    assert "text/markdown" not in last_bundle(captured)


def test_options_reach_the_request(ip, emulator: Emulator):
    run_cell(
        ip,
        '%%gemini -m google/gemini-2.5-flash-lite --temperature 0.2 --max-tokens 30 --system "Be terse."\nHi',
    )
    body = emulator.requests[-1].json
    assert body["model"] == "google/gemini-2.5-flash-lite"
    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 30
    assert body["messages"][0]["content"].startswith("Be terse.")


def test_bad_options_are_usage_errors(ip, emulator: Emulator):
    for line in ("%%gemini -f yaml\nx", "%%gemini --temperature 7\nx", "%%gemini --bogus\nx"):
        result, _ = run_cell(ip, line)
        assert not result.success
    assert emulator.requests == []


def test_tally_is_exact_over_100_calls(ip, emulator: Emulator):
    for n in range(100):
        result, _ = run_cell(ip, f"%%gemini --new\n[[emulator: tokens={7 + n % 13}]] question {n}")
        assert result.success
    tally = magics(ip).session.tally
    assert tally.requests == 100
    assert tally.total == emulator.billed_total  # Decimal equality: exact to the last digit
    assert tally.total == sum(g.cost for g in emulator.generations.values())
    assert not tally.estimated
    _, captured = run_cell(ip, "%gemini cost")
    table = captured.outputs[-1].data
    assert f"${emulator.billed_total.normalize():f}" in table["text/plain"]
    assert table["application/vnd.jupyter-gemini.tally+json"]["total"] == str(tally.total)


def test_session_total_accumulates_in_footers(ip, emulator: Emulator):
    run_cell(ip, "%%gemini -m google/gemini-2.5-flash-lite\none")
    _, captured = run_cell(ip, "%%gemini\ntwo")
    answer = last_bundle(captured)[RESPONSE_MIME]
    assert Decimal(answer["session_total"]) == emulator.billed_total
    tally = magics(ip).session.tally
    assert set(tally.rows) == {"google/gemini-2.5-flash-lite", DEFAULT_MODEL}


@pytest.mark.usefixtures("no_key")
def test_missing_key_is_one_sentence_and_nothing_is_sent(ip, emulator: Emulator):
    result, captured = run_cell(ip, "%%gemini\nHello")
    assert not result.success
    (line,) = result.error_in_exec._render_traceback_()
    assert "OPENROUTER_API_KEY" in line
    assert "%gemini key" in line or "export" in line
    assert emulator.requests == []
    assert captured.outputs == []


def test_removed_model_names_current_alternatives(ip, emulator: Emulator):
    result, _ = run_cell(ip, "%%gemini -m google/gemini-flash-1.5\nHello")
    assert not result.success
    (line,) = result.error_in_exec._render_traceback_()
    assert "google/gemini-flash-1.5 is no longer available" in line
    assert DEFAULT_MODEL in line and "google/gemini-3-flash-preview" in line
    assert "gemini-2.0-flash" not in line  # never recommends a removed model
    assert magics(ip).session.tally.requests == 0


def test_free_variant_ended_404(ip, emulator: Emulator):
    result, _ = run_cell(ip, "%%gemini -m google/gemini-flash-1.5-8b-exp\nHello")
    assert "The free variant of google/gemini-flash-1.5-8b-exp has ended" in str(result.error_in_exec)
    assert "no longer available" in str(result.error_in_exec)  # OpenRouter's own words, kept


def test_line_magic_subcommands(ip, emulator: Emulator):
    _, captured = run_cell(ip, "%gemini model")
    assert DEFAULT_MODEL in captured.stdout
    run_cell(ip, "%gemini model google/gemini-3-flash-preview")
    assert magics(ip).model == "google/gemini-3-flash-preview"
    run_cell(ip, "%%gemini\nhi")
    assert emulator.requests[-1].json["model"] == "google/gemini-3-flash-preview"

    _, captured = run_cell(ip, "%gemini model google/gemini-flash-1.5")
    assert "no longer available" in captured.stdout

    _, captured = run_cell(ip, "%gemini models")
    table = captured.outputs[-1].data["text/plain"]
    assert "live from OpenRouter" in table  # fetched GET /models from the emulator
    assert "google/gemini-flash-1.5 " in table and "removed" in table
    assert "$0.075" in table and "$0.30" in table  # 1.5 Flash prices
    assert any(r.path.endswith("/models") for r in emulator.requests)

    result, _ = run_cell(ip, "%gemini frobnicate")
    assert not result.success
    assert f"Commands: {', '.join(SUBCOMMANDS)}." in str(result.error_in_exec)
    assert {"model", "models", "cost", "reset", "history", "help"} <= set(SUBCOMMANDS)

    _, captured = run_cell(ip, "%gemini help")
    assert "%gemini cost" in captured.stdout


def test_config_traitlets(ip, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.model = 'google/gemini-2.5-flash-lite'")
    ip.run_line_magic("config", "GeminiMagics.app_title = 'My Course'")
    run_cell(ip, "%%gemini\nhi")
    request = emulator.requests[-1]
    assert request.json["model"] == "google/gemini-2.5-flash-lite"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-title"] == "My Course"
    assert headers["x-openrouter-title"] == "My Course"
    assert headers["http-referer"].startswith("https://")


def test_base_url_traitlet_beats_environment(ip, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.base_url = 'http://127.0.0.1:9/api/v1'")
    result, _ = run_cell(ip, "%%gemini\nhi")
    assert not result.success
    (line,) = result.error_in_exec._render_traceback_()
    assert "Cannot connect to http://127.0.0.1:9/api/v1" in line


def test_help_shows_options(ip):
    doc = ip.find_cell_magic("gemini").__doc__
    for option in ("--model", "--format", "--system", "--temperature", "--max-tokens", "--new", "--no-stream"):
        assert option in doc


def test_key_never_appears_in_anything_shown(ip, emulator: Emulator):
    cells = [
        "%%gemini\nhello",
        "%%gemini -f code\ncode please",
        "%%gemini -m google/gemini-flash-1.5\nremoved",
        "%%gemini\n{undefined_thing}",
        "%gemini cost",
        "%gemini models",
        "%gemini history",
    ]
    for cell in cells:
        result, captured = run_cell(ip, cell)
        assert TEST_KEY not in all_text(captured, result)
    assert TEST_KEY not in repr(magics(ip).session.keys)
    assert TEST_KEY not in repr(magics(ip).session.client().config)


@pytest.mark.usefixtures("no_key")
def test_emulator_command_needs_no_key_and_touches_no_setting(ip, emulator: Emulator):
    before = magics(ip).base_url
    _, captured = run_cell(ip, "%gemini emulator")
    assert "local OpenRouter emulator at http://127.0.0.1:" in captured.stdout
    result, captured = run_cell(ip, "%%gemini\nHello offline")
    assert result.success, result.error_in_exec
    answer = last_bundle(captured)[RESPONSE_MIME]
    assert answer["emulator"] is True and "local emulator" in answer["footer"]
    assert emulator.requests == []  # answered by the session's own emulator, not the test one
    assert magics(ip).base_url == before
    run_cell(ip, "%gemini emulator off")
    result, _ = run_cell(ip, "%%gemini\nHello again")
    assert "OPENROUTER_API_KEY" in str(result.error_in_exec)  # back to OpenRouter, which needs a key


def test_widget_commands_fall_back_to_text_without_a_widget_frontend(ip, emulator: Emulator):
    run_cell(ip, "%%gemini\nsomething to count")
    total = magics(ip).session.tally.total
    for command in ("%gemini tally", "%gemini models --pick", "%gemini chat"):
        result, captured = run_cell(ip, command)
        assert result.success, (command, result.error_in_exec)
        shown = captured.stdout + "".join(o.data.get("text/plain", "") for o in captured.outputs)
        assert shown.strip(), command
    _, captured = run_cell(ip, "%gemini tally")
    shown = captured.stdout + "".join(o.data.get("text/plain", "") for o in captured.outputs)
    assert f"${total.normalize():f}" in shown
    result, _ = run_cell(ip, "%gemini models --bogus")
    assert not result.success


def test_the_options_line_follows_the_cells_brace_rules_not_ipythons(ip, emulator: Emulator):
    ip.user_ns["persona"] = "a pirate"
    ip.user_ns["price"] = "99"
    result, _ = run_cell(ip, '%%gemini --system "Answer as {persona}; {{braces}} stay; it costs $price"\nhi')
    assert result.success, result.error_in_exec
    sent = [r for r in emulator.requests if r.path.endswith("/chat/completions")][-1].json
    (system,) = [m["content"] for m in sent["messages"] if m["role"] == "system"]
    assert "Answer as a pirate; {braces} stay; it costs $price" in system  # `$price` is IPython's rule: not applied
    failed, _ = run_cell(ip, '%%gemini --system "Be {undefined_name}"\nhi')
    chats = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert "undefined_name" in str(failed.error_in_exec) and len(chats) == 1  # one sentence, nothing sent


def test_windows_paths_keep_their_backslashes(monkeypatch: pytest.MonkeyPatch):
    from jupyter_gemini._ipython import _argv

    assert _argv.split_line('--system "Be terse." -m x') == ["--system", "Be terse.", "-m", "x"]
    monkeypatch.setattr(_argv.sys, "platform", "win32")
    assert _argv.split_line(r"--file C:\Users\me\data.csv") == ["--file", r"C:\Users\me\data.csv"]


def test_cell_help_groups_the_map_options(ip):
    doc = ip.magics_manager.magics["cell"]["gemini"].__doc__
    group = doc.index("one question per row (--map):")
    options, grouped = doc[doc.index("options:") : group], doc[group:]
    flags = ("--map NAME", "--out COLUMN", "--overwrite", "--concurrency")
    assert all(f in grouped and f not in options for f in flags)
    assert "--system" in options


def test_subcommand_help_is_generated_from_its_parser(ip):
    from jupyter_gemini._ipython._command_parser import LINE_HELP, SUBCOMMANDS

    result, captured = run_cell(ip, "%gemini budget --help")
    out = captured.stdout
    assert result.success and "usage: %gemini budget" in out and "USD|off" in out
    assert all(f"%gemini {name}" in LINE_HELP for name in SUBCOMMANDS)
    assert "%gemini help" in ip.magics_manager.magics["line"]["gemini"].__doc__  # what %gemini? shows
    result, captured = run_cell(ip, "%gemini help")
    assert captured.stdout.strip() == LINE_HELP.strip()
    for line, words in [
        ("%gemini budget 1 2", "Unrecognized arguments: 2"),
        ("%gemini key --clear --save", "not allowed with argument --clear"),
        ("%gemini cache wipe", "invalid choice: 'wipe'"),
    ]:
        result, _ = run_cell(ip, line)
        assert words in str(result.error_in_exec) and "Usage: %gemini" in str(result.error_in_exec), line
