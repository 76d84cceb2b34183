"""How long `{df}` takes to become prompt text, for a 1,000,000-row by 20-column DataFrame.

Measured: `value_to_text("df", df)` (the path `%%gemini` takes), median of
repeated runs after a warm-up. Baseline, in the same run: `df.to_string()` of the
same frame, the obvious way to put a frame in a prompt (slow: timed once by
default). Targets: under 250 ms median, and within the default token budget.

    python benchmarks/bench_frames.py [--runs 9] [--to-string-runs 1] [--rows 1000000]

`run()` returns the figures as a dict (with table-ready `rows`) for a combined runner.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_gemini._context._values import DEFAULT_BUDGET_TOKENS, value_to_text
from jupyter_gemini._cost._estimate import text_tokens

TARGET_SECONDS = 0.250


def make_frame(n_rows: int = 1_000_000, seed: int = 0) -> Any:
    """Mixed dtypes as real data has them: ints, floats with NaN, nullable ints, categoricals,
    strings with None, tz-aware and naive datetimes, timedeltas, bools."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = n_rows
    cities = np.array(["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Oslo", "Lisbon"], dtype=object)
    comments = np.array(["great", "late delivery", "ok", "would buy again"], dtype=object)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(n, dtype=np.int64),
            "customer_id": rng.integers(1, 50_000, n),
            "quantity": rng.integers(1, 20, n).astype(np.int32),
            "price": np.round(rng.gamma(2.0, 20.0, n), 2),
            "discount": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 0.3),
            "weight_kg": rng.normal(2.5, 0.8, n),
            "rating": pd.array(np.where(rng.random(n) < 0.05, None, rng.integers(1, 6, n)), dtype="Int64"),
            "city": pd.Categorical(cities[rng.integers(0, len(cities), n)]),
            "channel": pd.Categorical(np.array(["web", "app", "store"], dtype=object)[rng.integers(0, 3, n)]),
            "sku": np.char.add("SKU-", rng.integers(0, 5000, n).astype(str)).astype(object),
            "customer_name": np.array([f"Customer {i}" for i in range(1000)], dtype=object)[rng.integers(0, 1000, n)],
            "comment": np.where(rng.random(n) < 0.7, None, comments[rng.integers(0, len(comments), n)]),
            "created_at": pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 31_536_000, n), "s"),
            "shipped_at": pd.Timestamp("2023-01-02") + pd.to_timedelta(rng.integers(0, 31_536_000, n), unit="s"),
            "delivery_time": pd.to_timedelta(rng.integers(3600, 864_000, n), unit="s"),
            "is_gift": rng.random(n) < 0.2,
            "returned": rng.random(n) < 0.03,
            "score": rng.random(n).astype(np.float32),
            "region_code": rng.integers(0, 100, n).astype(np.int16),
            "notes_len": rng.integers(0, 500, n),
        }
    )
    frame.loc[rng.integers(0, n, n // 1000), "price"] = np.nan
    frame.loc[rng.integers(0, n, n // 1000), "customer_name"] = None
    return frame


def _time(func: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def run(runs: int = 9, to_string_runs: int = 1, n_rows: int = 1_000_000) -> dict[str, Any]:
    frame = make_frame(n_rows)
    value_to_text("df", frame)  # warm-up: imports the pandas backend
    times, texts = [], set()
    for _ in range(runs):
        seconds, text = _time(lambda: value_to_text("df", frame))
        times.append(seconds)
        texts.add(text)
    summary = texts.pop()
    baseline_times, baseline_chars = [], 0
    for _ in range(to_string_runs):
        seconds, full = _time(frame.to_string)
        baseline_times.append(seconds)
        baseline_chars = len(full)
        del full
    median = statistics.median(times)
    baseline = statistics.median(baseline_times) if baseline_times else float("nan")
    tokens = text_tokens(summary)
    within_time, within_budget = median < TARGET_SECONDS, tokens <= DEFAULT_BUDGET_TOKENS
    deterministic = not texts
    shape = f"{frame.shape[0]:,}x{frame.shape[1]}"
    rows = [
        {
            "benchmark": f"frames: summarise {shape}",
            "measured": f"{median * 1000:.0f} ms",
            "baseline": f"to_string {baseline * 1000:,.0f} ms" if baseline_times else "-",
            "ratio": f"{baseline / median:,.0f}x faster" if baseline_times else "-",
            "target": f"< {TARGET_SECONDS * 1000:.0f} ms",
            "verdict": "PASS" if within_time else "MISS",
            "note": f"p25-p75 {_quartiles(times)} over {runs} runs",
        },
        {
            "benchmark": "frames: prompt size",
            "measured": f"{tokens:,} tokens",
            "baseline": f"to_string {-(-baseline_chars // 4):,} tokens" if baseline_times else "-",
            "ratio": f"{-(-baseline_chars // 4) / tokens:,.0f}x smaller" if baseline_times else "-",
            "target": f"≤ {DEFAULT_BUDGET_TOKENS:,} tokens, same text each run",
            "verdict": "PASS" if within_budget and deterministic else "MISS",
            "note": "" if deterministic else "output differed between runs",
        },
    ]
    return {
        "name": "frames",
        "shape": list(frame.shape),
        "runs": runs,
        "summary_seconds": times,
        "summary_median_seconds": median,
        "to_string_seconds": baseline_times,
        "to_string_median_seconds": baseline,
        "ratio": baseline / median if baseline_times else None,
        "summary_tokens": tokens,
        "to_string_tokens": -(-baseline_chars // 4) if baseline_times else None,
        "budget_tokens": DEFAULT_BUDGET_TOKENS,
        "target_seconds": TARGET_SECONDS,
        "within_target": within_time,
        "within_budget": within_budget,
        "deterministic": deterministic,
        "summary_text": summary,
        "rows": rows,
    }


def _quartiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0] * 1000:.0f} ms"
    q = statistics.quantiles(values, n=4, method="inclusive")
    return f"{q[0] * 1000:.0f}-{q[2] * 1000:.0f} ms"


def print_table(rows: list[dict[str, str]]) -> None:
    keys = ["benchmark", "measured", "baseline", "ratio", "target", "verdict", "note"]
    widths = {key: max(len(key), *(len(row[key]) for row in rows)) for key in keys}
    print(" | ".join(key.ljust(widths[key]) for key in keys))
    print("-+-".join("-" * widths[key] for key in keys))
    for row in rows:
        print(" | ".join(row[key].ljust(widths[key]) for key in keys))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed summaries (median reported)")
    parser.add_argument("--to-string-runs", type=int, default=1, help="timed df.to_string() calls (about 1 min each)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the frame")
    parser.add_argument("--show", action="store_true", help="print the summary text too")
    args = parser.parse_args(argv)
    result = run(args.runs, args.to_string_runs, args.rows)
    if args.show:
        print(result["summary_text"], end="\n\n")
    print_table(result["rows"])
    return 0 if result["within_target"] and result["within_budget"] and result["deterministic"] else 1


if __name__ == "__main__":
    sys.exit(main())
