"""Re-record notebooks/classroom.recording.jsonl by running the classroom notebook in record mode.

Against the local emulator unless OPENROUTER_API_KEY is set (then with real answers, for about $0.002).
The notebook replays the file; recording runs the same cells with `%gemini record` instead, so every
question's key matches what students will send.

    python scripts/record_classroom.py
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
RECORDING = "classroom.recording.jsonl"


def main() -> int:
    """Record the classroom notebook's answers once, for keyless replay in class."""
    nb = nbformat.read(NOTEBOOKS / "classroom.ipynb", as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
            continue  # the unrecorded-question demo must stay unrecorded
        if cell.source.startswith("%gemini replay"):
            cell.source = f"%gemini record {RECORDING}"
        cells.append(cell)
    cells.append(nbformat.v4.new_code_cell("%gemini record off"))
    nb.cells = cells
    (NOTEBOOKS / RECORDING).unlink(missing_ok=True)
    with contextlib.ExitStack() as stack:
        if not os.environ.get("OPENROUTER_API_KEY"):
            from jupyter_gemini.emulator import Emulator
            from jupyter_gemini.run import EMULATOR_KEY

            emulator = stack.enter_context(Emulator())
            os.environ.update(OPENROUTER_BASE_URL=emulator.base_url, OPENROUTER_API_KEY=EMULATOR_KEY)
        NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    lines = (NOTEBOOKS / RECORDING).read_text().splitlines()
    print(f"Wrote {NOTEBOOKS / RECORDING}: {len(lines) - 1} answers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
