"""The tally, model picker and chat panel, driven in-process through their traitlets.

Real widgets (ipywidgets with no kernel: a DummyComm), a real IPython shell
and the emulator over real HTTP. Frontend messages are fed to the widgets
the way the comm delivers them (`_handle_msg`), so Enter and clicks take the
same path as in a browser.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from conftest import TEST_KEY, last_bundle, magics, run_cell
from IPython.display import display
from IPython.utils.capture import capture_output

from jupyter_gemini._core._session import Session
from jupyter_gemini._core._settings import GeminiSettings
from jupyter_gemini._cost._catalog import BUILTIN_MODELS, DEFAULT_MODEL, ModelInfo
from jupyter_gemini._cost._money import format_usd
from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini._display._view import NullView
from jupyter_gemini._widgets import _chat, chat_panel, model_picker, tally_widget
from jupyter_gemini._widgets._base import WIDGET_VIEW_MIME, walk
from jupyter_gemini.emulator import Emulator

LONG_BASE64 = re.compile(r"[A-Za-z0-9+/]{2048,}")


# -- helpers ------------------------------------------------------------------


def plain(value: str) -> str:
    """What an HTML widget shows, as text."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def usd(text: str) -> Decimal:
    return Decimal(plain(text).strip().removeprefix("≈").removeprefix("$"))


def gemini_cost(ip: Any) -> dict[str, Any]:
    result, captured = run_cell(ip, "%gemini cost")
    assert result.success
    return last_bundle(captured)["application/vnd.jupyter-gemini.tally+json"]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("timed out waiting")


def frontend_update(widget: Any, **state: Any) -> None:
    """A state change from the browser, as the comm delivers it."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []})


def frontend_event(widget: Any, event: str) -> None:
    """A custom event from the browser ("click" on a Button, "submit" on Enter in a Text)."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": {"event": event}}}, "buffers": []})


def chat_requests(emulator: Emulator) -> list[dict[str, Any]]:
    return [r.json for r in emulator.requests if r.path.endswith("/chat/completions")]


def answer_data(panel: Any) -> dict[str, Any]:
    """The newest answer's display data in the transcript."""
    outputs = [w for w in panel.turns() if "jupyter-gemini-answer" in w._dom_classes]
    return outputs[-1].outputs[0]["data"]


def streamed_text(panel: Any) -> str:
    """The newest answer's text so far ("" before it starts)."""
    if not getattr(panel.turns()[-1] if panel.turns() else None, "outputs", None):
        return ""
    return str(answer_data(panel)[RESPONSE_MIME]["text"])


@pytest.fixture
def session(ip: Any) -> Session:
    return magics(ip).session


@pytest.fixture
def tally(session: Session):
    handle = tally_widget(session)
    handle.widget  # noqa: B018 - build it
    handle.credit.wait(10)
    yield handle
    handle.close()


@pytest.fixture
def picker(session: Session):
    handle = model_picker(session)
    handle.widget  # noqa: B018
    assert handle.catalog_ready.wait(10)
    wait_for(lambda: handle.catalog.live)
    yield handle
    handle.close()


@pytest.fixture
def chat(session: Session, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_chat, "SUBMIT_SETTLE_SECONDS", 0.0)
    panel = chat_panel(session)
    panel.widget  # noqa: B018
    yield panel
    panel.stop()
    panel.wait(10)
    panel.close()


# -- import cost ----------------------------------------------------------------


