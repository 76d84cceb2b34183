"""Every notebook in notebooks/ runs top to bottom in a real kernel, and shows real answers.

Notebooks are committed without outputs (checked here); the test regenerates
them. A cell may fail only if it is tagged `raises-exception` (nbclient's
convention), as the lessons on errors are.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import TEST_KEY
from nbclient import NotebookClient

from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
#: Notebooks that must run with no key and no network (they replay a recording).
KEYLESS = {"classroom.ipynb"}


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"tour.ipynb", "explore_data.ipynb", "classroom.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs before committing"
    first = nb.cells[0].source
    assert "What this shows" in first and "What it costs" in first  # every notebook says both up front


def gemini_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    def answers(cell: nbformat.NotebookNode) -> bool:
        first = cell.source.split("\n", 1)[0]
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        return first.startswith(("%%gemini", "%gemini fix")) and not tagged and "--dry-run" not in first

    return [c for c in nb.cells if c.cell_type == "code" and answers(c)]


@pytest.mark.kernel
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_every_question_is_answered(path: Path, emulator: Emulator, monkeypatch, tmp_path: Path):
    if path.name in KEYLESS:  # a student: no key, and no server to reach
        monkeypatch.delenv("OPENROUTER_API_KEY")
        monkeypatch.delenv("OPENROUTER_BASE_URL")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    saved = tmp_path / path.name
    nbformat.write(nb, saved)
    assert TEST_KEY not in saved.read_text()

    for cell in nb.cells:
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert bool(errors) == tagged, f"{path.name}: unexpected error (or no error) in {cell.source[:60]!r}"
    for cell in gemini_cells(nb):
        finals = [o["data"][RESPONSE_MIME] for o in cell.outputs if RESPONSE_MIME in o.get("data", {})]
        assert finals, f"{path.name}: no answer for {cell.source[:60]!r}"
        assert finals[-1]["status"] in ("complete", "cached") and finals[-1]["footer"], cell.source[:60]
    if path.name in KEYLESS:
        assert emulator.requests == []
