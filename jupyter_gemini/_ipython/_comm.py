"""The `jupyter_gemini` comm target: the session's cost, pushed to JupyterLab's status bar.

Protocol (version 1; also in labextension/README.md):

- The frontend opens a comm to the target `jupyter_gemini`; the open data is ignored.
- The kernel answers at once, and again after every change of the tally, the
  model or the budget, with one message:
  `{"type": "tally", "version": 1, "model": str, "budget": str | None,
  "budget_text": str | None, "emulator": bool, **CostTally.to_json()}` (amounts
  are exact decimal strings; each `*_text` is the amount as the kernel writes it,
  `≈` included, which is what the frontend shows).
- The frontend may send `{"type": "refresh"}` to get the state again.
- No target (the extension is not loaded): the kernel closes the comm, and
  the frontend falls back to `session_total` in each answer's JSON.

`%load_ext` must stay instant: this module imports nothing at import time,
and `comm` (already loaded in any ipykernel) only in `install`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .._core._session import Session

TARGET = "jupyter_gemini"
PROTOCOL_VERSION = 1
#: Settings whose change is pushed at once (the tally pushes itself).
_WATCHED_SETTINGS = ["model", "budget"]


class TallyChannel:
    """Every open comm of one session, and what they are sent."""

    def __init__(self, session_provider: Callable[[], Session]) -> None:
        self._provider = session_provider
        self._session: Session | None = None
        self.comms: dict[str, Any] = {}
        self._lock = threading.Lock()  # the tally can change on a chat panel's thread
        self._unsubscribe: Callable[[], None] = lambda: None
        self._observed = False

    @property
    def session(self) -> Session:
        """Fetched when a frontend first opens the comm, so `%load_ext` builds no session."""
        if self._session is None:
            session = self._session = self._provider()
            self._unsubscribe = session.tally.subscribe(lambda _tally: self.push())
            self._observed = hasattr(session.settings, "observe")
            if self._observed:
                session.settings.observe(self._on_setting, names=_WATCHED_SETTINGS)
        return self._session

    def state(self) -> dict[str, Any]:
        from .._cost._money import format_usd  # on first use: %load_ext loads no money formatting

        budget = self.session.budget
        return {
            "type": "tally",
            "version": PROTOCOL_VERSION,
            "model": str(self.session.settings.model),
            "budget": None if budget is None else str(budget),
            "budget_text": None if budget is None else format_usd(budget),
            "emulator": self.session.emulator is not None,
            **self.session.tally.to_json(),
        }

    def open(self, comm: Any, _msg: dict[str, Any]) -> None:
        """The comm manager's callback for a frontend's `comm_open`."""
        with self._lock:
            self.comms[comm.comm_id] = comm
        comm.on_msg(lambda msg: self._on_msg(comm, msg))
        comm.on_close(lambda _msg: self._forget(comm))
        self._send(comm, self.state())

    def push(self) -> None:
        with self._lock:
            comms = list(self.comms.values())
        if comms:
            state = self.state()
            for comm in comms:
                self._send(comm, state)

    def close(self) -> None:
        """Stop listening and close every comm; calling it again does nothing."""
        self._unsubscribe, unsubscribe = (lambda: None), self._unsubscribe
        unsubscribe()
        if self._observed:
            self._observed = False
            self.session.settings.unobserve(self._on_setting, names=_WATCHED_SETTINGS)
        with self._lock:
            comms, self.comms = list(self.comms.values()), {}
        for comm in comms:
            with contextlib.suppress(Exception):  # a kernel shutting down may have closed its sockets
                comm.close()

    def _on_setting(self, _change: Any) -> None:
        self.push()

    def _on_msg(self, comm: Any, msg: dict[str, Any]) -> None:
        data = msg.get("content", {}).get("data") or {}
        if isinstance(data, dict) and data.get("type") == "refresh":
            self._send(comm, self.state())

    def _forget(self, comm: Any) -> None:
        with self._lock:
            self.comms.pop(comm.comm_id, None)

    def _send(self, comm: Any, state: dict[str, Any]) -> None:
        try:
            comm.send(state)
        except Exception:  # a closed or broken comm must never break a %%gemini cell
            self._forget(comm)


_channel: TallyChannel | None = None


def install(shell: InteractiveShell, session_provider: Callable[[], Session]) -> bool:
    """Register the comm target for the session; False outside a kernel (terminal IPython)."""
    global _channel
    if getattr(shell, "kernel", None) is None:
        return False
    import comm

    uninstall()
    channel = TallyChannel(session_provider)
    comm.get_comm_manager().register_target(TARGET, channel.open)
    _channel = channel
    return True


def uninstall() -> None:
    """Unregister the target and close every open comm; safe to call when not installed."""
    global _channel
    channel, _channel = _channel, None
    if channel is None:
        return
    import comm

    manager = comm.get_comm_manager()
    if manager.targets.get(TARGET) == channel.open:
        manager.unregister_target(TARGET, channel.open)
    channel.close()


def channel() -> TallyChannel | None:
    """The installed channel, for tests and diagnostics."""
    return _channel
