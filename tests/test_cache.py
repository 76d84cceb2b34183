"""Pay once: the answer cache and recordings, through the real shell, SDK and emulator."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import TEST_KEY, last_bundle, magics, run_cell

from jupyter_gemini._cost._usage import Usage
from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini._store._cache import ResponseCache, request_key
from jupyter_gemini._store._recording import RecordingError
from jupyter_gemini._transport._answer import Answer
from jupyter_gemini._transport._wire import ChatRequest
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.errors import MissingKeyError


def chat_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("/chat/completions"))


def test_temperature_zero_is_cached_by_default(ip, emulator: Emulator):
    first, _ = run_cell(ip, "%%gemini --new --temperature 0\nWhat is a join?")
    assert first.success
    paid = magics(ip).session.tally.total
    second, captured = run_cell(ip, "%%gemini --new --temperature 0\nWhat is a join?")
    assert second.success
    assert chat_requests(emulator) == 1  # the second answer cost nothing and sent nothing
    answer = last_bundle(captured)[RESPONSE_MIME]
    assert answer["status"] == "cached" and answer["cost"] == "0"
    assert Decimal(answer["saved"]) == paid
    assert f"cached · $0 (saved ${paid.normalize():f})" in answer["footer"]
    tally = magics(ip).session.tally
    assert tally.total == paid and tally.saved == paid and tally.cached_requests == 1
    _, captured = run_cell(ip, "%gemini cost")
    assert "The cache answered 1 question(s) for $0" in captured.outputs[-1].data["text/plain"]


def test_sampled_answers_are_not_cached_unless_asked(ip, emulator: Emulator):
    for _ in range(2):
        run_cell(ip, "%%gemini --new\nA sampled answer")
    assert chat_requests(emulator) == 2
    for _ in range(2):
        run_cell(ip, "%%gemini --new --cache\nCache this one")
    assert chat_requests(emulator) == 3
    for _ in range(2):
        run_cell(ip, "%%gemini --new --temperature 0 --no-cache\nNever cache this")
    assert chat_requests(emulator) == 5


def test_refresh_asks_again_and_replaces(ip, emulator: Emulator):
    run_cell(ip, "%%gemini --new --temperature 0\nRefresh me")
    result, captured = run_cell(ip, "%%gemini --new --temperature 0 --refresh\nRefresh me")
    assert result.success and chat_requests(emulator) == 2
    assert last_bundle(captured)[RESPONSE_MIME]["status"] == "complete"
    run_cell(ip, "%%gemini --new --temperature 0\nRefresh me")
    assert chat_requests(emulator) == 2  # served from the refreshed entry


def test_contradictory_options(ip, emulator: Emulator):
    for line in ("--cache --no-cache", "--refresh --no-cache"):
        result, _ = run_cell(ip, f"%%gemini {line}\nx")
        assert not result.success
    assert emulator.requests == []


def test_key_covers_what_shapes_the_answer():
    def request(**changes) -> ChatRequest:
        fields = dict(model="m", messages=[{"role": "user", "content": "q"}], temperature=0.0, max_tokens=None)
        fields.update(changes)
        return ChatRequest(**fields)

    base = request_key(request(), base_url="u")
    assert base == request_key(request(), base_url="u")
    for changed in (request(model="n"), request(temperature=0.5), request(max_tokens=5)):
        assert request_key(changed, base_url="u") != base
    assert request_key(request(), base_url="v") != base
    assert request_key(request(temperature=0), base_url="u") == base  # the API's 0 is the magic's 0.0

    def with_image(data: bytes) -> ChatRequest:
        url = "data:image/png;base64," + base64.b64encode(data).decode()
        part = {"type": "image_url", "image_url": {"url": url}}
        return request(messages=[{"role": "user", "content": [{"type": "text", "text": "q"}, part]}])

    assert request_key(with_image(b"one"), base_url="u") == request_key(with_image(b"one"), base_url="u")
    assert request_key(with_image(b"one"), base_url="u") != request_key(with_image(b"two"), base_url="u")


def test_cache_survives_a_new_process(ip, emulator: Emulator):
    run_cell(ip, "%%gemini --new --temperature 0\nRemember me across kernels")
    code = (
        "import jupyter_gemini\n"
        "r = jupyter_gemini.ask('Remember me across kernels', temperature=0, new=True)\n"
        "print(r.status, r.saved)\n"
    )
    env = {**os.environ, "OPENROUTER_API_KEY": "sk-or-invalid"}  # a request would fail: only the cache can answer
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    status, saved = done.stdout.split()
    assert status == "cached" and Decimal(saved) > 0
    assert chat_requests(emulator) == 1


def test_writes_are_atomic_when_the_process_dies(tmp_path: Path):
    code = f"""
