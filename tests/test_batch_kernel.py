"""Pay once, in real kernels: cache, recording and keyless replay, and `map` with faults and interrupts."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_KEY
from jupyter_client.manager import start_new_kernel
from test_kernel import execute, until_idle

from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator

pytestmark = pytest.mark.kernel


def start(emulator: Emulator, cwd: Path, *, key: bool = True) -> tuple[Any, Any]:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env["OPENROUTER_BASE_URL"] = emulator.base_url
    env["JUPYTER_GEMINI_CACHE_DIR"] = str(cwd / "cache")
    if key:
        env["OPENROUTER_API_KEY"] = TEST_KEY
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(cwd))
    execute(kc, "%load_ext jupyter_gemini\nimport json, jupyter_gemini")
    return km, kc


def stop(km: Any, kc: Any) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def final_answer(messages: list[dict[str, Any]]) -> dict[str, Any]:
    updates = [m["content"]["data"] for m in messages if m["msg_type"] == "update_display_data"]
    return updates[-1][RESPONSE_MIME]


def printed(messages: list[dict[str, Any]]) -> Any:
    (text,) = [m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["text"][0] == "{"]
    return json.loads(text)


def chat_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("/chat/completions"))


@pytest.fixture
def kernel_in(emulator: Emulator, tmp_path: Path):
    km, kc = start(emulator, tmp_path)
    yield kc
    stop(km, kc)


def test_cache_hit_miss_and_refresh(kernel_in, emulator: Emulator):
    first = final_answer(execute(kernel_in, "%%gemini --new --temperature 0\nCache me"))
    second = final_answer(execute(kernel_in, "%%gemini --new --temperature 0\nCache me"))
    assert first["status"] == "complete" and second["status"] == "cached"
    assert second["cost"] == "0" and second["saved"] == first["cost"]
    assert chat_requests(emulator) == 1
    refreshed = final_answer(execute(kernel_in, "%%gemini --new --temperature 0 --refresh\nCache me"))
    assert refreshed["status"] == "complete" and chat_requests(emulator) == 2


def test_record_then_replay_in_a_kernel_with_no_key(emulator: Emulator, tmp_path: Path):
    cells = ["%%gemini\nWhat is a join?", "%%gemini\nAnd a left join?", "%%gemini -f code\nShow one in pandas"]
    km, kc = start(emulator, tmp_path)
    try:
        execute(kc, "%gemini record lesson.jsonl")
        recorded = [final_answer(execute(kc, cell))["text"] for cell in cells]
        execute(kc, "%gemini record off")
    finally:
        stop(km, kc)
    recording = (tmp_path / "lesson.jsonl").read_text()
    assert TEST_KEY not in recording

    emulator.reset()
    km, kc = start(emulator, tmp_path, key=False)  # a student: no key at all
    try:
        execute(kc, "%gemini replay lesson.jsonl")
        replayed = [final_answer(execute(kc, cell)) for cell in cells]
        tally = printed(execute(kc, "print(json.dumps(jupyter_gemini.current_session().tally.to_json()))"))
    finally:
        stop(km, kc)
    assert [r["text"] for r in replayed] == recorded
    assert all(r["status"] == "cached" for r in replayed)
    assert emulator.requests == []  # no network
    assert tally["total"] == "0" and tally["cached_requests"] == 3


MAP_SETUP = """
import pandas as pd
rows = pd.DataFrame({"review": [f"review {i}" for i in range(30)]})
"""
MAP_RUN = """
answers = jupyter_gemini.map("Sentiment of {review}", rows, concurrency=4)
failed = [i for i, a in answers.items() if isinstance(a, jupyter_gemini.RowError)]
print(json.dumps({"rows": len(answers), "failed": failed}))
"""


def test_map_with_faults_loses_no_rows_and_reruns_only_failures(kernel_in, emulator: Emulator):
    execute(kernel_in, "%config GeminiMagics.max_retries = 0\n" + MAP_SETUP)
    emulator.config.fault_rate = 0.25
    emulator.config.seed = 5
    emulator.config.fault_pool = ("http:502", "http:503", "error200", "drop")
    first = printed(execute(kernel_in, MAP_RUN))
    assert first["rows"] == 30 and 0 < len(first["failed"]) < 30
    emulator.config.fault_rate = 0.0
    before = chat_requests(emulator)
    second = printed(execute(kernel_in, MAP_RUN))
    assert second == {"rows": 30, "failed": []}
    assert chat_requests(emulator) - before == len(first["failed"])


LEDGER = (
    "from jupyter_gemini._cost._tally import process_tally\nprint(json.dumps({'requests': process_tally().requests}))"
)


def test_map_interrupt_keeps_finished_rows(emulator: Emulator, tmp_path: Path):
    emulator.config.ttft = 0.5
    km, kc = start(emulator, tmp_path)
    try:
        execute(kc, MAP_SETUP)
        msg_id = kc.execute(MAP_RUN)
        # A few rows in, observed (the first openai import alone can take over a second on a cold machine).
        deadline = time.monotonic() + 60
        while sum(1 for g in emulator.generations.values() if g.ended is not None) < 4:
            assert time.monotonic() < deadline, "no rows were answered"
            time.sleep(0.01)
        km.interrupt_kernel()
        messages = until_idle(kc, msg_id, [])
        result = printed(messages)
        assert not [m for m in messages if m["msg_type"] == "error"]  # the batch returned what it had
        assert result["rows"] == 30 and 0 < len(result["failed"]) < 30
        # Every request enters the ledger as it is sent: what the interrupted batch sent, counted in the kernel.
        sent = printed(execute(kc, LEDGER))["requests"]
        emulator.config.ttft = 0.0
        assert printed(execute(kc, MAP_RUN))["failed"] == []
        # Stopped: the re-run sent only the failed rows; nothing else was sent meanwhile, not even
        # by a worker of the first batch still running (it would have had the whole re-run to do it).
        assert printed(execute(kc, LEDGER))["requests"] == sent + len(result["failed"])
        assert chat_requests(emulator) <= sent + len(result["failed"])
    finally:
        stop(km, kc)


def test_map_budget_refusal_is_one_line(kernel_in, emulator: Emulator):
    execute(kernel_in, MAP_SETUP + "%gemini budget 0.000001")
    messages = execute(kernel_in, MAP_RUN)
    (error,) = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert error["ename"] == "BudgetError" and len(error["traceback"]) == 1
    assert "Mapping 30 rows could cost up to" in error["traceback"][0]
    assert chat_requests(emulator) == 0
