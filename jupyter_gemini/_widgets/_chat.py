"""`chat_panel(session)`: a chat that shares the magics' session (history, tally, budget).

Requests run in a background thread so the kernel's main thread stays free
to handle the Stop button: its callback cancels the `CancelToken`, which
closes the stream at once; the partial text stays and its (estimated) cost
is counted, as with an interrupted `%%gemini` cell.

Enter and Shift+Enter: standard widgets report no key modifiers, so the
panel has two prompt modes. Single-line (default) is a `Text`; Enter sends,
through the widget's own "submit" event (Shift+Enter sends too: there are
no newlines in one line). "multi-line" swaps in a `Textarea`, where Enter
and Shift+Enter both add a newline and the Send button sends. The browser
may deliver "submit" (and a click) before the last keystrokes' value update,
which is throttled to one message in flight; so the worker reads the prompt
only after `SUBMIT_SETTLE_SECONDS`, once updates sent within a round trip of
that long have arrived.
"""

from __future__ import annotations

import html
import threading
import time
from typing import TYPE_CHECKING, Any

from .._cost._defaults import EFFORTS
from .._display._bundles import Bundle
from .._keys import redact
from .._transport._cancel import CancelToken
from ..errors import GeminiError
from ._attach import Attachment, ask_options, prompt_with_frames, scan, set_options
from ._base import WidgetHandle, add_classes, safely
from ._picker import ModelPicker
from ._summary import chat_fallback
from ._tally import TallyWidget
from ._view import TranscriptView, error_html, user_turn_html

if TYPE_CHECKING:
    from .._core._session import Session

#: Wait this long after Send/Enter before reading the prompt (see the module docstring).
SUBMIT_SETTLE_SECONDS = 0.25


