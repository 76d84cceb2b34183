"""A cache hit, from `%%gemini` to the answer on screen, against the same question asked for real.

Runs in an IPython InteractiveShell with output captured (the display-handle
path), the emulator in a thread of this process with zero latency, so the
miss is the fastest a real request can be. Target: a hit under 5 ms.

    python benchmarks/bench_cache.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from _common import BenchResult, Row, fmt_ms, log, print_table, running_emulator, summarize, verdict

TARGET = 0.005
RUNS = 40


def run(runs: int = RUNS) -> BenchResult:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache, running_emulator() as emu:
        os.environ.update(
            JUPYTER_GEMINI_CACHE_DIR=cache, OPENROUTER_BASE_URL=emu.base_url, OPENROUTER_API_KEY="sk-or-bench"
        )
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output

        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "jupyter_gemini")

        def timed(cell: str) -> float:
            with capture_output() as captured:
                begin = time.perf_counter()
                result = shell.run_cell(cell)
                elapsed = time.perf_counter() - begin
            if not result.success or not captured.outputs:
                raise RuntimeError(f"cell failed: {result.error_in_exec}")
            return elapsed

        log(f"cache: {runs} misses (new questions) and {runs} hits (the same question again)")
        timed("%%gemini --new --temperature 0\nwarm up")
        misses, hits = [], []
        for i in range(runs):
            question = f"%%gemini --new --temperature 0\nQuestion number {i}"
            misses.append(timed(question))
            hits.append(timed(question))
    hit, miss = summarize(hits), summarize(misses)
    rows = [
        Row(
            "cache hit: magic -> display",
            fmt_ms(hit["median"]),
            f"{fmt_ms(miss['median'])} miss (zero-latency emulator)",
            f"{miss['median'] / hit['median']:.0f}x faster",
            f"< {fmt_ms(TARGET)}",
            verdict(hit["median"] < TARGET),
            note=f"median of {runs}; p25-p75 {fmt_ms(hit['p25'])}-{fmt_ms(hit['p75'])}; a hit costs $0",
        )
    ]
    return BenchResult("cache", rows, {"hit_s": hits, "miss_s": misses}, time.perf_counter() - started)


def main() -> int:
    print_table(run().rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
