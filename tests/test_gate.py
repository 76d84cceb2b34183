"""The key never leaves the kernel except in the Authorization header, whatever the user interpolates.

Property tests build random values that hold a key (nested containers, DataFrames,
environment mappings, f-strings, free text) and send them down every prompt path
(`%%gemini`, `--dry-run`, `ask()`, the chat panel, `map`) through the real shell,
the real openai SDK and real HTTP to the emulator. Then they read every place the
key could end up: the bytes the emulator received, the answer cache, a recording,
`%gemini history`, the cell's outputs and the conversation.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import TEST_KEY, all_text, magics, run_cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jupyter_gemini
from jupyter_gemini._keys import redact
from jupyter_gemini._transport._gate import check_body
from jupyter_gemini._widgets import _chat, chat_panel
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.errors import KeyInPromptError

#: A second key, typed with `%gemini key` (so it is the one requests are sent with).
TYPED_KEY = "sk-or-v1-typed-" + secrets.token_hex(24)
KEYS = (TEST_KEY, TYPED_KEY)
EXAMPLES = 25
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- values that hold a key --------------------------------------------------------

_key = st.sampled_from(KEYS)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_with_key = st.builds(lambda before, key, after: f"{before}{key}{after}", _text, _key, _text)
_leaf = st.one_of(_with_key, _text, st.integers(), st.none())


def _frame(cells: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"note": cells, "n": range(len(cells))})


def _environ_like(key: str) -> dict[str, str]:
    return {**dict(os.environ), "MY_SECRET": key}


_values = st.one_of(
    _with_key,
    st.recursive(
        _leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4), max_leaves=12
    ).filter(lambda v: any(k in repr(v) for k in KEYS)),
    st.lists(_with_key, min_size=1, max_size=5).map(_frame),
    _key.map(_environ_like),
    st.builds(lambda key, width: f"{'token':>{width}}={key!s}", _key, st.integers(0, 12)),  # an f-string result
    st.just(os.environ),
)

# -- where a key could end up -------------------------------------------------------


@pytest.fixture
def keyed(ip: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The shell with a typed key, a recording on and the chat panel's settle delay off."""
    magics(ip).session.keys.set(TYPED_KEY)
    monkeypatch.setattr(_chat, "SUBMIT_SETTLE_SECONDS", 0.0)
    run_cell(ip, f"%gemini record {tmp_path / 'class.recording.jsonl'}")
    yield ip
    run_cell(ip, "%gemini record off")


def leaks(ip: Any, emulator: Emulator, tmp_path: Path, *shown: str) -> list[str]:
    """Where either key appears: emulator bodies, files, history, conversation and `shown` text."""
    places: dict[str, str] = {
        f"request {n}": json.dumps(r.json) + json.dumps(r.headers) + r.query for n, r in enumerate(emulator.requests)
    }
    for path in [*Path(os.environ["JUPYTER_GEMINI_CACHE_DIR"]).rglob("*"), *tmp_path.rglob("*.jsonl")]:
        if path.is_file():
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    _, history = run_cell(ip, "%gemini history")
    places["%gemini history"] = all_text(history)
    places["conversation"] = repr(list(magics(ip).session.conversation))
    places.update({f"shown {n}": text for n, text in enumerate(shown)})
    return [where for where, text in places.items() for key in KEYS if key in text]


def chat_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("/chat/completions"))


# -- properties -------------------------------------------------------------------


@PROPERTY
@given(value=_values)
def test_interpolated_values_go_out_masked(keyed: Any, emulator: Emulator, tmp_path: Path, value: Any):
    keyed.user_ns["secretive"] = value
    result, captured = run_cell(keyed, "%%gemini --cache --temperature 0\nWhat is in this? {secretive}")
    assert result.error_in_exec is None, all_text(captured, result)
    assert leaks(keyed, emulator, tmp_path, all_text(captured, result)) == []


