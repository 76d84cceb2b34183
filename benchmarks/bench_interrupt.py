"""How fast a streaming answer stops: a kernel interrupt, and the chat panel's Stop.

- Interrupt: a real ipykernel streams a slow answer; after the first update
  the kernel is interrupted (SIGINT, as JupyterLab's stop button does) and we
  time until the cell's error message arrives on iopub.
- Stop: in-process, a CancelToken is cancelled from another thread while the
  stream is silent (no bytes at all), the hardest case: the session must
  shut the socket down rather than wait for data. Timed until ask() returns.

Target for both: under 200 ms (median). Baseline: the emulator's own time
between tokens, so the ratio says how many token gaps a stop takes.

    python benchmarks/bench_interrupt.py
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Any

from _common import (
    RESULTS_DIR,
    BenchResult,
    Kernel,
    Row,
    bench_env,
    fmt_ms,
    log,
    print_table,
    running_emulator,
    summarize,
    verdict,
)

TARGET = 0.200
TOKEN_GAP = 1 / 50  # the emulator streams 50 tokens a second here


def _interrupt_once(kernel: Kernel) -> float:
    kc = kernel.kc
    msg_id = kc.execute("%%gemini --new\n[[emulator: tokens=2000 tps=50]] A long answer.")
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "update_display_data":
            break
    started = time.perf_counter()
    kernel.km.interrupt_kernel()
    stopped = None
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "error" and stopped is None:
            stopped = time.perf_counter() - started
            if msg["content"]["ename"] != "InterruptedByUserError":
                raise RuntimeError(f"unexpected error after interrupt: {msg['content']['ename']}")
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    if stopped is None:
        raise RuntimeError("the interrupted cell reported no error")
    return stopped


def _stop_once(session: Any, options: Any) -> float:
    from jupyter_gemini._display._view import NullView
    from jupyter_gemini._transport._cancel import CancelToken
    from jupyter_gemini.errors import InterruptedByUserError

    token = CancelToken()
    pressed: list[float] = []

    def press_stop() -> None:
        time.sleep(0.3)  # well into the silent stall
        pressed.append(time.perf_counter())
        token.cancel()

    presser = threading.Thread(target=press_stop)
    presser.start()
    with contextlib.suppress(InterruptedByUserError):
        session.ask(
            "[[emulator: tokens=50 fault=stall after=5 stall=30 stall_silent=1]] hi",
            options,
            view=NullView(),
            cancel=token,
        )
    returned = time.perf_counter()
    presser.join()
    return returned - pressed[0]


def run(runs: int = 7) -> BenchResult:
    started = time.perf_counter()
    with running_emulator() as emu:
        with Kernel(bench_env(emu.base_url), RESULTS_DIR / "kernel-interrupt.log") as kernel:
            kernel.run("%load_ext jupyter_gemini")
            kernel.run("%%gemini\nwarm-up")
            log(f"interrupt: {runs} interrupts of a streaming answer in a real kernel")
            interrupts = [_interrupt_once(kernel) for _ in range(runs)]

        os.environ["OPENROUTER_BASE_URL"] = emu.base_url
        os.environ.setdefault("OPENROUTER_API_KEY", "sk-or-bench")
        from jupyter_gemini._core._session import AskOptions, Session
        from jupyter_gemini._core._settings import GeminiSettings

        session = Session(GeminiSettings(base_url=emu.base_url))
        session.ask("warm-up", AskOptions(), live=False)
        log(f"stop: {runs} Stops during a silent stall, in-process")
        stops = [_stop_once(session, AskOptions()) for _ in range(runs)]

    i, s = summarize(interrupts), summarize(stops)
    rows = [
        Row(
            "interrupt -> error shown (kernel)",
            fmt_ms(i["median"]),
            f"{fmt_ms(TOKEN_GAP)} token gap",
            f"{i['median'] / TOKEN_GAP:.1f}x",
            f"< {fmt_ms(TARGET)}",
            verdict(i["median"] < TARGET),
            note=f"median of {runs}; max {fmt_ms(max(interrupts))}; partial text kept, cost estimated",
        ),
        Row(
            "Stop -> ask() returns (silent stream)",
            fmt_ms(s["median"]),
            f"{fmt_ms(TOKEN_GAP)} token gap",
            f"{s['median'] / TOKEN_GAP:.1f}x",
            f"< {fmt_ms(TARGET)}",
            verdict(s["median"] < TARGET),
            note=f"median of {runs}; max {fmt_ms(max(stops))}; the socket is shut down, no bytes needed",
        ),
    ]
    return BenchResult("interrupt", rows, {"interrupt_s": interrupts, "stop_s": stops}, time.perf_counter() - started)


def main() -> int:
    print_table(run().rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
