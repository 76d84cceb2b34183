"""Every failure in a real kernel: the message, the text kept, the tally, the next cell; then a soak."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import TEST_KEY
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from test_kernel import execute

from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator

pytestmark = pytest.mark.kernel

# (fault directive, words in the one-line error, whether text streamed before the failure)
FAULTS = [
    ("http:400", "not a valid model ID", False),
    ("http:401", "rejected the API key", False),
    ("http:402", "--max-tokens", False),
    ("http:403", "moderation", False),
    ("http:404", "No endpoints found", False),
    ("http:408", "timed out", False),
    ("http:413", "too large", False),
    ("http:429", "rate limiting", False),
    ("http:502", "provider failed", False),
    ("http:503", "provider failed", False),
    ("error200", "Service temporarily overloaded", False),
    ("midstream", "error during the answer", True),
    ("drop", "connection dropped", True),
    ("malformed", "malformed chunk", True),
    ("stall stall=30 stall_silent=1", "sent nothing for 0.5 s", True),
]


@pytest.fixture(scope="module")
def fault_kernel(emulator_server: Emulator):
    env = {**os.environ, "OPENROUTER_BASE_URL": emulator_server.base_url, "OPENROUTER_API_KEY": TEST_KEY}
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def outputs_of(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m["content"] for m in messages if m["msg_type"] == kind]


def tally_json(kc: Any) -> dict[str, Any]:
    (data,) = [c["data"] for c in outputs_of(execute(kc, "%gemini cost"), "display_data")]
    return data["application/vnd.jupyter-gemini.tally+json"]


def test_every_fault_in_a_real_kernel(fault_kernel, emulator: Emulator):
    kc = fault_kernel
    execute(kc, "%reload_ext jupyter_gemini")
    execute(kc, "%config GeminiMagics.max_retries = 0\n%config GeminiMagics.stall_timeout = 0.5")
    lost = []
    for fault, words, streamed in FAULTS:
        before = tally_json(kc)
        messages = execute(kc, f"%%gemini\n[[emulator: tokens=60 after=20 fault={fault}]] what went wrong?")
        (error,) = outputs_of(messages, "error")
        assert len(error["traceback"]) == 1, fault  # one line, no traceback wall
        assert words in error["traceback"][0], (fault, error["traceback"])
        assert TEST_KEY not in json.dumps(messages, default=str)
        after = tally_json(kc)
        updates = outputs_of(messages, "update_display_data")
        if streamed:
            final = updates[-1]["data"][RESPONSE_MIME]
            assert final["status"] == "partial", fault
            if not final["text"].startswith("*Answer from the local OpenRouter emulator"):
                lost.append(fault)
            assert after["requests"] == before["requests"] + 1, fault  # counted, estimated
            assert Decimal(after["total"]) > Decimal(before["total"])
        else:
            assert after == before, fault  # nothing billed, nothing counted
        answer = execute(kc, "%%gemini\nstill there?")
        assert not outputs_of(answer, "error"), fault
    assert lost == []


def test_saved_notebook_never_holds_the_key(emulator: Emulator, tmp_path: Path):
    cells = [
        "%load_ext jupyter_gemini",
        "%config GeminiMagics.max_retries = 0",
        *[f"%%gemini\n[[emulator: tokens=30 after=10 fault={f}]] q" for f, _, _ in FAULTS[:-1]],
        "%%gemini -m google/gemini-flash-1.5\nremoved",
        "%%gemini\n{undefined_name}",
        "%%gemini\nfine",
        "%%gemini -f code\ncode",
        "%gemini debug",
        "%gemini models",
        "%gemini history",
        "%gemini cost --reconcile",
        "%gemini key",  # no stdin under nbclient: a clear error
        "%config GeminiMagics",
        "import jupyter_gemini\ns = jupyter_gemini.current_session()\nprint(repr(s.keys), s.client().config)",
        "s.last_response",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    path = tmp_path / "errors.ipynb"
    nbformat.write(nb, path)
    saved = path.read_bytes()
    assert TEST_KEY.encode() not in saved
    assert TEST_KEY[-24:].encode() not in saved  # not even a long fragment
    errors = [o for cell in nb.cells for o in cell.outputs if o["output_type"] == "error"]
    assert len(errors) >= len(FAULTS)  # the error paths really ran
    assert all(len(e["traceback"]) == 1 for e in errors)


SOAK = """
import gc, json
from jupyter_gemini import GeminiError
ip = get_ipython()

def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

def ask(i):
    try:
        ip.run_cell_magic("gemini", "--new", f"soak question {i}")
        return "answer"
    except GeminiError as error:
        text = str(error)
        assert text and "\\n" not in text, text
        return "error:" + type(error).__name__

outcomes = [ask(i) for i in range(50)]
gc.collect()
before = rss_kb()
outcomes += [ask(i) for i in range(50, 500)]
gc.collect()
after = rss_kb()
print(json.dumps({"outcomes": outcomes, "grown_kb": after - before}))
"""


def test_soak_500_requests_with_random_faults(emulator: Emulator):
    emulator.config.fault_rate = 0.1
    emulator.config.seed = 2026
    emulator.reset()  # restart the seeded fault sequence
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        execute(kc, "%load_ext jupyter_gemini\n%config GeminiMagics.stall_timeout = 5")
        messages = execute(kc, SOAK, timeout=600)
        assert not outputs_of(messages, "error")
        (result,) = [json.loads(c["text"]) for c in outputs_of(messages, "stream") if c["text"].startswith("{")]
        execute(kc, "%gemini cost --reconcile")
        tally = tally_json(kc)
    finally:
        emulator.config.fault_rate = 0.0
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    outcomes = result["outcomes"]
    assert len(outcomes) == 500  # every request ended with an answer or a clear error
    errors = [o for o in outcomes if o != "answer"]
    faults_injected = sum(1 for r in emulator.requests if r.path.endswith("/chat/completions")) - 500
    assert 10 < len(errors) < 100, errors
    assert faults_injected >= 0
    # The tally, once estimates are settled, equals the emulator's own record of billed cost.
    assert Decimal(tally["total"]) == emulator.billed_total
    assert tally["estimated"] is False
    assert result["grown_kb"] < 5 * 1024, result["grown_kb"]
    print(
        f"\nsoak: 500 requests, {len(errors)} ended in a clear error, {faults_injected} retried, "
        f"tally {tally['total']} == billed {emulator.billed_total}, memory +{result['grown_kb']} KB"
    )
