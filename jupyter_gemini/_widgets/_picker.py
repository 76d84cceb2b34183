"""`model_picker(session)`: choose the session's model with prices in view.

Removed models are listed (so a user looking for one learns it is gone) but
cannot be selected: picking one keeps the current model and says why, with
the current alternatives. A removed model only fails on every request, so
there is nothing to gain from selecting it.
"""

from __future__ import annotations

import contextlib
import html
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .._cost._catalog import Catalog, ModelInfo
from .._cost._money import price_per_million
from .._display._bundles import Bundle
from ._base import WidgetHandle, add_classes, safely, watch_settings, widgets_possible
from ._summary import markers, models_fallback

if TYPE_CHECKING:
    from .._core._session import Session

_REFRESH_LOCK = threading.Lock()


def context_text(tokens: int) -> str:
    """`1M`, `128K`: short enough for a dropdown entry."""
    for size, unit in ((1_000_000, "M"), (1_000, "K")):
        if tokens >= size:
            return f"{tokens / size:.1f}".removesuffix(".0") + unit
    return str(tokens)


def option_label(info: ModelInfo) -> str:
    """One dropdown entry: id, prices per million tokens, context, images, status."""
    parts = [
        info.id,
        f"in {price_per_million(info.prompt_price)} · out {price_per_million(info.completion_price)} per M tokens",
        f"{context_text(info.context_length)} context",
        "images" if info.takes_images else "text only",
    ]
    parts.extend("✕ removed, not selectable" if w == "removed" else w for w in markers(info) if w != info.note)
    return " · ".join(parts)


def matches(info: ModelInfo, words: list[str]) -> bool:
    haystack = " ".join([info.id, info.name, *markers(info)]).lower()
    return all(word in haystack for word in words)


class ModelPicker(WidgetHandle):
    """Handle for the model dropdown; picking sets `session.settings.model`."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.catalog: Catalog = session.catalog()
        #: Set once the live `/models` list (or the built-in fallback) is in.
        self.catalog_ready = threading.Event()
        self._local = threading.local()
        self._built = False
        self._refill_lock = threading.RLock()  # the catalog thread and the kernel's thread both refill

    def _fallback(self) -> Bundle:
        # Without widgets, show the table `%gemini models` shows (fetching it, as that does).
        catalog = self.catalog if widgets_possible() else self.session.refresh_catalog()
        return models_fallback(catalog.flash(), self.session.settings.model, live=catalog.live)

    def _build(self) -> Any:
        import ipywidgets as w

        self.dropdown = add_classes(
            w.Dropdown(description="Model", layout=w.Layout(width="auto", min_width="32em")),
            "jupyter-gemini-model-dropdown",
        )
        self.filter = add_classes(
            w.Text(placeholder="filter, e.g. lite, 2.5, free", continuous_update=True, layout=w.Layout(width="18em")),
            "jupyter-gemini-filter",
        )
        self.show_all = add_classes(
            w.Checkbox(description="all models", value=False, indent=False, layout=w.Layout(width="auto")),
            "jupyter-gemini-all-models",
        )
        self.note = add_classes(w.HTML(), "jupyter-gemini-picker-note")
        root = add_classes(
            w.VBox(
                [
                    w.HBox([self.dropdown, self.filter, self.show_all], layout=w.Layout(flex_flow="row wrap")),
                    self.note,
                ]
            ),
            "jupyter-gemini-picker",
        )
        self.dropdown.observe(safely(self._on_pick), names="value")
        self.filter.observe(safely(lambda _: self.refill()), names="value")
        self.show_all.observe(safely(lambda _: self.refill()), names="value")
        self._on_close(watch_settings(self.session.settings, safely(self.refill), "model"))
        self._built = True
        self.refill()
        threading.Thread(target=safely(self._fetch_catalog), name="jupyter-gemini-models", daemon=True).start()
        return root

    # -- the list -------------------------------------------------------------

    def choices(self) -> tuple[tuple[str, str], ...]:
        """(label, model id) pairs: Flash (or all) models matching the filter, plus the current one."""
        pool = list(self.catalog) if self.show_all.value else self.catalog.flash()
        words = self.filter.value.lower().split()
        chosen = sorted((m for m in pool if matches(m, words)), key=lambda m: not m.available)  # removed last
        options = [(option_label(m), m.id) for m in chosen]
        current = self.session.settings.model
        if current not in {model_id for _, model_id in options}:
            info = self.catalog.get(current)
            label = option_label(info) if info else f"{current} · not in the catalog; priced by OpenRouter"
            options.insert(0, (label, current))
        return tuple(options)

    def refill(self) -> None:
        """Rebuild the options and select the session's model (on any thread)."""
        if not self._built:
            return
        with self._refill_lock:
            options = self.choices()
            with self._quietly():
                if tuple(self.dropdown.options) != options:
                    self.dropdown.options = options  # resets the selection: hence quietly
                self.dropdown.value = self.session.settings.model
            self._describe(self.session.settings.model)

    def _fetch_catalog(self) -> None:
        try:
            # One fetch at a time: a second picker must wait for the live list, not take the
            # built-in one that `refresh_catalog` returns while the first fetch is in flight.
            with _REFRESH_LOCK:
                self.catalog = self.session.refresh_catalog()
        finally:
            self.catalog_ready.set()
        self.refill()

    # -- picking --------------------------------------------------------------

    def _on_pick(self, change: Any) -> None:
        if getattr(self._local, "quiet", False) or change.new is None:
            return
        model_id: str = change.new
        info = self.catalog.get(model_id)
        if info is not None and not info.available:
            current = self.session.settings.model
            with self._quietly():
                self.dropdown.value = current
            alternatives = ", ".join(m.id for m in self.catalog.current_flash()) or "see %gemini models"
            self._describe(
                current,
                warning=f"{model_id} is no longer available on OpenRouter, so it was not selected "
                f"(still using {current}). Current Flash models: {alternatives}.",
            )
            return
        if self.session.settings.model != model_id:
            self.session.settings.model = model_id  # observers (tally, footers) follow
        self._describe(model_id)

    def _describe(self, model_id: str, warning: str = "") -> None:
        info = self.catalog.get(model_id)
        lines = []
        if warning:
            lines.append(f"<b>⚠ {html.escape(warning)}</b>")
        if info is not None and info.status == "deprecated":
            lines.append(html.escape(f"⚠ {model_id} is deprecated: {info.note or 'it will be removed'}."))
        elif info is not None and not info.available:
            lines.append(html.escape(f"⚠ {model_id} is no longer available on OpenRouter; pick another model."))
        source = "live from OpenRouter" if self.catalog.live else "built-in catalog"
        lines.append(f"<small>Prices in USD per million tokens, {source}.</small>")
        self.note.value = "<br>".join(lines)

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Changes made here are ours, not the user's: `_on_pick` ignores them (this thread only)."""
        previous = getattr(self._local, "quiet", False)
        self._local.quiet = True
        try:
            yield
        finally:
            self._local.quiet = previous


def model_picker(session: Session) -> ModelPicker:
    """A dropdown of Flash models with prices; display it, or put `.widget` in your own layout."""
    return ModelPicker(session)