def test_importing_and_creating_handles_imports_no_ipywidgets_nor_pandas():
    code = """
import sys
import jupyter_gemini, jupyter_gemini._ipython._magics, jupyter_gemini._core._session, jupyter_gemini._widgets
from jupyter_gemini._core._session import Session
from jupyter_gemini._core._settings import GeminiSettings
from jupyter_gemini._widgets import chat_panel, model_picker, tally_widget
from jupyter_gemini._widgets._attach import is_dataframe
session = Session(GeminiSettings())
handles = [tally_widget(session), chat_panel(session)]
text = [repr(h) for h in handles]
Fake = type("DataFrame", (), {"__module__": "pandas.core.frame"})
assert is_dataframe(Fake())
print(sorted(m for m in ("ipywidgets", "pandas", "polars", "PIL", "matplotlib") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


# -- the tally ------------------------------------------------------------------


def test_tally_follows_every_request_and_equals_gemini_cost(ip, session, tally, emulator: Emulator):
    assert plain(tally.total.value) == "$0" and plain(tally.requests.value) == "0 requests"
    assert run_cell(ip, "%%gemini\nFirst question about joins")[0].success
    assert run_cell(ip, "%%gemini -m google/gemini-2.5-flash-lite\nSecond one")[0].success
    cost = gemini_cost(ip)
    assert usd(tally.total.value) == Decimal(cost["total"]) == emulator.billed_total
    assert plain(tally.total.value) == format_usd(session.tally.total)
    assert plain(tally.requests.value) == "2 requests"
    assert plain(tally.tokens.value) == f"{cost['prompt_tokens']:,} in · {cost['completion_tokens']:,} out tokens"
    details = plain(tally.details.value)
    assert DEFAULT_MODEL in details and "google/gemini-2.5-flash-lite" in details
    assert "Second one" in details and "First question about joins" in details
    assert tally.accordion.selected_index is None  # compact until expanded
    assert "jupyter-gemini-tally" in tally.widget._dom_classes
    assert "jupyter-gemini-total" in tally.total._dom_classes


def test_tally_updates_from_another_thread(session, tally, emulator: Emulator):
    worker = threading.Thread(target=lambda: session.ask("from a thread", view=NullView()))
    worker.start()
    worker.join(30)
    assert usd(tally.total.value) == session.tally.total == emulator.billed_total > 0


def test_tally_shows_budget_and_remaining_credit(ip, session, emulator: Emulator):
    emulator.config.credit_limit = Decimal(5)
    handle = tally_widget(session)
    handle.widget  # noqa: B018
    handle.credit.wait(10)
    assert plain(handle.credit_label.value) == "credit left $5 of $5"
    ip.run_line_magic("gemini", "budget 0.5")  # the widget observes the setting
    assert plain(handle.budget.value) == "budget left $0.5 of $0.5"
    handle.credit.min_interval = 0  # refresh after every request
    assert run_cell(ip, "%%gemini\nSpend a little")[0].success
    handle.credit.wait(10)
    spent = emulator.billed_total
    assert plain(handle.credit_label.value) == f"credit left {format_usd(Decimal(5) - spent)} of $5"
    assert plain(handle.budget.value) == f"budget left {format_usd(Decimal('0.5') - spent)} of $0.5"
    handle.close()


def test_tally_without_budget_hides_it(tally):
    assert tally.budget.value == "" and tally.budget.layout.display == "none"


def test_credit_failure_neither_blocks_nor_raises(ip, session):
    ip.run_line_magic("config", 'GeminiMagics.base_url = "http://127.0.0.1:9/api/v1"')
    ip.run_line_magic("config", "GeminiMagics.max_retries = 0")
    started = time.monotonic()
    handle = tally_widget(session)
    handle.widget  # noqa: B018
    assert time.monotonic() - started < 0.5  # the fetch runs in the background
    handle.credit.wait(30)
    assert plain(handle.credit_label.value) == "credit: unknown"
    assert handle.credit_label.tooltip and "\n" not in handle.credit_label.tooltip
    assert TEST_KEY not in handle.credit_label.tooltip
    handle.refresh_button.click()  # a retry is harmless too
    handle.credit.wait(30)
    handle.close()


def test_credit_without_a_key(no_key, ip, session):
    handle = tally_widget(session)
    handle.widget  # noqa: B018
    handle.credit.wait(10)
    assert plain(handle.credit_label.value) == "credit: unknown"
    assert "OPENROUTER_API_KEY" in handle.credit_label.tooltip
    handle.close()


def test_tally_model_follows_the_setting(ip, tally):
    assert plain(tally.model.value) == f"model {DEFAULT_MODEL}"
    ip.run_line_magic("gemini", "model google/gemini-2.5-flash-lite")
    assert plain(tally.model.value) == "model google/gemini-2.5-flash-lite"


def test_tally_on_a_plain_python_session(emulator: Emulator):
    session = Session(GeminiSettings())
    handle = tally_widget(session)
    handle.widget  # noqa: B018
    session.settings.model = "google/gemini-2.5-flash-lite"  # a dataclass: no notification...
    session.ask("hello", view=NullView())  # ...the next redraw picks it up
    assert plain(handle.model.value) == "model google/gemini-2.5-flash-lite"
    assert usd(handle.total.value) == session.tally.total == emulator.billed_total
    handle.close()


def test_a_failing_widget_never_breaks_a_request(ip, tally, monkeypatch: pytest.MonkeyPatch):
    def broken() -> None:
        raise RuntimeError("widget bug")

    monkeypatch.setattr(tally, "redraw", broken)
    result, _ = run_cell(ip, "%%gemini\nStill answered?")
    assert result.success


def test_closed_tally_stops_listening(ip, session):
    handle = tally_widget(session)
    handle.widget  # noqa: B018
    handle.close()
    assert run_cell(ip, "%%gemini\nAfter close")[0].success
    assert plain(handle.total.value) == "$0"


# -- the model picker -------------------------------------------------------------


def test_picker_lists_flash_models_with_prices_and_marks(session, picker):
    labels = dict((value, label) for label, value in picker.dropdown.options)
    assert picker.dropdown.value == DEFAULT_MODEL
    lite = labels["google/gemini-3.1-flash-lite"]
    assert "in $0.25 · out $1.50 per M tokens" in lite and "1M context" in lite and "images" in lite
    assert "✕ removed, not selectable" in labels["google/gemini-flash-1.5"]
    free = labels["google/gemini-flash-1.5-8b-exp"]
    assert "free" in free and "experimental" in free
    assert "preview" in labels["google/gemini-3-flash-preview"]
    assert list(labels)[-1] in {m.id for m in BUILTIN_MODELS if m.status == "removed"}  # removed last
    assert "live from OpenRouter" in picker.note.value
    assert "jupyter-gemini-picker" in picker.widget._dom_classes


def test_picking_sets_the_model_for_cells_footers_and_the_tally(ip, session, picker, tally, emulator):
    frontend_update(picker.dropdown, index=[v for _, v in picker.dropdown.options].index("google/gemini-3.5-flash"))
    assert session.settings.model == "google/gemini-3.5-flash"
    assert plain(tally.model.value) == "model google/gemini-3.5-flash"
    _, captured = run_cell(ip, "%%gemini\nWhich model are you?")
    assert chat_requests(emulator)[-1]["model"] == "google/gemini-3.5-flash"
    assert last_bundle(captured)["text/plain"].splitlines()[-1].startswith("-- google/gemini-3.5-flash · ")


def test_a_removed_model_is_not_selectable(session, picker):
    picker.dropdown.value = "google/gemini-flash-1.5"
    assert session.settings.model == DEFAULT_MODEL
    assert picker.dropdown.value == DEFAULT_MODEL
    note = plain(picker.note.value)
    assert "google/gemini-flash-1.5 is no longer available" in note and "google/gemini-3.1-flash-lite" in note


def test_the_picker_follows_the_line_magic(ip, picker):
    ip.run_line_magic("gemini", "model google/gemini-2.5-flash")
    assert picker.dropdown.value == "google/gemini-2.5-flash"
    assert "deprecated" in plain(picker.note.value)


def test_filter_narrows_and_all_models_widens(session, emulator: Emulator):
    pro = ModelInfo("google/gemini-2.5-pro", "Google: Gemini 2.5 Pro", Decimal("1.25e-6"), Decimal("1e-5"), 1_048_576)
    emulator.config.models = (*BUILTIN_MODELS, pro)
    handle = model_picker(session)
    handle.widget  # noqa: B018
    handle.catalog_ready.wait(10)
    wait_for(lambda: handle.catalog.live)
    ids = lambda: [v for _, v in handle.dropdown.options]  # noqa: E731
    assert "google/gemini-2.5-pro" not in ids()
    handle.filter.value = "2.5 lite"
    assert ids() == [DEFAULT_MODEL, "google/gemini-2.5-flash-lite"]  # the current model always stays
    handle.filter.value = "free"
    assert ids() == [DEFAULT_MODEL, "google/gemini-flash-1.5-8b-exp"]
    handle.filter.value = ""
    handle.show_all.value = True
    assert "google/gemini-2.5-pro" in ids()
    handle.dropdown.value = "google/gemini-2.5-pro"
    assert session.settings.model == "google/gemini-2.5-pro"
    handle.close()


# -- the chat panel ----------------------------------------------------------------


def test_chat_sends_with_an_attached_dataframe_and_streams_the_answer(ip, session, chat, emulator: Emulator):
    pd = pytest.importorskip("pandas")
    ip.user_ns["sales"] = pd.DataFrame({"region": ["north", "south"], "amount": [10, 20]})
    ip.user_ns["topic"] = "seasonality"
    run_cell(ip, "x = 1")  # post_run_cell rescans the namespace
    assert ("sales (2 rows x 2 columns)", "sales") in chat.attach_data.options
    chat.attach_data.value = ("sales",)
    chat.prompt.value = "What about {topic}?"
    chat.send_button.click()
    assert chat.wait(30)
    sent = chat_requests(emulator)[-1]["messages"][-1]["content"]
    assert sent.startswith("What about seasonality?\n\n")
    assert "north" in sent and "amount" in sent  # the frame, interpolated as {sales}
    question, answer = chat.turns()
    assert "What about {topic}?" in plain(question.value) and "sales" in plain(question.value)
    final = answer.outputs[0]["data"]
    assert final[RESPONSE_MIME]["status"] == "complete"
    assert "session \\$" in final["text/markdown"]
    assert chat.prompt.value == "" and chat.attach_data.value == ()
    assert not chat.send_button.disabled and chat.stop_button.disabled
    assert usd(chat.tally.total.value) == Decimal(gemini_cost(ip)["total"])
    assert session.conversation.turns[-1].question == sent  # shared history with the magics


def test_enter_sends_through_the_submit_event(chat, emulator: Emulator):
    frontend_update(chat.prompt, value="Sent with Enter")
    frontend_event(chat.prompt, "submit")
    assert chat.wait(30)
    assert chat_requests(emulator)[-1]["messages"][-1]["content"] == "Sent with Enter"


def test_keystrokes_arriving_after_enter_are_still_sent(chat, emulator, monkeypatch: pytest.MonkeyPatch):
    # A window far longer than the two statements between "submit" and the late update take on any machine.
    monkeypatch.setattr(_chat, "SUBMIT_SETTLE_SECONDS", 1.0)
    frontend_update(chat.prompt, value="Late keystrok")
    frontend_event(chat.prompt, "submit")  # the browser's throttle let "submit" overtake the last update
    frontend_update(chat.prompt, value="Late keystrokes")  # arrives after submit, within the window
    assert chat.wait(30)
    assert chat_requests(emulator)[-1]["messages"][-1]["content"] == "Late keystrokes"


def test_multi_line_mode_keeps_newlines_and_sends_with_the_button(chat, emulator: Emulator):
    chat.prompt.value = "first line"
    chat.multiline.value = True
    assert chat.prompt_box.children == (chat.prompt_area,) and chat.prompt_area.value == "first line"
    frontend_update(chat.prompt_area, value="first line\nsecond line")
    frontend_event(chat.send_button, "click")
    assert chat.wait(30)
    assert chat_requests(emulator)[-1]["messages"][-1]["content"] == "first line\nsecond line"
    chat.prompt_area.value = "a\nb"
    chat.multiline.value = False
    assert chat.prompt.value == "a b"


def test_stop_keeps_the_partial_answer_and_counts_its_estimated_cost(ip, session, chat, emulator: Emulator):
    chat.prompt.value = "[[emulator: tokens=400 tps=40]] A long answer, please."
    chat.send_button.click()
    assert chat.send_button.disabled and not chat.stop_button.disabled
    wait_for(lambda: len(streamed_text(chat)) > 60)
    started = time.monotonic()
    frontend_event(chat.stop_button, "click")
    assert chat.wait(5)
    assert time.monotonic() - started < 0.2
    final = answer_data(chat)[RESPONSE_MIME]
    assert final["status"] == "partial" and final["cost_estimated"] is True
    assert 0 < final["usage"]["completion_tokens"] < 400
    assert final["text"].startswith("*Answer from the local OpenRouter emulator")
    assert "Stopped by you" in plain(chat.status.value)
    cost = gemini_cost(ip)
    assert cost["estimated"] is True and cost["requests"] == 1
    assert usd(chat.tally.total.value) == Decimal(cost["total"]) > 0
    assert plain(chat.tally.total.value).startswith("≈$")
    # Usable at once.
    chat.prompt.value = "And now a short one."
    chat.send_button.click()
    assert chat.wait(30)
    assert answer_data(chat)[RESPONSE_MIME]["status"] == "complete"


def test_one_request_at_a_time(chat, emulator: Emulator):
    chat.prompt.value = "[[emulator: tokens=200 tps=100]] Slowly."
    assert chat.send()
    wait_for(lambda: chat.prompt.value == "")  # the worker has taken the prompt
    chat.prompt.value = "Impatient"
    assert not chat.send()
    assert "Still answering" in plain(chat.status.value)
    wait_for(lambda: streamed_text(chat))
    chat.stop()
    assert chat.wait(5)
    assert len(chat_requests(emulator)) == 1


def test_an_error_is_one_line_and_the_panel_stays_usable(ip, chat, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.max_retries = 0")
    chat.prompt.value = "[[emulator: fault=http:503]] Fail, please."
    chat.send_button.click()
    assert chat.wait(30)
    status = plain(chat.status.value)
    assert status.startswith("⚠ ") and "\n" not in status and "Traceback" not in status
    assert plain(chat.turns()[-1].value) == status  # the same line closes the turn in the transcript
    assert chat.prompt.value == "[[emulator: fault=http:503]] Fail, please."  # given back to retry
    assert not chat.send_button.disabled and chat.stop_button.disabled
    chat.prompt.value = "Works again?"
    chat.send_button.click()
    assert chat.wait(30)
    assert answer_data(chat)[RESPONSE_MIME]["status"] == "complete"
    assert plain(chat.status.value) == ""


def test_a_budget_refusal_is_one_line_and_nothing_is_sent(ip, chat, emulator: Emulator):
    ip.run_line_magic("gemini", "budget 0.0001")
    chat.prompt.value = "Too expensive for the cap"
    chat.send_button.click()
    assert chat.wait(30)
    status = plain(chat.status.value)
    assert status.startswith("⚠ ") and "budget" in status and "nothing was sent" in status and "\n" not in status
    assert chat_requests(emulator) == []
    assert [type(w).__name__ for w in chat.turns()] == ["HTML", "HTML"]  # the question, then the error line


def test_a_retry_countdown_shows_in_the_answer_box_and_stop_ends_it(ip, chat, emulator: Emulator):
    ip.run_line_magic("config", "GeminiMagics.max_retries = 3")
    chat.prompt.value = "[[emulator: fault=http:429 retry_after=5]] Rate limited."
    chat.send_button.click()
    wait_for(lambda: len(chat.turns()) == 2 and getattr(chat.turns()[-1], "outputs", None))
    assert "trying again in" in answer_data(chat)["text/plain"]
    chat.stop_button.click()
    assert chat.wait(2)
    assert "Stopped by you" in plain(chat.status.value)
    assert "jupyter-gemini-answer" not in {c for w in chat.turns() for c in w._dom_classes}  # no empty box left


def test_a_bad_reference_is_reported_and_nothing_is_sent(chat, emulator: Emulator):
    chat.prompt.value = "Explain {no_such_variable}"
    chat.send_button.click()
    assert chat.wait(30)
    assert "no_such_variable" in plain(chat.status.value) and "nothing was sent" in plain(chat.status.value)
    assert chat_requests(emulator) == [] and chat.turns() == []
    assert chat.prompt.value == "Explain {no_such_variable}"


def test_an_empty_prompt_sends_nothing(chat, emulator: Emulator):
    chat.send_button.click()
    assert chat.wait(10)
    assert chat_requests(emulator) == [] and "Type a question" in plain(chat.status.value)


def test_images_are_listed_from_the_namespace_and_the_image_history(ip, session, chat):
    image = pytest.importorskip("PIL.Image")
    figure = pytest.importorskip("matplotlib.figure")
    ip.user_ns["photo"] = image.new("RGB", (64, 48))
    ip.user_ns["fig"] = figure.Figure()
    ip.user_ns["_hidden"] = image.new("RGB", (4, 4))
    shown = "import io\nfrom IPython.display import Image\nbuffer = io.BytesIO(); photo.save(buffer, 'PNG')\n"
    result, _ = run_cell(ip, shown + "display(Image(buffer.getvalue()))")
    assert result.success, result.error_in_exec
    (cell,) = session.images.cells()  # the session's image history saw the displayed PNG
    options = chat.attach_images.options  # post_run_cell rescanned: no click needed
    assert ("fig (matplotlib figure)", "var:fig") in options
    assert ("photo (image 64x48)", "var:photo") in options
    assert options[-1] == (f"Out[{cell}] (image output)", f"out:Out[{cell}]")  # outputs after variables
    assert not any("_hidden" in label for label, _ in options)


def test_attached_images_reach_the_request(ip, session, chat, emulator: Emulator):
    image = pytest.importorskip("PIL.Image")
    ip.user_ns["photo"] = image.new("RGB", (64, 48), "red")
    shown = "import io\nfrom IPython.display import Image\nbuffer = io.BytesIO(); photo.save(buffer, 'PNG')\n"
    assert run_cell(ip, shown + "display(Image(buffer.getvalue()))")[0].success
    (cell,) = session.images.cells()
    chat.attach_images.value = ("var:photo", f"out:Out[{cell}]")
    chat.prompt.value = "What colour are these?"
    chat.send_button.click()
    assert chat.wait(30)
    content = chat_requests(emulator)[-1]["messages"][-1]["content"]
    assert [part["type"] for part in content].count("image_url") == 2
    assert answer_data(chat)[RESPONSE_MIME]["status"] == "complete"
    assert "photo" in plain(chat.turns()[0].value) and f"Out[{cell}]" in plain(chat.turns()[0].value)


def test_widget_state_never_holds_the_key_or_image_bytes(ip, session, chat, tally, picker, emulator):
    from ipywidgets.widgets.widget import _instances

    pd = pytest.importorskip("pandas")
    image = pytest.importorskip("PIL.Image")
    ip.user_ns["frame"] = pd.DataFrame({"a": range(50)})
    ip.user_ns["photo"] = image.new("RGB", (1024, 1024), "blue")
    chat.rescan()
    chat.attach_data.value = ("frame",)
    chat.prompt.value = f"My key is {TEST_KEY}, do not repeat it."  # worst case: typed into the chat
    chat.send_button.click()
    assert chat.wait(30)
    chat.prompt.value = "Thanks"
    chat.send_button.click()
    assert chat.wait(30)
    states = {model_id: json.dumps(w.get_state(), default=str) for model_id, w in list(_instances.items())}
    assert len(states) > 20
    for state in states.values():
        assert TEST_KEY not in state, state[:300]
        assert "data:image" not in state
        assert not LONG_BASE64.search(state), state[:300]
    assert "sk-or-…ee42" in plain(chat.turns()[0].value)  # the typed key, masked in the transcript


# -- showing and falling back ----------------------------------------------------


def test_a_displayed_handle_sends_the_widget_view_and_text_fallbacks(ip, session, emulator: Emulator):
    assert run_cell(ip, "%%gemini\nSomething to count")[0].success
    handles = [tally_widget(session), model_picker(session), chat_panel(session)]
    for handle in handles:
        with capture_output() as captured:
            display(handle)
        data = captured.outputs[-1].data
        assert data[WIDGET_VIEW_MIME]["model_id"] == handle.widget.model_id
        assert data["text/plain"] and data["text/html"].startswith(("<div", "<p"))
    tally_html = handles[0]._repr_mimebundle_()[0]["text/html"]
    assert "<table" in tally_html and format_usd(session.tally.total) in tally_html
    assert "google/gemini-flash-1.5" in handles[1]._repr_mimebundle_()[0]["text/html"]
    for handle in handles:
        handle.close()


def test_terminal_ipython_prints_text_and_builds_no_widgets(ip, session, capsys):
    handles = [tally_widget(session), model_picker(session), chat_panel(session)]
    for handle in handles:
        data, _ = handle._repr_mimebundle_()
        assert WIDGET_VIEW_MIME not in data and handle._root is None
        display(handle)  # the test shell's publisher is the terminal's: it prints text/plain
    printed = capsys.readouterr().out
    assert "Session cost" in printed and "google/gemini-3.1-flash-lite" in printed
    assert "needs a notebook frontend with widgets" in printed
    assert "%gemini model ID" in printed


def test_dom_classes_for_browser_tests(chat):
    classes = {c for w in walk(chat.widget) for c in w._dom_classes}
    assert {
        "jupyter-gemini-chat",
        "jupyter-gemini-picker",
        "jupyter-gemini-tally",
        "jupyter-gemini-transcript",
        "jupyter-gemini-send",
        "jupyter-gemini-stop",
        "jupyter-gemini-prompt",
        "jupyter-gemini-total",
        "jupyter-gemini-status",
    } <= classes


def test_the_chat_panel_asks_for_thinking_like_the_magic(chat, emulator: Emulator):
    frontend_update(chat.reasoning, index=[v for _, v in chat.reasoning.options].index("low"))
    frontend_update(chat.prompt, value="Think a little first")
    frontend_event(chat.prompt, "submit")
    assert chat.wait(30)
    assert chat_requests(emulator)[-1]["reasoning"] == {"effort": "low"}
    final = answer_data(chat)
    assert "Thought for" in final["text/markdown"] and "+ 128 thinking tokens" in final["text/markdown"]
