"""`tally_widget(session)`: the session's cost, live, from any cell or the chat panel.

It subscribes to the session's `CostTally`, so every request (a `%%gemini`
cell, `jupyter_gemini.ask`, a chat panel, a batch) redraws it on whatever
thread counted the request; nobody needs to re-run the cell. Dollar figures
are HTML widgets, not Labels: Labels typeset `$…$` as LaTeX.
"""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING, Any

from .._display._bundles import Bundle
from ._base import WidgetHandle, add_classes, safely, watch_settings
from ._credit import CreditMonitor, credit_monitor
from ._summary import details_html, summarize, tally_fallback

if TYPE_CHECKING:
    from .._core._session import Session

DETAILS_TITLE = "Details: per model and last requests"


class TallyWidget(WidgetHandle):
    """Handle for the live cost tally; `.widget` is the ipywidgets box."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.credit: CreditMonitor = credit_monitor(session)
        self._built = False
        # Request, credit and settings threads all redraw: one at a time, so an older
        # summary can never be written over a newer one.
        self._redraw_lock = threading.RLock()

    def _fallback(self) -> Bundle:
        return tally_fallback(self.session, self.credit.credit)

    def _build(self) -> Any:
        import ipywidgets as w

        def text(css_class: str) -> Any:
            return add_classes(w.HTML(layout=w.Layout(width="auto", margin="0 1em 0 0")), css_class)

        self.total = text("jupyter-gemini-total")
        self.requests = text("jupyter-gemini-requests")
        self.tokens = text("jupyter-gemini-tokens")
        self.model = text("jupyter-gemini-model")
        self.budget = text("jupyter-gemini-budget")
        self.credit_label = text("jupyter-gemini-credit")
        self.refresh_button = add_classes(
            w.Button(
                icon="refresh",
                tooltip="Redraw and fetch the remaining OpenRouter credit again",
                layout=w.Layout(width="2.5em"),
            ),
            "jupyter-gemini-refresh",
        )
        self.details = add_classes(w.HTML(), "jupyter-gemini-details")
        self.accordion = w.Accordion(children=[self.details], titles=(DETAILS_TITLE,), selected_index=None)
        header = w.HBox(
            [self.total, self.requests, self.tokens, self.model, self.budget, self.credit_label, self.refresh_button],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        root = add_classes(w.VBox([header, self.accordion]), "jupyter-gemini-tally")

        self.refresh_button.on_click(safely(self._on_refresh))
        self._on_close(self.session.tally.subscribe(safely(self._on_tally)))
        self._on_close(watch_settings(self.session.settings, safely(self.redraw), "model", "budget"))
        self._on_close(self.credit.subscribe(safely(self.redraw)))
        self._built = True
        self.redraw()
        self.credit.refresh()  # first use: fetch the credit once, in the background
        return root

    def redraw(self) -> None:
        """Copy the session's numbers into the widgets (called on any thread)."""
        if not self._built:
            return
        with self._redraw_lock:
            self._draw()

    def _draw(self) -> None:
        summary = summarize(self.session, self.credit.credit)
        self.total.value = f"<b>{html.escape(summary.total)}</b>"
        self.total.tooltip = "Session total (≈: part of it is an estimate)" if "≈" in summary.total else "Session total"
        self.requests.value = html.escape(summary.requests)
        self.tokens.value = html.escape(summary.tokens)
        self.model.value = f"model <code>{html.escape(summary.model)}</code>"
        self.budget.value = html.escape(summary.budget)
        self.budget.layout.display = None if summary.budget else "none"
        self.credit_label.value = html.escape(summary.credit)
        self.credit_label.tooltip = summary.credit_problem or "Remaining credit from OpenRouter's GET /key"
        self.details.value = details_html(self.session.tally)

    def _on_tally(self, _: Any = None) -> None:
        self.redraw()
        self.credit.refresh()  # at most every MIN_REFRESH_INTERVAL seconds

    def _on_refresh(self, _: Any = None) -> None:
        self.redraw()
        self.credit.refresh(force=True)


def tally_widget(session: Session) -> TallyWidget:
    """A compact live cost tally for `session`; display it, or put `.widget` in your own layout."""
    return TallyWidget(session)
