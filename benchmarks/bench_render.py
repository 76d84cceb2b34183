"""Render cost of a 20,000-token streamed answer against a 2,000-token one, in a real kernel.

Why: every redraw re-sends the whole text so far, so a naive streaming view
does quadratic work (and floods the frontend) on long answers. `LiveView`
throttles redraws in time (~10/s) and in cost; this checks that kernel CPU
grows about linearly with answer length (10x tokens -> ~10x CPU) and counts
the `update_display_data` messages the frontend receives.

CPU is the kernel process's own CPU time (all threads, including the iopub
thread that serialises updates), read from outside around each cell. The
same sizes through the bare openai SDK, in the same kernel, show how much of
that is transport (SSE parsing) rather than rendering.

    python benchmarks/bench_render.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from _common import (
    BARE_SETUP,
    INFO,
    MODEL_DIRECTIVE,
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
    probe_bodies,
    running_emulator,
    summarize,
    verdict,
)

SMALL, LARGE = 2_000, 20_000
TARGET_RATIO = 12.0
#: `LiveView` redraws at most every 0.1 s, plus the final response.
MAX_REDRAWS_PER_SECOND = 10.0


def prompt(tokens: int) -> str:
    return "Write a long essay about notebooks. " + MODEL_DIRECTIVE.format(tokens=tokens)


def allowed_updates(seconds: float) -> int:
    """Throttle bound for one cell: one redraw per 0.1 s it ran, plus the final one."""
    return math.floor(seconds * MAX_REDRAWS_PER_SECOND) + 1


def run(runs: int = 5, warmup: int = 1) -> BenchResult:
    started = time.perf_counter()
    sizes = (SMALL, LARGE)
    samples: dict[str, dict[int, list[dict[str, Any]]]] = {side: {n: [] for n in sizes} for side in ("gemini", "bare")}
    with running_emulator() as emu:
        bodies = dict(zip(sizes, probe_bodies(emu, [prompt(n) for n in sizes]), strict=True))
        with Kernel(bench_env(emu.base_url), RESULTS_DIR / "kernel-render.log") as kernel:
            kernel.run("%load_ext jupyter_gemini")
            kernel.run(BARE_SETUP)
            kernel.run(f"import json as _jg_json\n_jg_bodies = _jg_json.loads({json.dumps(bodies)!r})")
            log(f"render: {warmup} warm-up + {runs} runs of {SMALL:,} and {LARGE:,} tokens, %%gemini and bare SDK")
            for i in range(warmup + runs):
                plan = [(side, n) for n in sizes for side in ("gemini", "bare")]
                for side, n in plan if i % 2 == 0 else plan[::-1]:
                    code = (
                        f"%%gemini --new\n{prompt(n)}"
                        if side == "gemini"
                        else f"_jg_text = _jg_bare(_jg_bodies['{n}'])"
                    )
                    ex = kernel.execute(code, count_bytes=side == "gemini", timeout=300)
                    if ex.status != "ok":
                        raise RuntimeError(f"render {side} {n} failed: {ex.error}")
                    if i >= warmup:
                        samples[side][n].append(
                            {
                                "wall": ex.wall,
                                "cpu": ex.cpu,
                                "updates": ex.counts.get("update_display_data", 0),
                                "displays": ex.counts.get("display_data", 0),
                                "update_bytes": ex.update_bytes,
                            }
                        )
            cpu_source = kernel.cpu_source

    def stat(side: str, n: int, key: str) -> dict[str, float]:
        return summarize([s[key] for s in samples[side][n]])

    g_small, g_large = stat("gemini", SMALL, "cpu"), stat("gemini", LARGE, "cpu")
    b_small, b_large = stat("bare", SMALL, "cpu"), stat("bare", LARGE, "cpu")
    ratio = g_large["median"] / g_small["median"]
    bare_ratio = b_large["median"] / b_small["median"]
    rows = [
        Row(
            f"render CPU {LARGE // 1000}k vs {SMALL // 1000}k tokens",
            fmt_s(g_large["median"]),
            f"{fmt_s(g_small['median'])} ({SMALL:,} tok)",
            f"{ratio:.1f}x",
            f"<= {TARGET_RATIO:.0f}x (linear ~10x)",
            verdict(ratio <= TARGET_RATIO),
            note=f"kernel CPU per %%gemini cell, median of {g_large['n']}; CPU from {cpu_source}; "
            f"p25-p75 {fmt_s(g_large['p25'])}-{fmt_s(g_large['p75'])} vs "
            f"{fmt_s(g_small['p25'])}-{fmt_s(g_small['p75'])}",
        ),
        Row(
            "  (bare SDK CPU, same sizes)",
            fmt_s(b_large["median"]),
            f"{fmt_s(b_small['median'])} ({SMALL:,} tok)",
            f"{bare_ratio:.1f}x",
            "-",
            INFO,
            note="transport alone (SSE + SDK parsing) in the same kernel",
        ),
    ]
    for n, g, b in ((SMALL, g_small, b_small), (LARGE, g_large, b_large)):
        rows.append(
            Row(
                f"  (%%gemini / bare CPU, {n:,} tok)",
                fmt_s(g["median"]),
                fmt_s(b["median"]),
                f"{g['median'] / b['median']:.2f}x",
                "-",
                INFO,
            )
        )
    details: dict[str, Any] = {
        "cpu_source": cpu_source,
        "cpu_ratio": ratio,
        "bare_cpu_ratio": bare_ratio,
        "samples": {side: {str(n): v for n, v in per.items()} for side, per in samples.items()},
    }
    for n in sizes:
        cells = samples["gemini"][n]
        worst = max(s["updates"] - allowed_updates(s["wall"]) for s in cells)
        updates = summarize([s["updates"] for s in cells])
        wall = summarize([s["wall"] for s in cells])
        mb = summarize([s["update_bytes"] for s in cells])["median"] / 1e6
        # The final update (the answer with its cost footer) is not a throttled redraw.
        redraw_rate = max(updates["median"] - 1, 0) / wall["median"]
        rows.append(
            Row(
                f"display updates, {n:,} tok",
                f"{updates['median']:.0f} in {fmt_ms(wall['median'])}",
                "-",
                f"{redraw_rate:.1f} redraws/s",
                "<= 10/s + final",
                verdict(worst <= 0),
                note=f"update_display_data messages on iopub per cell (plus 1 display_data), the last one being "
                f"the final answer; {mb:.2f} MB of update payload per cell; "
                f"the bound is floor(10 x cell seconds) + 1 for every run",
            )
        )
        details[f"updates_{n}"] = {"updates": updates, "wall": wall, "update_megabytes": mb, "worst_excess": worst}
    return BenchResult("render", rows, details, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per size and side (default 5)")
    args = parser.parse_args(argv)
    result = run(runs=args.runs)
    print_table(result.rows)
    return 0 if all(r.verdict in (PASS, INFO, SKIP) for r in result.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
