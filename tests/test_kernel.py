"""A real ipykernel: what frontends receive, and what a headless run saves."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import TEST_KEY
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

from jupyter_gemini._display._bundles import METADATA_KEY, RESPONSE_MIME
from jupyter_gemini.emulator import Emulator

pytestmark = pytest.mark.kernel


def execute(kc: Any, code: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Run code and return every iopub message of that execution, up to idle."""
    return until_idle(kc, kc.execute(code), [], timeout)


def until_idle(kc: Any, msg_id: str, messages: list[dict[str, Any]], timeout: float = 60) -> list[dict[str, Any]]:
    """Add the execution's iopub messages to `messages` until the kernel reports idle."""
    while not (
        messages and messages[-1]["msg_type"] == "status" and messages[-1]["content"]["execution_state"] == "idle"
    ):
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id:
            messages.append(msg)
    return messages


@pytest.fixture
def kernel_pair(emulator: Emulator):
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        execute(kc, "%load_ext jupyter_gemini")
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture
def kernel(kernel_pair):
    return kernel_pair[1]


def test_streaming_sends_display_then_updates(kernel, emulator: Emulator):
    emulator.config.tokens_per_second = 300  # ~0.5 s of streaming: several redraws
    messages = execute(kernel, "%%gemini\n[[emulator: tokens=150]] Stream to me.")
    kinds = [m["msg_type"] for m in messages if m["msg_type"] in ("display_data", "update_display_data", "error")]
    assert kinds[0] == "display_data"
    assert "error" not in kinds
    updates = [m for m in messages if m["msg_type"] == "update_display_data"]
    assert 2 <= len(updates) <= 10
    display_id = messages[[m["msg_type"] for m in messages].index("display_data")]["content"]["transient"]["display_id"]
    assert all(u["content"]["transient"]["display_id"] == display_id for u in updates)
    # Text grows monotonically; the last update is the final answer with its footer.
    texts = [u["content"]["data"][RESPONSE_MIME]["text"] for u in updates]
    assert all(a == b[: len(a)] for a, b in itertools.pairwise(texts))
    final = updates[-1]["content"]
    assert final["data"][RESPONSE_MIME]["status"] == "complete"
    assert final["data"][RESPONSE_MIME]["usage"]["completion_tokens"] == 150
    assert "session \\$" in final["data"]["text/markdown"]
    assert final["metadata"][METADATA_KEY]["generation_id"] in emulator.generations


def test_code_format_sends_set_next_input_payload(kernel, emulator: Emulator):
    msg_id = kernel.execute("%%gemini -f code\nWrite hello world")
    reply = kernel.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kernel.get_shell_msg(timeout=60)
    payloads = reply["content"]["payload"]
    (payload,) = [p for p in payloads if p["source"] == "set_next_input"]
    assert payload["replace"] is False
    assert "emulator" in payload["text"].splitlines()[0]


def test_headless_run_saves_final_text_and_no_key(emulator: Emulator, tmp_path: Path):
    emulator.config.tokens_per_second = 400
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext jupyter_gemini"),
        nbformat.v4.new_code_cell('question = "what {braces} mean"'),
        nbformat.v4.new_code_cell("%%gemini\n[[emulator: tokens=120]] Explain {question}"),
        nbformat.v4.new_code_cell("%%gemini -m google/gemini-flash-1.5\nThis model is gone"),
        nbformat.v4.new_code_cell("%gemini cost"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, path)
    saved = path.read_text()
    assert TEST_KEY not in saved

    answer_outputs = nbformat.read(path, as_version=4).cells[2].outputs
    assert len(answer_outputs) == 1  # one display, updated in place: no stream of copies
    data = answer_outputs[0]["data"]
    final = data[RESPONSE_MIME]
    assert final["status"] == "complete"
    assert final["usage"]["completion_tokens"] == 120
    assert data["text/markdown"].startswith(final["text"])
    assert "in / 120 out tokens" in data["text/markdown"]
    generation = emulator.generations[final["generation_id"]]
    (request,) = [r for r in emulator.requests if r.generation_id == final["generation_id"]]
    assert request.json["messages"][-1]["content"] == "[[emulator: tokens=120]] Explain what {braces} mean"

    (error,) = nb.cells[3].outputs
    assert error["output_type"] == "error"
    assert len(error["traceback"]) == 1  # one sentence, no traceback wall
    assert "no longer available" in error["traceback"][0]

    tally = nb.cells[4].outputs[0]["data"]["application/vnd.jupyter-gemini.tally+json"]
    assert tally["total"] == str(generation.cost)
    assert json.loads(json.dumps(tally))["requests"] == 1


def test_interrupt_keeps_partial_text_and_the_kernel_answers(kernel_pair, emulator: Emulator):
    km, kc = kernel_pair
    emulator.config.tokens_per_second = 40  # 400 tokens would take 10 s
    msg_id = kc.execute("%%gemini\n[[emulator: tokens=400]] A long answer, please.")
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "update_display_data":
            break  # text is arriving: interrupt now
    km.interrupt_kernel()
    until_idle(kc, msg_id, messages)

    (error,) = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert error["ename"] == "InterruptedByUserError"
    assert len(error["traceback"]) == 1 and "text received so far is kept" in error["traceback"][0]
    final = [m for m in messages if m["msg_type"] == "update_display_data"][-1]["content"]["data"][RESPONSE_MIME]
    assert final["status"] == "partial"
    assert final["text"] and "*Answer from the local OpenRouter emulator".startswith(final["text"][:20])
    assert 0 < final["usage"]["completion_tokens"] < 400
    assert final["cost_estimated"] is True  # Google bills the aborted stream; the exact figure comes later

    tally_messages = execute(kc, "%gemini cost")
    shown = [m["content"]["data"] for m in tally_messages if m["msg_type"] == "display_data"]
    (tally,) = [data["application/vnd.jupyter-gemini.tally+json"] for data in shown]
    assert tally["requests"] == 1 and tally["estimated"] is True
    answer = execute(kc, "6 * 7")
    assert [m["content"]["data"]["text/plain"] for m in answer if m["msg_type"] == "execute_result"] == ["42"]


def test_image_last_sends_the_matplotlib_figure_just_drawn(kernel, emulator: Emulator):
    import base64
    import io

    from PIL import Image

    drawn = execute(
        kernel,
        "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(6, 4), dpi=100)\nax.plot([1, 3, 2])\nax.set_title('Sales by month')",
    )
    (shown,) = [m["content"] for m in drawn if m["msg_type"] == "display_data"]
    assert "image/png" in shown["data"]
    answer = execute(kernel, "%%gemini --image last\nWhat does this plot show?")
    assert not [m for m in answer if m["msg_type"] == "error"]
    content = emulator.requests[-1].json["messages"][-1]["content"]
    assert [part["type"] for part in content] == ["text", "image_url"]
    header, _, payload = content[1]["image_url"]["url"].partition(";base64,")
    assert header == "data:image/png"  # a plot stays PNG, so its text stays sharp
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    sent = Image.open(io.BytesIO(base64.b64decode(shown["data"]["image/png"])))
    assert image.size == sent.size  # small enough already: sent as drawn
    final = [m for m in answer if m["msg_type"] == "update_display_data"][-1]["content"]["data"]
    assert "with 1 image (" in final["application/vnd.jupyter-gemini.response+json"]["footer"]
