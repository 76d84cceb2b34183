#!/usr/bin/env bash
# Run the jupyter-gemini benchmarks in their own virtualenv (.venv-bench in the repo root).
#
#   bash benchmarks/run.sh [run.py options, e.g. --quick, --only load, --strict]
#
# Environment:
#   BENCH_VENV   virtualenv to create or reuse (default: <repo>/.venv-bench)
#   PYTHON       interpreter that creates it (default: python3)
#   BENCH_SKIP_INSTALL=1   reuse the virtualenv as it is (no pip calls)
#
# jupyter-ai-magics is only the baseline for the load benchmark. If it cannot
# be installed, the run goes on and that benchmark says so (and still reports
# our absolute load time).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${BENCH_VENV:-$repo/.venv-bench}"
python="${PYTHON:-python3}"
log_dir="$repo/benchmarks/results"
mkdir -p "$log_dir"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "[bench] creating virtualenv $venv" >&2
    "$python" -m venv "$venv"
    # Keep the virtualenv out of git without touching the repo's .gitignore.
    echo "*" > "$venv/.gitignore"
fi

if [[ "${BENCH_SKIP_INSTALL:-0}" != "1" ]]; then
    echo "[bench] installing jupyter-gemini (editable) and benchmark dependencies; log: $log_dir/pip.log" >&2
    {
        "$venv/bin/python" -m pip install --upgrade pip
        # ipykernel + jupyter_client: the kernel benchmarks; psutil: CPU-time fallback off Linux.
        "$venv/bin/python" -m pip install -e "$repo[notebooks]" ipykernel jupyter_client psutil
    } >"$log_dir/pip.log" 2>&1 || {
        echo "[bench] pip install failed; see $log_dir/pip.log" >&2
        tail -n 20 "$log_dir/pip.log" >&2
        exit 1
    }
    echo "[bench] installing jupyter-ai-magics (baseline for the load benchmark; this can take a while)" >&2
    if ! "$venv/bin/python" -m pip install jupyter-ai-magics >>"$log_dir/pip.log" 2>&1; then
        echo "[bench] WARNING: jupyter-ai-magics could not be installed; the load benchmark will report SKIP" >&2
    fi
fi

cd "$repo"
exec "$venv/bin/python" benchmarks/run.py "$@"
