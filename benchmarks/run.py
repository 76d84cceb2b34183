"""Run every jupyter-gemini benchmark and print one combined table; JSON goes to benchmarks/results/latest.json.

Benchmarks are not tests: a MISS is printed, not raised. The exit status is
0 unless a benchmark crashed (2), or `--strict` is given and a target was
missed (1).

    python benchmarks/run.py [--quick] [--only load,overhead,render,interrupt] [--no-kernel] [--strict]

`benchmarks/run.sh` sets up the benchmark virtualenv and calls this.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import bench_cache
import bench_frames
import bench_images
import bench_interrupt
import bench_load
import bench_map
import bench_overhead
import bench_render
import bench_thinking
from _common import MISS, REPO, RESULTS_DIR, BenchResult, Row, log, package_versions, print_table

PACKAGES = ["jupyter-gemini", "ipython", "ipykernel", "jupyter_client", "openai", "jupyter-ai-magics", "tornado"]


def _suites(quick: bool, kernel: bool) -> dict[str, Callable[[], BenchResult]]:
    # Quick mode keeps the minimums the developer guide asks for (>= 15 runs for overhead).
    return {
        "load": lambda: bench_load.run(runs=5 if quick else 9, warmup=1 if quick else 2),
        "overhead": lambda: bench_overhead.run(runs=15 if quick else 25, warmup=2 if quick else 3, kernel=kernel),
        "render": lambda: bench_render.run(runs=3 if quick else 5, warmup=1),
        "thinking": lambda: bench_thinking.run(runs=3 if quick else 5, warmup=1),
        "interrupt": lambda: bench_interrupt.run(runs=3 if quick else 7),
        "map": bench_map.run,
        "cache": lambda: bench_cache.run(runs=15 if quick else 40),
        "frames": lambda: _adapt(bench_frames.run(runs=3 if quick else 9)),
        "images": lambda: _adapt(bench_images.run(runs=5 if quick else 15)),
    }


def _adapt(result: dict[str, Any]) -> BenchResult:
    """The context benchmarks report plain dicts; the combined table wants Rows."""
    rows = [Row(**row) if isinstance(row, dict) else Row(*row) for row in result["rows"]]
    details = {k: v for k, v in result.items() if k != "rows"}
    return BenchResult(str(result.get("name", "?")), rows, details)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def environment() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "packages": package_versions(PACKAGES),
        "commit": _git_commit(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (about half the time)")
    parser.add_argument("--only", default="", help="comma-separated subset of the names in the table, e.g. load,map")
    parser.add_argument("--no-kernel", action="store_true", help="skip the ipykernel part of the overhead benchmark")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any target is missed")
    parser.add_argument("--output", default=str(RESULTS_DIR / "latest.json"), help="where to write the JSON results")
    args = parser.parse_args(argv)

    suites = _suites(args.quick, kernel=not args.no_kernel)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()] or list(suites)
    unknown = [s for s in wanted if s not in suites]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(suites)}")

    started = time.perf_counter()
    results: list[BenchResult] = []
    crashed = False
    for name in wanted:
        log(f"running {name} ...")
        t0 = time.perf_counter()
        try:
            result = suites[name]()
        except Exception as exc:
            crashed = True
            traceback.print_exc()
            result = BenchResult(name, [Row(name, "crashed", "-", "-", "-", "ERROR", note=str(exc)[:500])], {})
            result.seconds = time.perf_counter() - t0
        log(f"{name} done in {result.seconds:.1f} s")
        results.append(result)
    total = time.perf_counter() - started

    rows = [row for r in results for row in r.rows]
    print()
    print_table(rows)
    print(f"\n{len(rows)} rows in {total:.0f} s on {os.cpu_count()} CPUs; ratios are same-run medians.")
    load = next((r for r in results if r.name == "load"), None)
    if load is not None and "importtime" in load.details:
        bench_load.print_importtime(load.details)

    out = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(total, 1),
        "quick": args.quick,
        "environment": environment(),
        "benchmarks": [r.to_json() for r in results],
    }
    path = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=2, default=str)
    print(f"\nresults written to {os.path.relpath(path)}")

    if crashed:
        return 2
    if args.strict and any(row.verdict == MISS for row in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
