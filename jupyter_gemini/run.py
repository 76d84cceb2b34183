"""Run a notebook headless in a real kernel, against the local emulator unless a key is set.

    python -m jupyter_gemini.run notebooks/tour.ipynb --output-dir build

Writes the executed notebook and an HTML copy, then prints the session's
cost tally. Lets users check their own `%%gemini` notebooks offline.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ._core._settings import BASE_URL_ENV
from ._keys import EMULATOR_KEY, ENV_VAR


def main(argv: list[str] | None = None) -> int:
    """`python -m jupyter_gemini.run NOTEBOOK`: the exit status for the shell (non-zero if a cell failed)."""
    parser = argparse.ArgumentParser(prog="python -m jupyter_gemini.run", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--output-dir", type=Path, default=Path("build"), help="where to write results (build/)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--emulator", action="store_true", help="use the local emulator even if a key is set")
    target.add_argument("--live", action="store_true", help="require OPENROUTER_API_KEY and use OpenRouter")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (600)")
    args = parser.parse_args(argv)

    if not args.notebook.is_file():
        print(f"error: {args.notebook} does not exist.", file=sys.stderr)
        return 2
    live = args.live or (bool(os.environ.get(ENV_VAR)) and not args.emulator)
    if args.live and not os.environ.get(ENV_VAR):
        print(f"error: --live needs {ENV_VAR} in the environment.", file=sys.stderr)
        return 2

    with ExitStack() as stack:
        if live:
            print(f"Running {args.notebook} against OpenRouter with your key: this spends real credits.")
        else:
            from .emulator import Emulator

            emulator = stack.enter_context(Emulator())
            os.environ[BASE_URL_ENV] = emulator.base_url
            os.environ[ENV_VAR] = EMULATOR_KEY
            print(f"Running {args.notebook} against the local OpenRouter emulator at {emulator.base_url}")
            print(
                "(no OPENROUTER_API_KEY set: the answers are canned, not from a real model; the costs shown "
                "are what OpenRouter would charge, and nothing is spent)"
            )
        return _execute(args.notebook, args.output_dir, args.timeout)


def _execute(path: Path, output_dir: Path, timeout: int) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent.resolve())}}
    )
    status, tally = 0, ""
    with client.setup_kernel():
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        except CellExecutionError as exc:
            status = 1
            print(f"error: a cell failed: {_last_line(str(exc))}", file=sys.stderr)
        tally = _tally_text(client, nb)
    output_dir.mkdir(parents=True, exist_ok=True)
    executed = output_dir / path.name
    nbformat.write(nb, executed)
    html = executed.with_suffix(".html")
    html.write_text(_to_html(nb), encoding="utf-8")
    print(f"Wrote {executed} and {html}")
    if tally:
        print(f"\n{tally}")
    return status


def _tally_text(client: Any, nb: Any) -> str:
    """`%gemini cost` in the same kernel, after the notebook: the session's tally."""
    import nbformat

    cell = nbformat.v4.new_code_cell("%gemini cost")
    nb.cells.append(cell)  # nbclient writes results back by index
    try:
        client.execute_cell(cell, len(nb.cells) - 1, store_history=False)
    except Exception:
        return ""
    finally:
        nb.cells.pop()
    for output in cell.outputs:
        text = output.get("data", {}).get("text/plain")
        if text:
            return str(text)
    return ""


def _to_html(nb: Any) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return str(body)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text


if __name__ == "__main__":
    raise SystemExit(main())
