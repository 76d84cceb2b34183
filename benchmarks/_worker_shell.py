"""Subprocess worker: `%%gemini` in a real IPython InteractiveShell against the emulator.

    _worker_shell.py probe PROMPTS_JSON
        Ask each prompt once with `%%gemini --new`; the driver reads the exact
        request bodies back from the emulator.
    _worker_shell.py overhead BODY_JSON PROMPT RUNS WARMUP
        Interleave `%%gemini --new` cells with bare openai streaming calls of the
        same body; print per-run wall times as JSON.

Both sides run as cells through `shell.run_cell` inside
`IPython.utils.capture.capture_output()`, so IPython's cell machinery costs
both the same, and `%%gemini` takes its display-handle path (`LiveView`):
capture_output swaps in a publisher that records updates, as a kernel's does.
The emulator lives in the driver process, not here.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from _common import BARE_SETUP
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

RESPONSE_MIME = "application/vnd.jupyter-gemini.response+json"


def make_shell() -> Any:
    config = Config()
    config.HistoryManager.enabled = False  # no sqlite writes in the timings
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "jupyter_gemini")
    return shell


def gemini_cell(prompt: str) -> str:
    return f"%%gemini --new\n{prompt}"


def run_cell(shell: Any, source: str) -> tuple[float, Any]:
    t0 = time.perf_counter()
    with capture_output() as captured:
        result = shell.run_cell(source, store_history=False)
    elapsed = time.perf_counter() - t0
    if not result.success:
        raise RuntimeError(f"cell failed: {source[:60]!r}: {result.error_in_exec or result.error_before_exec}")
    return elapsed, captured


def probe(prompts: list[str]) -> dict[str, Any]:
    shell = make_shell()
    for prompt in prompts:
        run_cell(shell, gemini_cell(prompt))
    return {"asked": len(prompts)}


def overhead(body: dict[str, Any], prompt: str, runs: int, warmup: int) -> dict[str, Any]:
    shell = make_shell()
    shell.run_cell(BARE_SETUP, store_history=False)
    shell.user_ns["_jg_body"] = body
    bare_source = "_jg_text = _jg_bare(_jg_body)"
    magic_source = gemini_cell(prompt)

    gemini_times: list[float] = []
    bare_times: list[float] = []
    updates: list[int] = []
    displays: list[int] = []
    final_tokens = None
    bare_chars = None
    for i in range(warmup + runs):
        # Alternate which side goes first so slow drift and cache effects favour neither.
        for side in ("gemini", "bare") if i % 2 == 0 else ("bare", "gemini"):
            if side == "gemini":
                elapsed, captured = run_cell(shell, magic_source)
                if i >= warmup:
                    gemini_times.append(elapsed)
                    updates.append(sum(1 for o in captured.outputs if getattr(o, "update", False)))
                    displays.append(sum(1 for o in captured.outputs if not getattr(o, "update", False)))
                last = captured.outputs[-1].data.get(RESPONSE_MIME, {}) if captured.outputs else {}
                final_tokens = (last.get("usage") or {}).get("completion_tokens")
                if last.get("status") != "complete":
                    raise RuntimeError(f"%%gemini did not complete: {last.get('status')} {last.get('problem')}")
            else:
                elapsed, _ = run_cell(shell, bare_source)
                if i >= warmup:
                    bare_times.append(elapsed)
                bare_chars = len(shell.user_ns["_jg_text"])
    return {
        "gemini": gemini_times,
        "bare": bare_times,
        "display_updates": updates,
        "displays": displays,
        "completion_tokens": final_tokens,
        "bare_chars": bare_chars,
        "display_pub": type(shell.display_pub).__name__,
    }


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "probe":
        result = probe(json.loads(argv[1]))
    elif mode == "overhead":
        result = overhead(json.loads(argv[1]), argv[2], int(argv[3]), int(argv[4]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