class ChatPanel(WidgetHandle):
    """Handle for the chat panel; `.widget` is the ipywidgets box."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.picker = ModelPicker(session)
        self.tally = TallyWidget(session)
        self._lock = threading.Lock()
        self._busy = False
        self._token: CancelToken | None = None
        self._worker: threading.Thread | None = None
        self._attachments: dict[str, Attachment] = {}

    def _fallback(self) -> Bundle:
        return chat_fallback()

    def _build(self) -> Any:
        import ipywidgets as w

        # column-reverse keeps the newest turn (first child) at the bottom and the
        # scroll position pinned to it while an answer grows: auto-scroll without JS.
        self.transcript = add_classes(
            w.Box(
                layout=w.Layout(
                    display="flex",
                    flex_flow="column-reverse",
                    overflow="auto",
                    max_height="28em",
                    border="1px solid var(--jp-border-color2, #ccc)",
                    padding="0 0.5em",
                )
            ),
            "jupyter-gemini-transcript",
        )
        self.attach_data = add_classes(w.SelectMultiple(description="DataFrames", rows=3), "jupyter-gemini-attach-data")
        self.attach_images = add_classes(w.SelectMultiple(description="Images", rows=3), "jupyter-gemini-attach-images")
        self.rescan_button = add_classes(
            w.Button(icon="refresh", tooltip="Look for DataFrames and images again", layout=w.Layout(width="2.5em")),
            "jupyter-gemini-rescan",
        )
        full = w.Layout(width="100%")
        self.prompt = add_classes(
            w.Text(placeholder="Ask Gemini… (Enter sends)", continuous_update=True, layout=full),
            "jupyter-gemini-prompt",
        )
        self.prompt_area = add_classes(
            w.Textarea(
                placeholder="Ask Gemini… (Enter adds a line; Send sends)", rows=4, continuous_update=True, layout=full
            ),
            "jupyter-gemini-prompt-multiline",
        )
        self.prompt_box = w.Box([self.prompt], layout=w.Layout(flex="1 1 auto"))
        self.multiline = add_classes(
            w.ToggleButton(
                description="multi-line",
                icon="align-left",
                tooltip="Type several lines (Enter adds a line; press Send to send)",
                layout=w.Layout(width="auto"),
            ),
            "jupyter-gemini-multiline",
        )
        self.send_button = add_classes(
            w.Button(description="Send", icon="paper-plane", button_style="primary", layout=w.Layout(width="auto")),
            "jupyter-gemini-send",
        )
        self.stop_button = add_classes(
            w.Button(
                description="Stop", icon="stop", button_style="warning", disabled=True, layout=w.Layout(width="auto")
            ),
            "jupyter-gemini-stop",
        )
        self.reasoning = add_classes(
            w.Dropdown(
                description="Thinking",
                options=[("model's default", None), *((effort, effort) for effort in EFFORTS)],
                value=None,
                tooltip="How hard a thinking model thinks (billed as output), like --reasoning",
                layout=w.Layout(width="auto"),
            ),
            "jupyter-gemini-reasoning",
        )
        self.status = add_classes(w.HTML(), "jupyter-gemini-status")
        root = w.VBox(
            [
                self.picker.widget,
                self.transcript,
                w.HBox([self.attach_data, self.attach_images, self.rescan_button, self.reasoning]),
                w.HBox([self.multiline, self.prompt_box, self.send_button, self.stop_button]),
                self.status,
                self.tally.widget,
            ]
        )
        self.prompt.on_msg(safely(self._on_prompt_msg))
        self.send_button.on_click(safely(lambda _: self.send()))
        self.stop_button.on_click(safely(lambda _: self.stop()))
        self.rescan_button.on_click(safely(lambda _: self.rescan()))
        self.multiline.observe(safely(self._on_multiline), names="value")
        events = getattr(self.session.shell, "events", None)
        if events is not None:  # keep the attach lists current as cells run
            rescan = safely(lambda *_: self.rescan())
            events.register("post_run_cell", rescan)
            self._on_close(lambda: events.unregister("post_run_cell", rescan))
        self.rescan()
        return add_classes(root, "jupyter-gemini-chat")

    # -- the prompt -----------------------------------------------------------

    @property
    def prompt_input(self) -> Any:
        """The box being typed in: the Text, or the Textarea in multi-line mode."""
        return self.prompt_area if self.multiline.value else self.prompt

    def _on_prompt_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        if isinstance(content, dict) and content.get("event") == "submit":  # Enter in the Text
            self.send()

    def _on_multiline(self, change: Any) -> None:
        if change.new:
            self.prompt_area.value = self.prompt.value
            self.prompt_box.children = (self.prompt_area,)
        else:
            self.prompt.value = " ".join(self.prompt_area.value.split("\n"))  # one line holds no newlines
            self.prompt_box.children = (self.prompt,)

    # -- attachments ----------------------------------------------------------

    def rescan(self) -> None:
        """List the DataFrames and images now in the namespace and the recent image outputs."""
        frames, images = scan(self.session)
        self._attachments = {a.key: a for a in frames + images}
        set_options(self.attach_data, frames)
        set_options(self.attach_images, images)

    # -- sending --------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def send(self) -> bool:
        """Send the prompt in the background; False (and nothing sent) while an answer is coming."""
        import ipywidgets as w

        with self._lock:
            if self._busy:
                self._set_status("Still answering: press Stop first.")
                return False
            self._busy = True
            token = self._token = CancelToken()
        self.send_button.disabled, self.stop_button.disabled = True, False
        self._set_status("Sending…")
        # Widgets for this turn are made here, on the kernel's main thread; the worker only fills them.
        question = add_classes(w.HTML(), "jupyter-gemini-user")
        answer = add_classes(w.Output(), "jupyter-gemini-answer")
        self._worker = threading.Thread(
            target=self._work, args=(token, question, answer), name="jupyter-gemini-chat", daemon=True
        )
        self._worker.start()
        return True

    def stop(self) -> None:
        """Cancel the answer in flight (any thread); the text so far is kept."""
        with self._lock:  # so "Stopping…" can never overwrite the worker's last word
            token = self._token
            if token is None or token.cancelled:
                return
            self._set_status("Stopping…")
        token.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """For tests and scripts: wait until the answer in flight is done; True if it is."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return not self._busy

    def _work(self, token: CancelToken, question: Any, answer: Any) -> None:
        view = TranscriptView(answer, on_show=lambda: self._append(answer), clean=self._clean)
        status = ""
        try:
            status = self._ask(token, question, view)
        except Exception as exc:  # a bug must still leave a usable panel and one readable line
            status = error_html(self._clean(f"Unexpected error ({type(exc).__name__}: {exc})."))
        finally:
            if not view.started:  # no answer came: drop its box (and any retry countdown in it)
                self._remove(answer)
            if question not in self.transcript.children:
                question.close()
            with self._lock:
                self._token = None
                self.status.value = status
                self.send_button.disabled, self.stop_button.disabled = False, True
                self._busy = False

    def _ask(self, token: CancelToken, question: Any, view: TranscriptView) -> str:
        """Read the prompt, send it, stream the answer; returns the status line to show after."""
        deadline = time.monotonic() + SUBMIT_SETTLE_SECONDS
        while not token.cancelled and time.monotonic() < deadline:
            time.sleep(0.02)
        if token.cancelled:
            return _note("Stopped before anything was sent.")
        text = self.prompt_input.value
        if not text.strip():
            return _note("Type a question first.")
        try:
            frames = list(self.attach_data.value)
            images = [self._attachments[k] for k in self.attach_images.value if k in self._attachments]
            prompt = prompt_with_frames(text, frames)
            prompt = self.session.prompt(prompt)
            options = ask_options([a.source for a in images], self.reasoning.value)
            self.prompt_input.value = ""
            self.attach_data.value, self.attach_images.value = (), ()  # attachments go with one question
            question.value = user_turn_html(self._clean(text), [*frames, *(a.label for a in images)])
            self._append(question)
            self.session.ask(prompt, options, view=view, cancel=token)
        except GeminiError as exc:
            return self._fail(str(exc), text, question, answered=view.started)
        return ""

    def _fail(self, message: str, text: str, question: Any, *, answered: bool) -> str:
        """The error as one line; if nothing came back, it closes the turn and the question is given back."""
        import ipywidgets as w

        line = error_html(message)
        if answered:
            return line  # the answer's own box already ends with the problem
        if question in self.transcript.children:
            self._append(add_classes(w.HTML(line), "jupyter-gemini-error-line"))
        if not self.prompt_input.value:
            self.prompt_input.value = text
        return line

    def _clean(self, text: str) -> str:
        """Mask the key (and anything key-shaped): widget state is saved in the notebook."""
        return redact(text, self.session.keys.get())

    def _append(self, widget: Any) -> None:
        self.transcript.children = (widget, *self.transcript.children)  # newest first: see column-reverse

    def _remove(self, widget: Any) -> None:
        self.transcript.children = tuple(child for child in self.transcript.children if child is not widget)
        widget.close()

    def _set_status(self, message: str) -> None:
        self.status.value = _note(message)

    def turns(self) -> list[Any]:
        """The transcript's widgets, oldest first."""
        return list(reversed(self.transcript.children))

    def close(self) -> None:
        self.stop()
        self.picker.close()
        self.tally.close()
        super().close()


def _note(message: str) -> str:
    return message and f"<i>{html.escape(message)}</i>"


def chat_panel(session: Session) -> ChatPanel:
    """A chat panel on `session`: model picker, transcript, attachments, Send/Stop, live cost."""
    return ChatPanel(session)