@PROPERTY
@given(value=_values)
def test_dry_run_shows_values_masked(keyed: Any, emulator: Emulator, tmp_path: Path, value: Any):
    keyed.user_ns["secretive"] = value
    result, captured = run_cell(keyed, "%%gemini --dry-run\nLook: {secretive}")
    assert result.error_in_exec is None
    assert chat_requests(emulator) == 0
    assert leaks(keyed, emulator, tmp_path, all_text(captured, result)) == []


@PROPERTY
@given(text=_with_key, where=st.sampled_from(["cell", "system", "dry-run"]))
def test_a_typed_key_is_refused_with_one_sentence(keyed: Any, emulator: Emulator, tmp_path: Path, text: str, where):
    keyed.user_ns["system_text"] = text
    source = {
        "cell": f"%%gemini\nPlease check {text}",
        "system": "import jupyter_gemini\njupyter_gemini.ask('Hello', system=system_text)",
        "dry-run": f"%%gemini --dry-run\n{text}",
    }[where]
    result, captured = run_cell(keyed, source)
    error = result.error_in_exec
    assert isinstance(error, KeyInPromptError), all_text(captured, result)
    assert len(error._render_traceback_()) == 1 and "nothing was sent" in str(error)
    assert chat_requests(emulator) == 0
    assert leaks(keyed, emulator, tmp_path, all_text(captured, result)) == []


@PROPERTY
@given(text=_with_key)
def test_ask_refuses_a_prompt_that_holds_a_key(keyed: Any, emulator: Emulator, tmp_path: Path, text: str):
    with pytest.raises(KeyInPromptError) as refused:
        jupyter_gemini.ask(f"Summarise: {text}")
    assert chat_requests(emulator) == 0
    assert leaks(keyed, emulator, tmp_path, str(refused.value)) == []


@settings(PROPERTY, max_examples=15)
@given(value=_values)
def test_chat_panel_sends_values_masked(keyed: Any, emulator: Emulator, tmp_path: Path, value: Any):
    keyed.user_ns["secretive"] = value
    panel = chat_panel(magics(keyed).session)
    try:
        panel.widget  # noqa: B018 - build it
        panel.prompt.value = "What is this? {secretive}"
        assert panel.send()
        assert panel.wait(30)
        state = json.dumps([w.get_state() for w in panel.turns()], default=str) + panel.status.value
        assert leaks(keyed, emulator, tmp_path, state) == []
    finally:
        panel.close()


@settings(PROPERTY, max_examples=15)
@given(cells=st.lists(st.one_of(_with_key, _text), min_size=1, max_size=6))
def test_map_rows_go_out_masked(keyed: Any, emulator: Emulator, tmp_path: Path, cells: list[str]):
    frame = _frame(cells)
    answers = jupyter_gemini.map("Classify: {note} (row {n})", frame, concurrency=4)
    assert len(answers) == len(cells)
    assert leaks(keyed, emulator, tmp_path, answers.to_string()) == []


def test_map_template_with_a_key_sends_no_row(keyed: Any, emulator: Emulator):
    with pytest.raises(KeyInPromptError):
        jupyter_gemini.map(f"Use {TEST_KEY} for {{value}}", ["a", "b", "c"])
    assert chat_requests(emulator) == 0


# -- the gate itself ------------------------------------------------------------------


def test_the_gate_sees_keys_anywhere_in_the_body(keyed: Any):
    for body in (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": f"x{TYPED_KEY}y"}]}]},
        {"messages": [{"role": "system", "content": TEST_KEY}]},
        {"messages": [], "user": "sk-or-v1-" + "ab" * 32},  # key-shaped, though no known key
    ):
        with pytest.raises(KeyInPromptError) as refused:
            check_body(body)
        assert TYPED_KEY not in str(refused.value) and TEST_KEY not in str(refused.value)


def test_a_key_that_is_not_key_shaped_is_still_a_secret(ip: Any, emulator: Emulator):
    odd = "custom-proxy-secret-" + secrets.token_hex(8)
    magics(ip).session.keys.set(odd)
    assert odd not in redact(f"echo {odd}")
    with pytest.raises(KeyInPromptError):
        check_body({"messages": [{"role": "user", "content": odd}]})
