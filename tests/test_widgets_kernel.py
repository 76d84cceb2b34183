"""The widgets in a real ipykernel, driven the way a browser drives them: comm messages.

What a frontend receives (comm_open / comm_msg state) is also what a saved
notebook keeps, so the key and image checks run on exactly that.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import TEST_KEY
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator

pytestmark = pytest.mark.kernel

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LONG_BASE64 = re.compile(r"[A-Za-z0-9+/]{2048,}")
SETUP = """
import json
from jupyter_gemini import current_session
from jupyter_gemini._widgets import chat_panel, tally_widget
session = current_session()
chat = chat_panel(session)
display(chat)
print(json.dumps({n: getattr(chat, n).model_id for n in ("prompt", "send_button", "stop_button", "status")}))
"""


class Frontend:
    """A stand-in browser: sends comm messages and keeps every widget's latest state."""

    def __init__(self, kc: Any) -> None:
        self.kc = kc
        self.states: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []

    def execute(self, code: str, timeout: float = 60) -> list[dict[str, Any]]:
        """Run code; returns its iopub messages up to idle (recording widget traffic on the way)."""
        msg_id = self.kc.execute(code)
        mine = []
        while True:
            msg = self.pump(timeout)
            if msg["parent_header"].get("msg_id") == msg_id:
                mine.append(msg)
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return mine

    def pump(self, timeout: float = 60) -> dict[str, Any]:
        msg = self.kc.get_iopub_msg(timeout=timeout)
        self.messages.append(msg)
        content = msg["content"]
        if msg["msg_type"] == "comm_open":
            self.states[content["comm_id"]] = dict(content["data"]["state"])
        elif msg["msg_type"] == "comm_msg" and content["data"].get("method") in ("update", "echo_update"):
            self.states.setdefault(content["comm_id"], {}).update(content["data"]["state"])
        return msg

    def until(self, condition: Callable[[], Any], timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while not (value := condition()):
            if time.monotonic() > deadline:
                statuses = [self.states[c].get("value") for c in self.with_class("jupyter-gemini-status")]
                raise AssertionError(f"timed out waiting for the frontend to see it; status {statuses}")
            with contextlib.suppress(queue.Empty):  # nothing yet
                self.pump(timeout=0.5)
        return value

    def send(self, comm_id: str, data: dict[str, Any]) -> None:
        self.kc.shell_channel.send(self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))

    def type(self, comm_id: str, value: str) -> None:
        self.send(comm_id, {"method": "update", "state": {"value": value}, "buffer_paths": []})

    def event(self, comm_id: str, event: str) -> None:
        self.send(comm_id, {"method": "custom", "content": {"event": event}})

    def with_class(self, css_class: str) -> list[str]:
        return [cid for cid, state in self.states.items() if css_class in state.get("_dom_classes", ())]

    def answers(self) -> list[dict[str, Any]]:
        """Each answer's display data, oldest first, as the frontend has it."""
        outputs = [self.states[c].get("outputs") for c in self.with_class("jupyter-gemini-answer")]
        return [o[0]["data"] for o in outputs if o]

    def answer(self) -> dict[str, Any] | None:
        answers = self.answers()
        return answers[-1] if answers else None


def stdout(messages: list[dict[str, Any]]) -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")


def cost_json(frontend: Frontend) -> dict[str, Any]:
    messages = frontend.execute("%gemini cost")
    (data,) = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    return data["application/vnd.jupyter-gemini.tally+json"]


def shown_total(frontend: Frontend) -> Decimal:
    values = {frontend.states[c]["value"] for c in frontend.with_class("jupyter-gemini-total")}
    (value,) = values
    return Decimal(re.sub(r"<[^>]+>", "", value).removeprefix("≈").removeprefix("$"))


def last_chat(emulator: Emulator) -> Any:
    """The last chat request: the widgets also fetch /key and /models in the background."""
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")][-1]


