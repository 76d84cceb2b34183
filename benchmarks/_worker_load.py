"""Subprocess worker for bench_load: time one `%load_ext NAME` in a fresh interpreter.

Imports only the standard library and IPython before the timed call, so
`sys.modules` afterwards shows exactly what loading the extension pulled in.

Usage: `_worker_load.py NAME HEAVY,MODULES,... [--mark]`; prints one JSON line.
With `--mark`, writes a marker to stderr just before loading, so
`-X importtime` output can be cut to the extension's own imports.
"""

from __future__ import annotations

import json
import sys
import time

MARK = "@@jupyter-gemini-bench: load_ext starts"


def main(argv: list[str]) -> int:
    name, heavy = argv[0], tuple(filter(None, argv[1].split(",")))
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    before = set(sys.modules)
    if "--mark" in argv:
        print(MARK, file=sys.stderr, flush=True)
    error = ""
    t0 = time.perf_counter()
    try:
        shell.run_line_magic("load_ext", name)
    except BaseException as exc:  # report it; the driver decides what it means
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - t0
    after = set(sys.modules)
    loaded = name in shell.extension_manager.loaded
    result = {
        "name": name,
        "seconds": elapsed,
        "loaded": loaded and not error,
        "error": error,
        "modules_added": len(after - before),
        "heavy_before": sorted(m for m in heavy if m in before),
        "heavy_added": sorted(m for m in heavy if m in after and m not in before),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
