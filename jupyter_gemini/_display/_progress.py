"""A batch's progress: an ipywidgets bar in a kernel, a line of text in a terminal.

Redrawn at most a few times a second whatever the row count, so the cost of
showing progress stays flat per row. At the end the bar is replaced by a
plain summary, so a saved notebook shows what happened.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .._cost._money import format_usd
from ._frontend import draws_in_place

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

REDRAW_INTERVAL = 0.25


@dataclasses.dataclass
class Counts:
    total: int
    done: int = 0
    failed: int = 0
    cached: int = 0
    spent: Decimal = Decimal(0)
    estimate: Decimal = Decimal(0)
    started: float = dataclasses.field(default_factory=time.monotonic)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = (self.done - self.cached) / elapsed
        parts = [
            f"{self.done:,}/{self.total:,} rows",
            f"{rate:,.1f} req/s",
            f"{self.failed:,} failed",
            f"{self.cached:,} cached",
            f"spent {format_usd(self.spent)} of ~{format_usd(self.estimate)} estimated",
        ]
        return " · ".join(parts)


class Progress:
    def __init__(self, counts: Counts, shell: InteractiveShell | None, *, quiet: bool = False) -> None:
        self.counts = counts
        self._next = 0.0
        self._mode = "quiet" if quiet else _mode(shell)
        self._handle: Any = None
        self._bar: Any = None
        self._label: Any = None

    def start(self) -> None:
        if self._mode == "widget":
            import ipywidgets as widgets
            from IPython.display import display

            self._bar = widgets.IntProgress(min=0, max=max(1, self.counts.total), description="map")
            self._label = widgets.Label(self.counts.line())
            box = widgets.HBox([self._bar, self._label])
            box.add_class("jupyter-gemini-map-progress")
            self._handle = display(box, display_id=True)
        elif self._mode == "display":
            from IPython.display import display

            self._handle = display({"text/plain": self.counts.line()}, raw=True, display_id=True)
        self._next = time.monotonic() + REDRAW_INTERVAL

    def tick(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + REDRAW_INTERVAL
        if self._mode == "quiet":
            return
        line = self.counts.line()
        if self._mode == "widget":
            self._bar.value = self.counts.done
            self._label.value = line
        elif self._mode == "display":
            self._handle.update({"text/plain": line}, raw=True)
        else:
            sys.stdout.write(f"\r{line}\x1b[K")
            sys.stdout.flush()

    def finish(self, note: str = "") -> None:
        summary = self.counts.line() + (f" · {note}" if note else "")
        if self._mode == "quiet":
            return
        if self._mode == "terminal":
            sys.stdout.write(f"\r{summary}\x1b[K\n")
            sys.stdout.flush()
            return
        if self._mode == "widget":
            self._bar.close()
            self._label.close()
        self._handle.update({"text/plain": summary, "text/markdown": summary.replace("$", r"\$")}, raw=True)


def _mode(shell: InteractiveShell | None) -> str:
    if not draws_in_place(shell):
        return "terminal"
    if getattr(shell, "kernel", None) is not None:
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return "display"
        return "widget"
    return "display"
