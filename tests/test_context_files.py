"""`--file`: PDFs as `file` parts, text/CSV/Markdown inlined within a token budget, and every refusal."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import matplotlib
import pytest

from jupyter_gemini._context._files import MAX_FILE_BYTES, file_part, prepare_file
from jupyter_gemini._cost._estimate import CHARS_PER_TOKEN
from jupyter_gemini._units import format_bytes
from jupyter_gemini.errors import ContextError

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages


def write_pdf(path: Path, pages: int) -> bytes:
    with PdfPages(path) as pdf:
        for page in range(pages):
            fig, ax = plt.subplots()
            ax.set_title(f"Page {page + 1}")
            pdf.savefig(fig)
            plt.close(fig)
    return path.read_bytes()


def test_pdf_is_sent_whole_as_a_file_part(tmp_path: Path):
    data = write_pdf(tmp_path / "report.pdf", pages=2)
    prepared = prepare_file(tmp_path / "report.pdf", budget_tokens=10)  # the budget is for inlined text
    assert prepared.part["type"] == "file"
    assert prepared.part["file"]["filename"] == "report.pdf"
    header, _, payload = prepared.part["file"]["file_data"].partition(",")
    assert header == "data:application/pdf;base64"
    assert base64.b64decode(payload, validate=True) == data
    assert prepared.tokens == 2 * 258 and not prepared.truncated
    assert prepared.describe() == f"report.pdf (PDF, {format_bytes(len(data))})"
    assert file_part(tmp_path / "report.pdf", budget_tokens=10) == prepared.part


def test_small_text_csv_and_markdown_are_inlined_whole(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("first line\nsecond line\n")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    (tmp_path / "README").write_text("no suffix is plain text")
    for name, lang in (("notes.txt", ""), ("data.csv", "csv"), ("README", "")):
        part = file_part(tmp_path / name, budget_tokens=1000)
        assert part["type"] == "text"
        assert part["text"].startswith(f"Attached file {name} (")
        assert f"```{lang}\n" in part["text"] and part["text"].endswith("```")
        assert (tmp_path / name).read_text().rstrip("\n") in part["text"]
    md = tmp_path / "doc.md"
    md.write_text("# Title\n\n```python\nprint(1)\n```\n")
    text = file_part(md, budget_tokens=1000)["text"]
    assert "````markdown\n# Title" in text and text.endswith("````")  # the file's own fence cannot close ours


def test_big_csv_is_cut_to_the_budget_keeping_its_header(tmp_path: Path):
    path = tmp_path / "sales.csv"
    rows = ["region,month,revenue"] + [f"north,{i % 12 + 1},{i * 37 % 1000}" for i in range(20_000)]
    path.write_text("\n".join(rows) + "\n")
    prepared = prepare_file(path, budget_tokens=2_000)
    text = prepared.part["text"]
    assert prepared.truncated and prepared.note in text
    assert len(text) <= 2_000 * CHARS_PER_TOKEN
    assert prepared.tokens <= 2_000
    body = text.split("```csv\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert body[0] == "region,month,revenue" and body == rows[: len(body)]  # whole lines, from the top
    assert f"the first {len(body):,} of 20,001 lines are shown" in prepared.note
    assert f"{20_001 - len(body):,} lines) were left out" in prepared.note
    assert "tokens" in prepared.note and prepared.describe().endswith("cut to fit)")


def test_csv_header_is_kept_even_when_it_alone_is_over_budget(tmp_path: Path):
    path = tmp_path / "wide.csv"
    header = ",".join(f"column_{i}" for i in range(300))
    path.write_text(header + "\n" + "1," * 299 + "1\n")
    prepared = prepare_file(path, budget_tokens=50)
    assert prepared.truncated and header in prepared.part["text"]


def test_one_enormous_line_is_cut_inside_it(tmp_path: Path):
    path = tmp_path / "minified.json"
    path.write_text('{"k": "' + "x" * 100_000 + '"}')
    prepared = prepare_file(path, budget_tokens=500)
    assert prepared.truncated and "only the first" in prepared.note
    assert len(prepared.part["text"]) <= 500 * CHARS_PER_TOKEN


def test_encodings(tmp_path: Path):
    (tmp_path / "bom.csv").write_bytes("\ufeffname\nZoë\n".encode())
    assert "```csv\nname\nZoë\n" in file_part(tmp_path / "bom.csv", budget_tokens=100)["text"]
    (tmp_path / "legacy.csv").write_bytes("name\nZo\xeb\n".encode("latin-1"))
    assert "Zoë" in file_part(tmp_path / "legacy.csv", budget_tokens=100)["text"]
    (tmp_path / "wide.txt").write_bytes("héllo\n".encode("utf-16"))
    assert "héllo" in file_part(tmp_path / "wide.txt", budget_tokens=100)["text"]
    (tmp_path / "crlf.txt").write_bytes(b"a\r\nb\r\n")
    assert "```\na\nb\n```" in file_part(tmp_path / "crlf.txt", budget_tokens=100)["text"]


def refused(path: Path, match: str) -> None:
    with pytest.raises(ContextError, match=match) as caught:
        file_part(path, budget_tokens=1000)
    assert "nothing was sent" in str(caught.value)


def test_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    refused(tmp_path / "missing.csv", "No file at")
    refused(tmp_path, "is a folder")
    (tmp_path / "fake.pdf").write_text("not a pdf")
    refused(tmp_path / "fake.pdf", "not a valid PDF")
    (tmp_path / "report.docx").write_bytes(b"PK\x03\x04")
    refused(tmp_path / "report.docx", r"\.docx files like report\.docx are not supported")
    (tmp_path / "chart.png").write_bytes(b"\x89PNG")
    refused(tmp_path / "chart.png", "attach it with --image")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 10)
    refused(tmp_path / "binary.txt", "binary file")
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse
    refused(huge, "over the 20.0 MB limit")
    secret = tmp_path / "secret.txt"
    secret.write_text("x")

    def denied(path: object, flags: int, *args: object) -> int:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", denied)  # root ignores chmod, so simulate it
        refused(secret, "Cannot read .* .Permission denied.")
    with pytest.raises(ValueError, match="budget_tokens"):
        file_part(secret, budget_tokens=0)


def test_format_bytes():
    assert [format_bytes(n) for n in (0, 999, 1000, 210_400, 999_499, 1_250_000)] == [
        "0 bytes",
        "999 bytes",
        "1 KB",
        "210 KB",
        "999 KB",
        "1.2 MB",
    ]
