"""The `jupyter_gemini` comm target that feeds JupyterLab's status bar.

Unit tests drive `TallyChannel` with recording fake comms; kernel tests open a
real comm to a real ipykernel through jupyter_client, as JupyterLab does.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import magics
from jupyter_client.manager import start_new_kernel

from jupyter_gemini._cost._usage import Usage
from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini._ipython import _comm, _extension
from jupyter_gemini.emulator import Emulator


class FakeComm:
    def __init__(self, *, broken: bool = False) -> None:
        self.comm_id = uuid.uuid4().hex
        self.sent: list[dict[str, Any]] = []
        self.closed = False
        self.broken = broken
        self.msg_callback: Any = None
        self.close_callback: Any = None

    def send(self, data: dict[str, Any]) -> None:
        if self.broken:
            raise RuntimeError("socket closed")
        self.sent.append(data)

    def on_msg(self, callback: Any) -> None:
        self.msg_callback = callback

    def on_close(self, callback: Any) -> None:
        self.close_callback = callback

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def channel(ip):
    session = magics(ip).session
    channel = _comm.TallyChannel(lambda: session)
    yield channel
    channel.close()


def test_open_sends_the_state_at_once(channel):
    comm = FakeComm()
    channel.open(comm, {})
    (state,) = comm.sent
    # The tally may grow fields (other features add some); these are what the status bar reads.
    expected = {
        "type": "tally",
        "version": 1,
        "model": channel.session.settings.model,
        "budget": None,
        "budget_text": None,
        "emulator": False,
        "total": "0",
        "total_text": "$0",
        "estimated": False,
        "requests": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "models": [],
    }
    assert {key: state[key] for key in expected} == expected
    assert set(state) == {*expected, *channel.session.tally.to_json()}


def test_every_tally_change_is_pushed_to_every_comm(channel):
    first, second = FakeComm(), FakeComm()
    channel.open(first, {})
    channel.open(second, {})
    channel.session.tally.record("google/gemini-2.5-flash", Usage(10, 20, 30), Decimal("0.0000530"))
    for comm in (first, second):
        assert comm.sent[-1]["total"] == "0.0000530"
        assert comm.sent[-1]["total_text"] == "$0.000053"  # as `%gemini cost` writes it
        assert comm.sent[-1]["models"][0]["model"] == "google/gemini-2.5-flash"
        assert comm.sent[-1]["requests"] == 1


def test_model_and_budget_changes_are_pushed(ip, channel):
    comm = FakeComm()
    channel.open(comm, {})
    ip.run_line_magic("gemini", "model google/gemini-2.5-flash-lite")
    assert comm.sent[-1]["model"] == "google/gemini-2.5-flash-lite"
    ip.run_line_magic("gemini", "budget 0.50")
    assert comm.sent[-1]["budget"] == "0.5"
    assert comm.sent[-1]["budget_text"] == "$0.5"


def test_refresh_message_resends_and_close_forgets(channel):
    comm = FakeComm()
    channel.open(comm, {})
    comm.msg_callback({"content": {"data": {"type": "refresh"}}})
    comm.msg_callback({"content": {"data": {"type": "something else"}}})
    assert len(comm.sent) == 2
    comm.close_callback({})
    channel.session.tally.record("m", Usage(1, 1, 2), Decimal("0.1"))
    assert len(comm.sent) == 2


def test_a_broken_comm_is_dropped_without_breaking_the_tally(channel):
    good, broken = FakeComm(), FakeComm(broken=True)
    channel.open(good, {})
    channel.open(broken, {})
    channel.session.tally.record("m", Usage(1, 1, 2), Decimal("0.1"))
    assert broken.comm_id not in channel.comms
    assert good.sent[-1]["total"] == "0.1"


def test_close_unsubscribes_and_closes_comms(ip, channel):
    comm = FakeComm()
    channel.open(comm, {})
    channel.close()
    assert comm.closed
    channel.session.tally.record("m", Usage(1, 1, 2), Decimal("0.1"))
    ip.run_line_magic("gemini", "model google/gemini-2.5-flash")
    assert len(comm.sent) == 1


def test_install_outside_a_kernel_does_nothing(ip):
    assert _comm.install(ip, lambda: magics(ip).session) is False
    assert _comm.channel() is None
    _comm.uninstall()  # harmless when nothing is installed


# -- a real kernel ------------------------------------------------------------------------------

#: Installs the target by hand when `_ipython/_extension.py` does not yet call `_ipython._comm.install` at %load_ext.
ENSURE_INSTALLED = (
    "from jupyter_gemini._ipython import _comm\n"
    "if _comm.channel() is None:\n"
    "    _comm.install(get_ipython(), lambda: get_ipython().magics_manager.registry['GeminiMagics'].session)\n"
)


def iopub_until_idle(kc: Any, msg_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every iopub message up to `msg_id`'s idle; comm messages are kept whatever their parent."""
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["msg_type"].startswith("comm_") or msg["parent_header"].get("msg_id") == msg_id:
            messages.append(msg)
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
        ):
            return messages


