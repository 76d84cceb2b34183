"""What every widget command returns: a handle that builds its widgets only when shown.

Creating the handle imports nothing heavy. Displaying it in a kernel sends
the widget view *and* `text/plain` + `text/html` fallbacks, so nbconvert and
frontends without the widget manager still show a table. In terminal IPython
(no kernel) it prints the text table and never imports ipywidgets.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .._display._bundles import Bundle

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

_log = logging.getLogger("jupyter_gemini.widgets")


def widgets_possible() -> bool:
    """False in plain Python and terminal IPython, where widget views cannot be drawn."""
    from IPython import get_ipython

    from .._display._frontend import draws_in_place

    return draws_in_place(get_ipython())


class WidgetHandle:
    """Base for the tally, picker and chat handles.

    Subclasses implement `_build()` (return the root widget, keep named
    sub-widgets as attributes) and `_fallback()` (text and HTML bundle).
    """

    def __init__(self) -> None:
        self._root: Any = None
        self._cleanups: list[Callable[[], None]] = []

    # -- building -------------------------------------------------------------

    @property
    def widget(self) -> Any:
        """The root ipywidget; built (and ipywidgets imported) on first access."""
        if self._root is None:
            self._root = self._build()
        return self._root

    def _build(self) -> Any:
        raise NotImplementedError

    def _fallback(self) -> Bundle:
        raise NotImplementedError

    def _on_close(self, cleanup: Callable[[], None]) -> None:
        """Run `cleanup` (unsubscribe, unobserve, …) when the handle is closed."""
        self._cleanups.append(cleanup)

    def close(self) -> None:
        """Stop listening to the session and close every widget this handle made."""
        while self._cleanups:
            with contextlib.suppress(Exception):  # a stale listener must not block closing the rest
                self._cleanups.pop()()
        if self._root is not None:
            for widget in walk(self._root):
                widget.close()

    # -- showing --------------------------------------------------------------

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        data, metadata = self._fallback()
        if widgets_possible():
            data = {
                WIDGET_VIEW_MIME: {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id},
                **data,
            }
        return data, metadata

    def __repr__(self) -> str:
        text: str = self._fallback()[0]["text/plain"]
        return text


def walk(widget: Any) -> Iterator[Any]:
    """The widget and all its descendants (children of boxes and accordions)."""
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from walk(child)


def html_table(headers: Iterable[str], rows: Iterable[Iterable[str]], *, css_class: str = "") -> str:
    """An escaped HTML table: the fallback and the details pane draw tables the same way."""
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    cls = f" class='{html.escape(css_class)}'" if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def add_classes(widget: Any, *classes: str) -> Any:
    for css_class in classes:
        widget.add_class(css_class)
    return widget


def safely(function: Callable[..., object]) -> Callable[..., None]:
    """Wrap a listener so that a widget problem never breaks the request that notified it."""

    def wrapper(*args: Any) -> None:
        try:
            function(*args)
        except Exception:
            _log.debug("jupyter-gemini widget update failed", exc_info=True)

    return wrapper


def watch_settings(settings: Any, callback: Callable[[], None], *names: str) -> Callable[[], None]:
    """Call `callback` when one of the named settings changes; returns an unsubscribe function.

    GeminiMagics settings are traitlets and can be observed; a plain dataclass
    (the Python API outside IPython) cannot, and then widgets pick up the
    change on their next redraw instead.
    """
    observe = getattr(settings, "observe", None)
    unobserve = getattr(settings, "unobserve", None)
    if observe is None or unobserve is None:
        return lambda: None

    def handler(change: Any) -> None:
        callback()

    observe(handler, names=list(names))
    return lambda: unobserve(handler, names=list(names))