import os
from decimal import Decimal
from pathlib import Path
from jupyter_gemini._store._cache import ResponseCache
from jupyter_gemini._transport._answer import Answer
from jupyter_gemini._cost._usage import Usage
cache = ResponseCache(Path({str(tmp_path)!r}))
answer = Answer(model="m", usage=Usage(1, 2), cost=Decimal("0.001"), cost_estimated=False)
answer.text = "x" * 5000
for i in range(300):
    cache.put(f"key{{i}}", answer)
    if i == 150:
        os._exit(1)  # a kernel crash: no close, no cleanup
"""
    subprocess.run([sys.executable, "-c", code], check=False)
    database = tmp_path / "answers.sqlite3"
    assert sqlite3.connect(database).execute("pragma integrity_check").fetchone()[0] == "ok"
    cache = ResponseCache(tmp_path)
    assert len(cache) == 151
    stored = cache.get("key150", Answer)
    assert stored is not None
    assert (stored.text, stored.model, stored.usage, stored.cost) == ("x" * 5000, "m", Usage(1, 2), Decimal("0.001"))


def test_record_then_replay_with_no_key(ip, emulator: Emulator, tmp_path: Path, monkeypatch):
    recording = tmp_path / "lesson.recording.jsonl"
    run_cell(ip, f"%gemini record {recording}")
    cells = [
        "%%gemini\nFirst question",
        "%%gemini\nA follow-up",
        "%%gemini -f code\nSome code",
        "%%gemini --new\nAfresh",
    ]
    for cell in cells:
        assert run_cell(ip, cell)[0].success
    _, captured = run_cell(ip, "%gemini record off")
    assert "holds 4 answer(s)" in captured.stdout
    paid = magics(ip).session.tally.total
    text = recording.read_text()
    assert TEST_KEY not in text and "127.0.0.1" not in text
    assert len(text.splitlines()) == 5  # a header and one line per answer

    # A student: no key, no network (nothing reaches the emulator), same cells.
    monkeypatch.delenv("OPENROUTER_API_KEY")
    ip.run_line_magic("reload_ext", "jupyter_gemini")
    emulator.reset()
    run_cell(ip, f"%gemini replay {recording}")
    for cell in cells:
        result, captured = run_cell(ip, cell)
        assert result.success, result.error_in_exec
        answer = last_bundle(captured)[RESPONSE_MIME]
        assert answer["status"] == "cached" and "replayed from a recording" in answer["footer"]
    assert emulator.requests == []
    tally = magics(ip).session.tally
    assert tally.total == paid and tally.saved == paid  # the spend outlives %reload_ext; replays add $0

    result, _ = run_cell(ip, "%%gemini\nA question nobody recorded")
    assert isinstance(result.error_in_exec, RecordingError)
    assert "not in the recording lesson.recording.jsonl" in str(result.error_in_exec)
    assert emulator.requests == []

    run_cell(ip, f"%gemini replay {recording} --fall-through")
    result, _ = run_cell(ip, "%%gemini\nA question nobody recorded")
    assert isinstance(result.error_in_exec, MissingKeyError)  # it would go to OpenRouter, which needs a key


def test_bad_recordings_are_clear_errors(ip, tmp_path: Path):
    result, _ = run_cell(ip, f"%gemini replay {tmp_path / 'missing.jsonl'}")
    assert "There is no recording" in str(result.error_in_exec)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "jupyter-gemini-recording", "version": 1}\n{not json\n')
    result, _ = run_cell(ip, f"%gemini replay {broken}")
    assert "line 2" in str(result.error_in_exec)


def test_cache_command(ip, emulator: Emulator):
    run_cell(ip, "%%gemini --new --temperature 0\ncache info")
    _, captured = run_cell(ip, "%gemini cache")
    assert "cached answer(s) in" in captured.stdout
    _, captured = run_cell(ip, "%gemini cache clear")
    assert "Removed" in captured.stdout
    assert len(magics(ip).session.paid.cache) == 0


@pytest.mark.parametrize("text", ["", "x" * 100_000])
def test_stored_answer_round_trips(text):
    answer = Answer(
        model="m",
        usage=Usage(3, 4, 1, 2),
        cost=Decimal("0.0001036"),
        cost_estimated=False,
        generation_id="gen-1",
        provider="p",
        finish_reason="stop",
    )
    answer.text = text
    again = Answer.from_json(json.loads(json.dumps(answer.to_json())))
    assert again.to_json() == answer.to_json()
    assert (again.text, again.usage, again.cost) == (text, Usage(3, 4, 1, 2), Decimal("0.0001036"))
