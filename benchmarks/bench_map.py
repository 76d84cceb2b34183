"""Batch `map` throughput and per-request CPU, against a naive sequential loop.

- Throughput: 1,000 prompts at 100 ms latency with concurrency 32; the
  physical limit is 32 / 0.1 s = 320 requests/s, the target 80% of it.
  Baseline: a sequential loop of `ask()` against the same emulator.
- Flat CPU: this process's CPU per request for 100 and for 10,000 rows at
  zero latency; the ratio shows nothing grows faster than the row count.
- The tally equals the emulator's own record of what it billed.

The emulator runs in its own process so it does not share our GIL.

    python benchmarks/bench_map.py
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from _common import BenchResult, Row, fmt_ms, log, print_table, verdict

LATENCY = 0.1
CONCURRENCY = 32
ROWS = 1000
TARGET_RATE = 0.8 * CONCURRENCY / LATENCY


@contextlib.contextmanager
def emulator_process(ttft: float) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_gemini.emulator", "--ttft", str(ttft), "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        yield first.split(": ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _batch_options(concurrency: int = CONCURRENCY) -> Any:
    """Every row sent (no cache), no progress display, no confirmation prompt."""
    from jupyter_gemini._batch._map import MapOptions

    return MapOptions(concurrency=concurrency, cache=False, quiet=True, confirm=True)


def _session(base_url: str) -> Any:
    os.environ["OPENROUTER_API_KEY"] = "sk-or-bench"
    from jupyter_gemini._core._session import Session
    from jupyter_gemini._core._settings import GeminiSettings

    return Session(GeminiSettings(base_url=base_url))


def _billed(session: Any) -> Decimal:
    from jupyter_gemini._transport._wire import to_decimal

    usage = to_decimal(session.client().get_json("/key")["data"]["usage"])
    return usage if usage is not None else Decimal(-1)


def throughput() -> dict[str, Any]:
    from jupyter_gemini import RowError
    from jupyter_gemini._batch._map import map_rows
    from jupyter_gemini._core._session import AskOptions

    with emulator_process(LATENCY) as base_url:
        session = _session(base_url)
        map_rows(session, None, ["warm-up"] * 4, _batch_options(4))
        log(f"map: {ROWS} prompts, {LATENCY * 1000:.0f} ms latency, concurrency {CONCURRENCY}")
        prompts = [f"Classify row {i}" for i in range(ROWS)]
        started = time.perf_counter()
        answers = map_rows(session, None, prompts, _batch_options())
        wall = time.perf_counter() - started
        failed = sum(isinstance(a, RowError) for a in answers)
        log("map: naive sequential ask() baseline, 20 calls")
        started = time.perf_counter()
        for i in range(20):
            session.ask(f"Sequential question {i}", AskOptions(stream=False), live=False)
        sequential = 20 / (time.perf_counter() - started)
        exact = session.tally.total == _billed(session)
    return {"rate": ROWS / wall, "wall": wall, "failed": failed, "sequential": sequential, "exact": exact}


def cpu_per_request() -> dict[int, float]:
    from jupyter_gemini._batch._map import map_rows

    per_request: dict[int, float] = {}
    with emulator_process(0.0) as base_url:
        session = _session(base_url)
        map_rows(session, None, ["warm-up"] * 50, _batch_options())
        for rows in (100, 10_000):
            log(f"map: CPU per request for {rows:,} rows")
            prompts = [f"CPU row {i}" for i in range(rows)]
            started = time.process_time()
            map_rows(session, None, prompts, _batch_options())
            per_request[rows] = (time.process_time() - started) / rows
    return per_request


def run() -> BenchResult:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["JUPYTER_GEMINI_CACHE_DIR"] = cache
        speed = throughput()
        cpu = cpu_per_request()
    flat = cpu[10_000] / cpu[100]
    rows = [
        Row(
            f"map {ROWS} prompts, {LATENCY * 1000:.0f} ms, x{CONCURRENCY}",
            f"{speed['rate']:.0f} req/s",
            f"{speed['sequential']:.1f} req/s sequential ask()",
            f"{speed['rate'] / speed['sequential']:.0f}x",
            f">= {TARGET_RATE:.0f} req/s (80% of {CONCURRENCY / LATENCY:.0f})",
            verdict(speed["rate"] >= TARGET_RATE and speed["failed"] == 0),
            note=f"{speed['wall']:.2f} s wall, {speed['failed']} failed rows; "
            f"tally == emulator's billed record: {speed['exact']}",
        ),
        Row(
            "map CPU per request, 10,000 vs 100 rows",
            fmt_ms(cpu[10_000]),
            f"{fmt_ms(cpu[100])} (100 rows)",
            f"{flat:.2f}x",
            "<= 1.5x (flat)",
            verdict(flat <= 1.5),
            note="this process's CPU (SDK parsing, bookkeeping, progress); the emulator runs in another process",
        ),
    ]
    return BenchResult("map", rows, {"throughput": speed, "cpu_per_request": cpu}, time.perf_counter() - started)


def main() -> int:
    print_table(run().rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
