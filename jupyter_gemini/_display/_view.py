"""Showing an answer while it streams: one display, updated in place.

Redraws are throttled in time and in cost. Each redraw sends the whole text
so far, so the gap between redraws grows with the time a redraw takes; the
share of time spent redrawing stays bounded and total render work grows
linearly with the answer, not quadratically.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._transport._answer import Answer
from .._transport._answer_view import AnswerView
from ._bundles import Bundle, footer_text, response_bundle, status_bundle, streaming_bundle
from ._frontend import draws_in_place
from ._shown import ShownAnswer

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell


__all__ = ["AnswerView", "LiveView", "NullView", "RedrawThrottle"]

#: At most ~10 redraws a second, however fast tokens arrive.
MIN_REDRAW_INTERVAL = 0.1
#: Wait at least this many times the last redraw's own cost before the next.
REDRAW_COST_FACTOR = 20.0


class RedrawThrottle:
    """When a growing answer is drawn again: the one rule for the cell, the terminal-less views and the chat panel."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next = 0.0

    def started(self) -> None:
        """The answer was just drawn for the first time."""
        self._next = self._clock() + MIN_REDRAW_INTERVAL

    def tick(self, draw: Callable[[], None]) -> None:
        """Call `draw` if it is time; the next time waits in proportion to what this draw took."""
        now = self._clock()
        if now < self._next:
            return
        draw()
        spent = self._clock() - now
        self._next = now + max(MIN_REDRAW_INTERVAL, spent * REDRAW_COST_FACTOR)


class NullView:
    """For the Python API: the returned answer displays itself."""

    def status(self, text: str) -> None:
        pass

    def clear(self) -> None:
        pass

    def start(self, answer: Answer) -> None:
        pass

    def tick(self) -> None:
        pass

    def finish(self, response: ShownAnswer) -> None:
        pass


class LiveView:
    """A `display_id` output that grows in place (Jupyter frontends, nbclient)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._throttle = RedrawThrottle(clock)
        self._handle: Any = None
        self._answer = Answer(model="")
        self.redraws = 0

    def status(self, text: str) -> None:
        self._show(status_bundle(text))

    def clear(self) -> None:
        if self._handle is not None:
            self._update(({"text/plain": ""}, {}))

    def start(self, answer: Answer) -> None:
        self._answer = answer
        self._show(streaming_bundle(answer))
        self._throttle.started()

    def _show(self, bundle: Bundle) -> None:
        """The first call displays; later ones update the same output in place."""
        if self._handle is not None:
            self._update(bundle)
            return
        from IPython.display import display

        data, metadata = bundle
        self._handle = display(data, metadata=metadata, raw=True, display_id=True)

    def tick(self) -> None:
        self._throttle.tick(lambda: self._update(streaming_bundle(self._answer)))

    def finish(self, response: ShownAnswer) -> None:
        # `_show`, not `_update`: an interrupt can land before the first display (the answer is still shown).
        self._show(response_bundle(response))

    def _update(self, bundle: Bundle) -> None:
        data, metadata = bundle
        self._handle.update(data, metadata=metadata, raw=True)
        self.redraws += 1


class TerminalView:
    """Terminal IPython reprints a whole display on update, so print deltas instead."""

    def __init__(self, stream: Any = None) -> None:
        self._stream = stream or sys.stdout
        self._answer = Answer(model="")
        self._shown = 0
        self._status_shown = False

    def status(self, text: str) -> None:
        self._stream.write(f"\r{text}\x1b[K")
        self._stream.flush()
        self._status_shown = bool(text)

    def clear(self) -> None:
        if self._status_shown:
            self.status("")

    def start(self, answer: Answer) -> None:
        self._answer = answer
        self.clear()

    def tick(self) -> None:
        text = self._answer.text
        self._stream.write(text[self._shown :])
        self._stream.flush()
        self._shown = len(text)

    def finish(self, response: ShownAnswer) -> None:
        self.tick()
        if response.problem:
            self._stream.write(f"\n⚠ {response.problem}")
        self._stream.write(f"\n\n-- {footer_text(response)}\n")
        self._stream.flush()


def choose_view(shell: InteractiveShell | None, *, live: bool) -> AnswerView:
    """The view that suits the shell's frontend."""
    if not live or shell is None:
        return NullView()
    return LiveView() if draws_in_place(shell) else TerminalView()
