"""`%load_ext jupyter_gemini` wall time against `%load_ext jupyter_ai_magics`, same run, fresh interpreters.

Why: loading the extension is on every notebook's critical path (it often sits
in the first cell or in ipython_config.py), so it must feel instant and must
not drag in openai, pandas and friends before the first question is asked.

Each sample is a new Python subprocess with IPython already imported and an
InteractiveShell built; only the `%load_ext` call is timed. The two
extensions alternate so drift in machine load hits both equally.

    python benchmarks/bench_load.py [--runs N]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

from _common import (
    INFO,
    PASS,
    SKIP,
    BenchResult,
    Row,
    bench_env,
    fmt_ms,
    log,
    print_table,
    run_json_worker,
    summarize,
    verdict,
)

OURS = "jupyter_gemini"
THEIRS = "jupyter_ai_magics"
TARGET_SPEEDUP = 10.0
TARGET_ABSOLUTE = 0.050
WORKER = "_worker_load.py"
MARK = "@@jupyter-gemini-bench: load_ext starts"
HEAVY = ("openai", "pandas", "PIL", "ipywidgets", "matplotlib", "httpx", "tornado")

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def _sample(name: str, env: dict[str, str]) -> dict[str, Any]:
    result, _ = run_json_worker(WORKER, [name, ",".join(HEAVY)], env)
    return result


def importtime_offenders(env: dict[str, str], top: int = 10) -> dict[str, Any]:
    """`python -X importtime` for our load_ext only: the slowest modules by self time, and the total."""
    _, stderr = run_json_worker(WORKER, [OURS, ",".join(HEAVY), "--mark"], env, python_flags=["-X", "importtime"])
    lines = stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if MARK in line), len(lines))
    entries = []
    for line in lines[start + 1 :]:
        m = _IMPORTTIME.match(line)
        if m:
            self_us, cumulative_us, indent, module = int(m[1]), int(m[2]), m[3], m[4]
            entries.append({"module": module, "self_us": self_us, "cumulative_us": cumulative_us, "depth": len(indent)})
    total_us = sum(e["self_us"] for e in entries)
    offenders = sorted(entries, key=lambda e: e["self_us"], reverse=True)[:top]
    return {"modules": len(entries), "total_us": total_us, "top_by_self": offenders}


def run(runs: int = 9, warmup: int = 2) -> BenchResult:
    started = time.perf_counter()
    env = bench_env()
    log(f"load: {warmup} warm-up + {runs} measured subprocesses per extension")
    probe = _sample(THEIRS, env)
    theirs_ok = bool(probe["loaded"])
    theirs_error = probe["error"]
    if not theirs_ok:
        log(f"load: {THEIRS} cannot be loaded here: {theirs_error}")

    samples: dict[str, list[dict[str, Any]]] = {OURS: [], THEIRS: []}
    names = [OURS, THEIRS] if theirs_ok else [OURS]
    for i in range(warmup + runs):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            result = _sample(name, env)
            if not result["loaded"]:
                raise RuntimeError(f"%load_ext {name} failed: {result['error']}")
            if i >= warmup:
                samples[name].append(result)

    ours = summarize([s["seconds"] for s in samples[OURS]])
    heavy_added = sorted({m for s in samples[OURS] for m in s["heavy_added"]})
    heavy_before = sorted({m for s in samples[OURS] for m in s["heavy_before"]})
    offenders = importtime_offenders(env)

    rows: list[Row] = []
    details: dict[str, Any] = {
        "ours": {"name": OURS, **ours, "modules_added": samples[OURS][-1]["modules_added"]},
        "heavy_added": heavy_added,
        "heavy_already_loaded_by_ipython": heavy_before,
        "importtime": offenders,
    }
    if theirs_ok:
        theirs = summarize([s["seconds"] for s in samples[THEIRS]])
        speedup = theirs["median"] / ours["median"]
        details["theirs"] = {
            "name": THEIRS,
            **theirs,
            "modules_added": samples[THEIRS][-1]["modules_added"],
            "heavy_added": sorted({m for s in samples[THEIRS] for m in s["heavy_added"]}),
        }
        details["speedup"] = speedup
        rows.append(
            Row(
                "load_ext vs jupyter_ai_magics",
                fmt_ms(ours["median"]),
                f"{fmt_ms(theirs['median'])} ({THEIRS})",
                f"{speedup:.1f}x faster",
                f">= {TARGET_SPEEDUP:.0f}x faster",
                verdict(speedup >= TARGET_SPEEDUP),
                note=f"medians of {ours['n']} fresh subprocesses each; ours p25-p75 "
                f"{fmt_ms(ours['p25'])}-{fmt_ms(ours['p75'])}, theirs {fmt_ms(theirs['p25'])}-{fmt_ms(theirs['p75'])}",
            )
        )
    else:
        details["theirs"] = {"name": THEIRS, "error": theirs_error}
        rows.append(
            Row(
                "load_ext vs jupyter_ai_magics",
                fmt_ms(ours["median"]),
                "not installed/loadable",
                "n/a",
                f">= {TARGET_SPEEDUP:.0f}x faster",
                SKIP,
                note=f"{THEIRS} could not be loaded, so there is no baseline: {theirs_error}",
            )
        )
    rows.append(
        Row(
            "load_ext absolute",
            fmt_ms(ours["median"]),
            "-",
            "-",
            f"< {TARGET_ABSOLUTE * 1000:.0f} ms",
            verdict(ours["median"] < TARGET_ABSOLUTE),
            note=f"{details['ours']['modules_added']} modules imported; -X importtime total "
            f"{offenders['total_us'] / 1000:.1f} ms, slowest: "
            + ", ".join(f"{e['module']} {e['self_us'] / 1000:.1f} ms" for e in offenders["top_by_self"][:4]),
        )
    )
    rows.append(
        Row(
            "load_ext heavy imports",
            ", ".join(heavy_added) or "none",
            "-",
            "-",
            "none of 7 heavy packages",
            verdict(not heavy_added),
            note=f"checked sys.modules for {', '.join(HEAVY)}"
            + (f"; already imported by IPython itself: {', '.join(heavy_before)}" if heavy_before else ""),
        )
    )
    if theirs_ok and details["theirs"]["heavy_added"]:
        rows.append(
            Row(
                "  (jupyter_ai_magics heavy imports)",
                ", ".join(details["theirs"]["heavy_added"]),
                "-",
                "-",
                "-",
                INFO,
            )
        )
    return BenchResult("load", rows, details, time.perf_counter() - started)


def print_importtime(details: dict[str, Any]) -> None:
    info = details["importtime"]
    print(f"\n-X importtime for %load_ext {OURS}: {info['modules']} modules, {info['total_us'] / 1000:.1f} ms total")
    print(f"  {'self ms':>8}  {'cum ms':>8}  module")
    for e in info["top_by_self"]:
        print(
            f"  {e['self_us'] / 1000:8.2f}  {e['cumulative_us'] / 1000:8.2f}  {'  ' * (e['depth'] // 2)}{e['module']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="measured subprocesses per extension (default 9)")
    args = parser.parse_args(argv)
    result = run(runs=args.runs)
    print_table(result.rows)
    print_importtime(result.details)
    return 0 if all(r.verdict in (PASS, INFO, SKIP) for r in result.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
