"""Render cost of an answer with 5,000 thinking tokens and 2,000 answer tokens against the 2,000-token answer alone.

Why: the thinking streams into its own collapsed section above the answer, redrawn with the
answer. Kernel CPU must grow linearly with everything streamed (7,000 tokens against 2,000:
about 3.5x), and the thinking must not add redraws beyond the one throttle the answer uses
(at most ~10 a second, plus the final answer).

Same kernel, same emulator, alternating cells; CPU is the kernel process's own, read from
outside around each cell (as `bench_render`).

    python benchmarks/bench_thinking.py [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import (
    PASS,
    RESULTS_DIR,
    SKIP,
    BenchResult,
    Kernel,
    Row,
    bench_env,
    fmt_ms,
    fmt_s,
    log,
    print_table,
    running_emulator,
    summarize,
    verdict,
)
from bench_render import allowed_updates

ANSWER, THINKING = 2_000, 5_000
#: Linear would be (2,000 + 5,000) / 2,000 = 3.5x; the margin covers the section's own markup.
TARGET_RATIO = 4.5


def cell(thinking: int) -> str:
    return f"%%gemini --new\nExplain notebooks at length. [[emulator: tokens={ANSWER} reasoning={thinking}]]"


def run(runs: int = 5, warmup: int = 1) -> BenchResult:
    started = time.perf_counter()
    samples: dict[int, list[dict[str, float]]] = {0: [], THINKING: []}
    with running_emulator() as emu, Kernel(bench_env(emu.base_url), RESULTS_DIR / "kernel-thinking.log") as kernel:
        kernel.run("%load_ext jupyter_gemini")
        log(f"thinking: {warmup} warm-up + {runs} runs of {ANSWER:,} answer tokens with and without {THINKING:,}")
        for i in range(warmup + runs):
            for thinking in (0, THINKING) if i % 2 == 0 else (THINKING, 0):
                ex = kernel.execute(cell(thinking), count_bytes=True, timeout=300)
                if ex.status != "ok":
                    raise RuntimeError(f"thinking {thinking} failed: {ex.error}")
                if i >= warmup:
                    updates = ex.counts.get("update_display_data", 0)
                    samples[thinking].append(
                        {
                            "cpu": ex.cpu,
                            "wall": ex.wall,
                            "updates": updates,
                            "excess": updates - allowed_updates(ex.wall),
                        }
                    )
        cpu_source = kernel.cpu_source
    plain, thought = (summarize([s["cpu"] for s in samples[n]]) for n in (0, THINKING))
    ratio = thought["median"] / plain["median"]
    rows = [
        Row(
            f"render CPU {ANSWER:,} + {THINKING:,} thinking vs {ANSWER:,} tokens",
            fmt_s(thought["median"]),
            fmt_s(plain["median"]),
            f"{ratio:.1f}x",
            f"<= {TARGET_RATIO}x (linear 3.5x)",
            verdict(ratio <= TARGET_RATIO),
            note=f"kernel CPU per %%gemini cell, median of {thought['n']}; CPU from {cpu_source}",
        )
    ]
    for n, label in ((0, "answer alone"), (THINKING, "with thinking")):
        updates = summarize([s["updates"] for s in samples[n]])
        wall = summarize([s["wall"] for s in samples[n]])
        worst = max(s["excess"] for s in samples[n])
        rows.append(
            Row(
                f"display updates, {label}",
                f"{updates['median']:.0f} in {fmt_ms(wall['median'])}",
                "-",
                f"{max(updates['median'] - 1, 0) / wall['median']:.1f} redraws/s",
                "<= 10/s + final",
                verdict(worst <= 0),
                note="the thinking section redraws with the answer, under the same throttle",
            )
        )
    details = {"cpu_ratio": ratio, "cpu_source": cpu_source, "samples": {str(k): v for k, v in samples.items()}}
    return BenchResult("thinking", rows, details, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per side (default 5)")
    args = parser.parse_args(argv)
    result = run(runs=args.runs)
    print_table(result.rows)
    return 0 if all(r.verdict in (PASS, SKIP) or r.verdict == "INFO" for r in result.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