@pytest.fixture
def frontend(emulator: Emulator) -> Iterator[Frontend]:
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        front = Frontend(kc)
        front.execute("%load_ext jupyter_gemini")
        yield front
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_chat_streams_from_a_thread_and_stops_on_a_real_click(frontend: Frontend, emulator: Emulator):
    messages = frontend.execute(SETUP)
    ids = json.loads(stdout(messages))
    (shown,) = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    assert shown[WIDGET_VIEW]["model_id"] and "text/html" in shown and "text/plain" in shown

    # A short answer: typed, sent with Enter, streamed in by the worker thread while the kernel is idle.
    frontend.type(ids["prompt"], "Hello from the panel")
    frontend.event(ids["prompt"], "submit")
    frontend.until(lambda: (frontend.answer() or {}).get(RESPONSE_MIME, {}).get("status") == "complete")
    assert last_chat(emulator).json["messages"][-1]["content"] == "Hello from the panel"
    frontend.until(lambda: shown_total(frontend) == emulator.billed_total)

    # A slow one, stopped by a click while it streams.
    emulator.config.tokens_per_second = 40
    frontend.type(ids["prompt"], "[[emulator: tokens=400]] A long answer, please.")
    frontend.event(ids["send_button"], "click")
    frontend.until(lambda: frontend.states[ids["send_button"]].get("disabled") is True)
    updates_before = len(frontend.messages)
    frontend.until(lambda: len(frontend.answers()) == 2 and len(frontend.answer()[RESPONSE_MIME]["text"]) > 80)
    redraws = [
        m for m in frontend.messages[updates_before:] if "outputs" in m["content"].get("data", {}).get("state", {})
    ]
    assert len(redraws) >= 2  # streamed in steps, not in one piece at the end
    started = time.monotonic()
    frontend.event(ids["stop_button"], "click")
    frontend.until(lambda: frontend.states[ids["send_button"]].get("disabled") is False, timeout=5)
    assert time.monotonic() - started < 0.2
    final = frontend.answer()[RESPONSE_MIME]
    assert final["status"] == "partial" and final["cost_estimated"] is True
    assert 0 < final["usage"]["completion_tokens"] < 400
    assert "Stopped by you" in frontend.states[ids["status"]]["value"]

    cost = cost_json(frontend)
    frontend.until(lambda: shown_total(frontend) == Decimal(cost["total"]))
    assert cost["estimated"] is True and cost["requests"] == 2

    # The tally follows %%gemini cells too, and the kernel answers as usual.
    emulator.config.tokens_per_second = None
    frontend.execute("%%gemini\nAnd one from a cell")
    frontend.until(lambda: shown_total(frontend) == Decimal(cost_json(frontend)["total"]))
    result = frontend.execute("6 * 7")
    assert [m["content"]["data"]["text/plain"] for m in result if m["msg_type"] == "execute_result"] == ["42"]

    # Everything the frontend holds (and a notebook would save): no key, no image bytes.
    traffic = json.dumps([m["content"] for m in frontend.messages], default=str)
    assert TEST_KEY not in traffic and "data:image" not in traffic and not LONG_BASE64.search(traffic)


def test_an_error_in_the_kernel_is_one_line_and_the_panel_recovers(frontend: Frontend, emulator: Emulator):
    ids = json.loads(stdout(frontend.execute("%config GeminiMagics.max_retries = 0\n" + SETUP)))
    frontend.type(ids["prompt"], "[[emulator: fault=http:503]] Fail.")
    frontend.event(ids["send_button"], "click")
    frontend.until(lambda: "⚠" in frontend.states[ids["status"]].get("value", ""))
    status = re.sub(r"<[^>]+>", "", frontend.states[ids["status"]]["value"])
    assert "\n" not in status and "Traceback" not in status
    frontend.until(lambda: frontend.states[ids["prompt"]].get("value") == "[[emulator: fault=http:503]] Fail.")
    frontend.until(lambda: frontend.states[ids["send_button"]].get("disabled") is False)
    frontend.type(ids["prompt"], "Now it works")
    frontend.event(ids["send_button"], "click")
    frontend.until(lambda: (frontend.answer() or {}).get(RESPONSE_MIME, {}).get("status") == "complete")


def test_headless_run_saves_text_fallbacks_and_no_secrets(emulator: Emulator, tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext jupyter_gemini"),
        nbformat.v4.new_code_cell(
            "from jupyter_gemini import current_session\n"
            "from jupyter_gemini._widgets import chat_panel, model_picker, tally_widget\n"
            "session = current_session()"
        ),
        nbformat.v4.new_code_cell("%%gemini\nCount me"),
        nbformat.v4.new_code_cell("tally_widget(session)"),
        nbformat.v4.new_code_cell("model_picker(session)"),
        nbformat.v4.new_code_cell("chat_panel(session)"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path = tmp_path / "widgets.ipynb"
    nbformat.write(nb, path)
    saved = path.read_text()
    assert TEST_KEY not in saved and "data:image" not in saved and not LONG_BASE64.search(saved)
    assert nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]  # the live view was saved

    (tally,) = nb.cells[3].outputs
    (generation,) = emulator.generations.values()
    assert tally["data"][WIDGET_VIEW]["model_id"]
    assert f"${generation.cost.normalize():f}" in tally["data"]["text/plain"]
    assert "<table" in tally["data"]["text/html"]
    assert "google/gemini-flash-1.5" in nb.cells[4].outputs[0]["data"]["text/html"]
    assert "needs a notebook frontend" in nb.cells[5].outputs[0]["data"]["text/plain"]

    # Exported without the widget state (or opened where no widget manager runs): the tables show.
    del nb.metadata["widgets"]
    page, _ = HTMLExporter().from_notebook_node(nb)
    assert "Session cost" in page and f"${generation.cost.normalize():f}" in page
    assert "google/gemini-3.1-flash-lite" in page


def test_terminal_ipython_prints_tables_and_never_imports_ipywidgets(emulator: Emulator):
    code = (
        "%load_ext jupyter_gemini\n"
        "from jupyter_gemini import current_session\n"
        "from jupyter_gemini._widgets import chat_panel, model_picker, tally_widget\n"
        "s = current_session()\n"
        "display(tally_widget(s)); display(model_picker(s)); display(chat_panel(s))\n"
        "import sys; print('ipywidgets imported:', 'ipywidgets' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--quick", "--colors=nocolor", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Session cost" in out and "total  0" in out
    assert "google/gemini-3.1-flash-lite" in out and "removed" in out
    assert "needs a notebook frontend with widgets" in out
    assert "ipywidgets imported: False" in out
    assert "Traceback" not in out + done.stderr
