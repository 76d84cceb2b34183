"""`python -m jupyter_gemini.run`: the README's main job, on a small notebook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.kernel


def write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)


def run(notebook: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    return subprocess.run(
        [sys.executable, "-m", "jupyter_gemini.run", str(notebook), "--output-dir", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_runs_against_the_emulator_and_prints_the_tally(tmp_path: Path):
    notebook = tmp_path / "demo.ipynb"
    write_notebook(notebook, "%load_ext jupyter_gemini", "%%gemini\nHello", "%%gemini -f code\nA loop")
    result = run(notebook, tmp_path / "build")
    assert result.returncode == 0, result.stderr
    assert "local OpenRouter emulator" in result.stdout
    assert "Session cost" in result.stdout and "total" in result.stdout
    executed = nbformat.read(tmp_path / "build" / "demo.ipynb", as_version=4)
    assert "local OpenRouter emulator" in executed.cells[1].outputs[0]["data"]["text/markdown"]
    assert len(executed.cells) == 3  # the tally probe is not saved into the notebook
    html = (tmp_path / "build" / "demo.html").read_text()
    assert "local emulator" in html and "sk-or-emulator-local" not in html


def test_a_failing_cell_fails_the_run_but_keeps_the_output(tmp_path: Path):
    notebook = tmp_path / "broken.ipynb"
    write_notebook(notebook, "%load_ext jupyter_gemini", "%%gemini\n{undefined}", "print('not reached')")
    result = run(notebook, tmp_path / "build")
    assert result.returncode == 1
    assert "undefined" in result.stderr
    assert (tmp_path / "build" / "broken.ipynb").exists()
