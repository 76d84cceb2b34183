"""End-to-end `%%gemini` cell time against a bare openai SDK streaming call of the same request.

Why: with a zero-latency server, everything between "run cell" and "answer
shown" is our overhead (parsing the magic, building the request, the
display handle's redraws, the cost footer). Against a real model the network
hides it; here nothing does, so this is the worst case.

Both sides send the *same* request body (captured from the emulator, checked
again afterwards) for a 500-token answer, interleaved, medians over many runs:

* shell: a fresh subprocess with a real IPython InteractiveShell; both sides are
  cells run under `capture_output()`, so the display-handle path is exercised.
* kernel: a real ipykernel started with jupyter_client; time from
  execute_request to `idle` on iopub, both sides executed as cells there.

    python benchmarks/bench_overhead.py [--runs N] [--no-kernel]
"""

from __future__ import annotations

import argparse
import json
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
    distinct_bodies,
    fmt_ms,
    log,
    print_table,
    probe_bodies,
    run_json_worker,
    running_emulator,
    summarize,
    verdict,
)

TOKENS = 500
TARGET_RATIO = 1.25
PROMPT = "Explain what a Jupyter display handle is. " + MODEL_DIRECTIVE.format(tokens=TOKENS)


def shell_side(emu: Any, body: dict[str, Any], runs: int, warmup: int) -> dict[str, Any]:
    emu.reset()
    result, _ = run_json_worker(
        "_worker_shell.py",
        ["overhead", json.dumps(body), PROMPT, str(runs), str(warmup)],
        bench_env(emu.base_url),
    )
    result["distinct_bodies"] = distinct_bodies(emu)
    return result


def kernel_side(emu: Any, body: dict[str, Any], runs: int, warmup: int) -> dict[str, Any]:
    emu.reset()
    with Kernel(bench_env(emu.base_url), RESULTS_DIR / "kernel-overhead.log") as kernel:
        kernel.run("%load_ext jupyter_gemini")
        kernel.run(BARE_SETUP)
        kernel.run(f"import json as _jg_json\n_jg_body = _jg_json.loads({json.dumps(body)!r})")
        cells = {"gemini": f"%%gemini --new\n{PROMPT}", "bare": "_jg_text = _jg_bare(_jg_body)"}
        wall: dict[str, list[float]] = {"gemini": [], "bare": []}
        cpu: dict[str, list[float]] = {"gemini": [], "bare": []}
        updates: list[int] = []
        for i in range(warmup + runs):
            for side in ("gemini", "bare") if i % 2 == 0 else ("bare", "gemini"):
                ex = kernel.execute(cells[side])
                if ex.status != "ok":
                    raise RuntimeError(f"kernel {side} cell failed: {ex.error}")
                if i >= warmup:
                    wall[side].append(ex.wall)
                    cpu[side].append(ex.cpu)
                    if side == "gemini":
                        updates.append(ex.counts.get("update_display_data", 0))
        check = kernel.execute("print(len(_jg_text))")
        return {
            "gemini": wall["gemini"],
            "bare": wall["bare"],
            "gemini_cpu": cpu["gemini"],
            "bare_cpu": cpu["bare"],
            "display_updates": updates,
            "kernel_python": kernel.executable(),
            "bare_ok": check.status == "ok",
            "distinct_bodies": distinct_bodies(emu),
        }


def _row(name: str, data: dict[str, Any]) -> tuple[Row, dict[str, Any]]:
    g, b = summarize(data["gemini"]), summarize(data["bare"])
    ratio = g["median"] / b["median"]
    same = data["distinct_bodies"] == 1
    note = (
        f"medians of {g['n']} interleaved runs; %%gemini p25-p75 {fmt_ms(g['p25'])}-{fmt_ms(g['p75'])}, "
        f"bare {fmt_ms(b['p25'])}-{fmt_ms(b['p75'])}; "
        f"display updates per cell (median) {summarize(data['display_updates'])['median']:.0f}; "
        + ("identical request bodies" if same else f"WARNING: {data['distinct_bodies']} different request bodies")
    )
    row = Row(
        name,
        fmt_ms(g["median"]),
        f"{fmt_ms(b['median'])} (bare SDK)",
        f"{ratio:.2f}x",
        f"<= {TARGET_RATIO}x",
        verdict(ratio <= TARGET_RATIO and same),
        note=note,
    )
    return row, {"gemini": g, "bare": b, "ratio": ratio, "raw": data}


def run(runs: int = 25, warmup: int = 3, kernel: bool = True) -> BenchResult:
    started = time.perf_counter()
    rows: list[Row] = []
    details: dict[str, Any] = {"tokens": TOKENS, "prompt": PROMPT}
    with running_emulator() as emu:
        (body,) = probe_bodies(emu, [PROMPT])
        details["request_body"] = body
        log(f"overhead: InteractiveShell, {warmup} warm-up + {runs} interleaved runs per side")
        row, details["shell"] = _row(f"%%gemini {TOKENS} tok: InteractiveShell", shell_side(emu, body, runs, warmup))
        rows.append(row)
        if kernel:
            log(f"overhead: ipykernel, {warmup} warm-up + {runs} interleaved runs per side")
            data = kernel_side(emu, body, runs, warmup)
            row, details["kernel"] = _row(f"%%gemini {TOKENS} tok: ipykernel", data)
            rows.append(row)
            gc, bc = summarize(data["gemini_cpu"]), summarize(data["bare_cpu"])
            details["kernel"]["cpu"] = {"gemini": gc, "bare": bc}
            if bc["median"] > 0:
                rows.append(
                    Row(
                        "  (kernel CPU per cell)",
                        fmt_ms(gc["median"]),
                        f"{fmt_ms(bc['median'])} (bare SDK)",
                        f"{gc['median'] / bc['median']:.2f}x",
                        "-",
                        INFO,
                    )
                )
        else:
            rows.append(Row(f"%%gemini {TOKENS} tok: ipykernel", "-", "-", "-", f"<= {TARGET_RATIO}x", SKIP))
    return BenchResult("overhead", rows, details, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="measured runs per side (default 25)")
    parser.add_argument("--no-kernel", action="store_true", help="skip the ipykernel measurement")
    args = parser.parse_args(argv)
    result = run(runs=args.runs, kernel=not args.no_kernel)
    print_table(result.rows)
    return 0 if all(r.verdict in (PASS, INFO, SKIP) for r in result.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
