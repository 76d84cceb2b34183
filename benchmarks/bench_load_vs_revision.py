"""`%load_ext jupyter_gemini` against an earlier revision of this repository, same run.

Why: a refactor must not make loading slower ("it must not grow"). The other
revision is checked out with `git worktree` into a temporary folder; fresh
interpreters alternate between the two trees (PYTHONPATH), so drift in machine
load hits both equally, and only the `%load_ext` call is timed.

    python benchmarks/bench_load_vs_revision.py REV [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKER = (
    "import sys, time\n"
    "from IPython.core.interactiveshell import InteractiveShell\n"
    "shell = InteractiveShell.instance()\n"
    "start = time.perf_counter(); shell.run_line_magic('load_ext', 'jupyter_gemini')\n"
    "elapsed = time.perf_counter() - start\n"
    "import jupyter_gemini\n"
    "assert jupyter_gemini.__file__.startswith(sys.argv[1]), jupyter_gemini.__file__\n"
    "print(elapsed * 1000, sum(1 for m in sys.modules if m.startswith('jupyter_gemini')))\n"
)


def sample(tree: Path, cache: Path) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # both trees from bytecode after the warm-up
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(tree)], env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    elapsed, modules = out.stdout.split()
    return float(elapsed), int(modules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the revision to compare with, e.g. a commit before a refactor")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        other = Path(scratch) / "other"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(other), args.revision], check=True)
        try:
            trees = {args.revision: other, "this checkout": REPO}
            cache = Path(scratch) / "pycache"
            for tree in trees.values():
                sample(tree, cache)  # warm-up: compile once
            times: dict[str, list[float]] = {name: [] for name in trees}
            modules: dict[str, int] = {}
            for run in range(args.runs):
                order = list(trees.items()) if run % 2 == 0 else list(reversed(trees.items()))
                for name, tree in order:
                    elapsed, modules[name] = sample(tree, cache)
                    times[name].append(elapsed)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(other)], check=False)
    base = statistics.median(times[args.revision])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name}: median {median:.2f} ms, min {min(values):.2f} ms over {len(values)} runs, "
            f"{modules[name]} package modules loaded, ratio {median / base:.2f}x"
        )


if __name__ == "__main__":
    main()