def execute(kc: Any, code: str) -> list[dict[str, Any]]:
    return iopub_until_idle(kc, kc.execute(code))


def open_comm(kc: Any, comm_id: str, target: str = _comm.TARGET) -> list[dict[str, Any]]:
    """Send `comm_open` on the shell channel, as JupyterLab's `kernel.createComm().open()` does."""
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": target, "data": {}})
    kc.shell_channel.send(msg)
    return iopub_until_idle(kc, msg["header"]["msg_id"])


def send_comm_msg(kc: Any, comm_id: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    kc.shell_channel.send(msg)
    return iopub_until_idle(kc, msg["header"]["msg_id"])


def states(messages: list[dict[str, Any]], comm_id: str) -> list[dict[str, Any]]:
    return [
        m["content"]["data"] for m in messages if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id
    ]


@pytest.fixture
def kc(emulator: Emulator):
    km, client = start_new_kernel(kernel_name="python3")
    try:
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.kernel
def test_without_the_extension_the_kernel_closes_the_comm(kc):
    comm_id = uuid.uuid4().hex
    messages = open_comm(kc, comm_id)
    assert [m["content"]["comm_id"] for m in messages if m["msg_type"] == "comm_close"] == [comm_id]
    assert states(messages, comm_id) == []


@pytest.mark.kernel
def test_status_bar_channel_in_a_real_kernel(kc):
    execute(kc, "%load_ext jupyter_gemini")
    execute(kc, ENSURE_INSTALLED)
    execute(kc, "%gemini emulator")
    comm_id = uuid.uuid4().hex

    (opened,) = states(open_comm(kc, comm_id), comm_id)
    assert opened["type"] == "tally" and opened["total"] == "0" and opened["requests"] == 0
    assert opened["emulator"] is True

    messages = execute(kc, "%%gemini\n[[emulator: tokens=40]] What is a comm?")
    pushed = states(messages, comm_id)
    assert pushed, "the tally change was not pushed"
    after = pushed[-1]
    answers = [
        m["content"]["data"][RESPONSE_MIME]
        for m in messages
        if m["msg_type"] in ("display_data", "update_display_data")
    ]
    final = answers[-1]
    assert final["status"] == "complete"
    assert after["requests"] == 1
    assert after["total"] == final["session_total"] == final["cost"]
    assert after["models"][0]["model"] == final["model"]
    assert after["models"][0]["completion_tokens"] == 40

    model_change = states(execute(kc, "%gemini model google/gemini-2.5-flash"), comm_id)[-1]
    assert model_change["model"] == "google/gemini-2.5-flash"
    assert model_change["total"] == after["total"]

    (refreshed,) = states(send_comm_msg(kc, comm_id, {"type": "refresh"}), comm_id)
    assert refreshed == model_change

    closing = execute(kc, "from jupyter_gemini._ipython import _comm; _comm.uninstall()")
    assert [m["content"]["comm_id"] for m in closing if m["msg_type"] == "comm_close"] == [comm_id]


@pytest.mark.kernel
@pytest.mark.skipif(
    "_comm" not in Path(_extension.__file__).read_text(),
    reason="_extension.py does not call _comm.install/uninstall yet",
)
def test_load_ext_registers_the_target_and_unload_closes_it(kc):
    execute(kc, "%load_ext jupyter_gemini")
    comm_id = uuid.uuid4().hex
    (opened,) = states(open_comm(kc, comm_id), comm_id)
    assert opened["type"] == "tally"
    closing = execute(kc, "%unload_ext jupyter_gemini")
    assert [m["content"]["comm_id"] for m in closing if m["msg_type"] == "comm_close"] == [comm_id]
    messages = open_comm(kc, uuid.uuid4().hex)
    assert [m["msg_type"] for m in messages if m["msg_type"].startswith("comm_")] == ["comm_close"]
