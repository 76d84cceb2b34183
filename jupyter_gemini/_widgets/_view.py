"""The chat panel's `AnswerView`: an answer streaming into its own Output widget.

The view sets the Output widget's `outputs` trait instead of displaying
inside `with output:`. Capturing relies on the kernel routing a display to
the cell whose request is current, which a background thread does not have;
a trait is plain widget state, synced by the comm from any thread, and
JupyterLab, Notebook 7 and VS Code render it with their own Markdown
renderer (sanitised, `$` as in cells). Each answer has its own Output, so a
redraw sends that answer only, not the whole transcript.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence
from typing import Any

from .._display._bundles import Bundle, response_bundle, status_bundle, streaming_bundle
from .._display._shown import ShownAnswer
from .._display._view import NullView, RedrawThrottle
from .._transport._answer import Answer


def output_item(bundle: Bundle) -> dict[str, Any]:
    """A bundle as one entry of `Output.outputs` (nbformat's display_data shape)."""
    data, metadata = bundle
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def map_strings(value: Any, clean: Callable[[str], str]) -> Any:
    """`value` with `clean` applied to every string in it (bundles nest dicts and lists)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: map_strings(v, clean) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [map_strings(v, clean) for v in value]
    return value


class TranscriptView(NullView):
    """Streams one answer into `output`; throttled like the cell view (`_display._view.LiveView`).

    Subclassing NullView keeps any hook the session grows later a no-op here.
    Widget state is saved in the notebook, so every string passes through
    `clean` (the session's key redaction) first: a model that echoes a key
    pasted into a question must not write it into the file.
    """

    def __init__(
        self,
        output: Any,
        on_show: Callable[[], None] = lambda: None,
        clean: Callable[[str], str] = lambda text: text,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._output = output
        self._on_show = on_show
        self._clean = clean
        self._throttle = RedrawThrottle(clock)
        self._answer = Answer(model="")
        #: The answer's box is in the transcript (from a retry countdown or the first text on).
        self.shown = False
        #: The answer itself has begun: from here on the session finishes the view.
        self.started = False
        self.redraws = 0

    def status(self, text: str) -> None:
        """A retry countdown, in the place the answer will take."""
        self._show(status_bundle(text))

    def clear(self) -> None:
        """The request failed before any text: the countdown goes (the panel shows the error)."""
        self._output.outputs = ()

    def start(self, answer: Answer) -> None:
        self._answer = answer
        self.started = True
        self._show(streaming_bundle(answer))
        self._throttle.started()

    def tick(self) -> None:
        self._throttle.tick(lambda: self._show(streaming_bundle(self._answer)))

    def finish(self, response: ShownAnswer) -> None:
        self._show(response_bundle(response))

    @property
    def text(self) -> str:
        return self._answer.text

    def _show(self, bundle: Bundle) -> None:
        self._output.outputs = (map_strings(output_item(bundle), self._clean),)
        self.redraws += 1
        if not self.shown:
            self.shown = True
            self._on_show()


def user_turn_html(text: str, attachments: Sequence[str] = ()) -> str:
    """The question as typed (escaped: it is the user's text, not markup), and what was attached."""
    note = f"<br><small>📎 {html.escape(', '.join(attachments))}</small>" if attachments else ""
    return f"<div style='white-space: pre-wrap'><b>You:</b> {html.escape(text)}{note}</div>"


def error_html(message: str) -> str:
    return (
        "<span class='jupyter-gemini-error' style='color: var(--jp-error-color1, #c62828)'>"
        f"⚠ {html.escape(message)}</span>"
    )
