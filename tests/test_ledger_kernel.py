"""The fault-and-interrupt matrix, in a real kernel: after `--reconcile`, the tally equals what the
emulator billed, or it says it is an estimate (≈) and its upper bound covers the bill.

Every interrupt waits for an observed event (the request billed, the answer view started, a chunk
shown, rows in flight), never for a fixed time.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_batch_kernel import start, stop
from test_kernel import execute, until_idle

from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator

pytestmark = pytest.mark.kernel

Messages = list[dict[str, Any]]

LEDGER = """
from jupyter_gemini._cost._tally import process_tally as _ledger
print(json.dumps({"total": str(_ledger().total), "estimated": _ledger().estimated,
                  "bound": str(_ledger().upper_bound), "requests": _ledger().requests}))
"""
RESET = "from jupyter_gemini._cost._tally import process_tally as _ledger\n_ledger().reset()"
MAP = """
import pandas as pd
rows = pd.DataFrame({"review": [f"review {i}" for i in range(12)]})
answers = jupyter_gemini.map("Sentiment of {review}", rows, concurrency=4)
"""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll for an observed event; fail with `what` if it never happens."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never observed: {what}"
        time.sleep(0.01)


def interrupt_when(km: Any, kc: Any, code: str, ready: Callable[[Messages], bool]) -> Messages:
    """Run `code`, interrupt the kernel once `ready(messages so far)`, return every message to idle."""
    msg_id, messages = kc.execute(code), []
    deadline = time.monotonic() + 60
    while not ready(messages):
        assert time.monotonic() < deadline, f"never ready to interrupt: {code!r}"
        try:
            msg = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            messages.append(msg)
            finished = msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
            assert not finished, f"the cell ended before it could be interrupted: {errors(messages) or messages}"
    km.interrupt_kernel()
    return until_idle(kc, msg_id, messages)


def ledger(kc: Any) -> dict[str, Any]:
    streams = [m["content"] for m in execute(kc, LEDGER) if m["msg_type"] == "stream"]
    assert all(s["name"] == "stdout" for s in streams), streams  # nothing on stderr (no stray traceback)
    return json.loads("".join(s["text"] for s in streams))


def shown_text(messages: Messages) -> bool:
    updates = [m["content"]["data"].get(RESPONSE_MIME, {}) for m in messages if m["msg_type"] == "update_display_data"]
    return any(u.get("text") for u in updates)


def errors(messages: Messages) -> list[str]:
    return [line for m in messages if m["msg_type"] == "error" for line in m["content"]["traceback"]]


@pytest.fixture
def kernel(emulator: Emulator, tmp_path: Path):
    km, kc = start(emulator, tmp_path)
    execute(kc, "%config GeminiMagics.max_retries = 0")
    yield km, kc
    stop(km, kc)


def test_interrupt_and_fault_matrix(kernel, emulator: Emulator, capsys: pytest.CaptureFixture[str]):
    km, kc = kernel
    billed_requests = lambda: len(emulator.generations)  # noqa: E731
    in_flight = lambda: sum(1 for r in emulator.requests if r.path.endswith("/chat/completions"))  # noqa: E731

    def cell_before_first_byte() -> Messages:
        return interrupt_when(km, kc, "%%gemini\n[[emulator: accept=30]] wait", lambda _: billed_requests() >= 1)

    def cell_before_first_token() -> Messages:
        return interrupt_when(
            km,
            kc,
            "%%gemini\n[[emulator: ttft=30]] think first",
            lambda ms: any(m["msg_type"] == "display_data" for m in ms),  # the answer view started
        )

    def cell_mid_stream() -> Messages:
        return interrupt_when(km, kc, "%%gemini\n[[emulator: tokens=400 tps=40]] go on", shown_text)

    def cell_no_stream() -> Messages:
        messages = interrupt_when(
            km, kc, "%%gemini --no-stream\n[[emulator: ttft=0.5]] quietly", lambda _: in_flight() >= 1
        )
        wait_for(lambda: billed_requests() >= 1, "the emulator billing the abandoned answer")
        return messages

    def cell_malformed_no_stream() -> Messages:
        return execute(kc, "%%gemini --no-stream\n[[emulator: fault=malformed]] broken body")

    def cell_map_in_flight() -> Messages:
        emulator.config.ttft = 1.0  # each row takes a second, so rows are in flight when interrupted
        try:
            return interrupt_when(km, kc, MAP, lambda _: in_flight() >= 4)
        finally:
            emulator.config.ttft = 0.0

    cells: dict[str, tuple[Callable[[], Messages], bool]] = {
        # name: (the cell, whether --reconcile can name and settle it exactly)
        "stream, before the first byte": (cell_before_first_byte, False),
        "stream, before the first token": (cell_before_first_token, True),
        "stream, mid-answer": (cell_mid_stream, True),
        "--no-stream, before the answer": (cell_no_stream, False),
        "--no-stream, malformed body": (cell_malformed_no_stream, True),
        "map, rows in flight": (cell_map_in_flight, True),
    }
    matrix = []
    for name, (cell, exact) in cells.items():
        execute(kc, RESET)
        emulator.reset()
        messages = cell()
        lines = errors(messages)
        assert len(lines) <= 1, (name, lines)  # one sentence at most, never a traceback
        assert not any("Traceback" in line or "JSONDecodeError" in line for line in lines), (name, lines)
        before = ledger(kc)
        assert before["estimated"] or Decimal(before["total"]) == emulator.billed_total, (name, before)
        execute(kc, "%gemini cost --reconcile")
        after, billed = ledger(kc), emulator.billed_total
        total, bound = Decimal(after["total"]), Decimal(after["bound"])
        if exact:
            assert not after["estimated"] and total == billed, (name, after, billed)
        else:
            assert after["estimated"] and bound >= billed, (name, after, billed)
        matrix.append((name, before, after, billed))
    with capsys.disabled():
        print("\n| cell | tally before | after --reconcile | upper bound | billed |")
        for name, before, after, billed in matrix:
            mark = "≈" if after["estimated"] else ""
            was = "≈" if before["estimated"] else ""
            print(f"| {name} | {was}${before['total']} | {mark}${after['total']} | ${after['bound']} | ${billed} |")


def test_map_interrupt_keeps_in_flight_rows_and_the_rerun_pays_only_for_the_rest(kernel, emulator: Emulator):
    km, kc = kernel
    in_flight = lambda: sum(1 for r in emulator.requests if r.path.endswith("/chat/completions"))  # noqa: E731
    emulator.config.ttft = 1.0  # each row takes a second, so rows are in flight when interrupted
    interrupt_when(km, kc, MAP, lambda _: in_flight() >= 4)
    emulator.config.ttft = 0.0
    sent = in_flight()
    assert sent < 12
    first = ledger(kc)
    assert not first["estimated"] and Decimal(first["total"]) == emulator.billed_total
    assert first["requests"] == sent  # every row sent was counted, none lost
    execute(kc, MAP)
    # The rows answered before the interrupt come from the cache; only the others are sent.
    rerun = in_flight() - sent
    assert rerun == 12 - sent
    final = ledger(kc)
    assert Decimal(final["total"]) == emulator.billed_total and not final["estimated"]


def test_reload_ext_keeps_the_spend_and_the_cap(kernel, emulator: Emulator):
    _, kc = kernel
    execute(kc, "%%gemini\nfirst")
    spent = ledger(kc)["total"]
    assert Decimal(spent) > 0
    execute(kc, "%reload_ext jupyter_gemini")
    assert ledger(kc)["total"] == spent
    execute(kc, f"%gemini budget {spent}")
    refused = errors(execute(kc, "%%gemini\nsecond"))
    assert len(refused) == 1 and "budget is used up" in refused[0]
