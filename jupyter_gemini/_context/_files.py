"""Files for `--file`: PDFs go as a `file` part; text, CSV and Markdown are inlined within a token budget.

Gemini reads PDFs natively (each page billed about like an image), so they
are sent whole. Text is cheaper to inline than to upload, but a big log or CSV
would crowd out the question, so it is cut at a line boundary to the budget,
with a note (to the model and the user) of what was left out.
Every failure raises `ContextError` before anything is sent.
"""

from __future__ import annotations

import base64
import dataclasses
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from .._cost._estimate import CHARS_PER_TOKEN, TOKENS_PER_IMAGE
from .._units import format_bytes
from ..errors import ContextError

#: Largest file (or image) we read; OpenRouter refuses 30 MB, and base64 adds a third.
MAX_FILE_BYTES = 20_000_000

PDF_SUFFIXES = frozenset({".pdf"})
CSV_SUFFIXES = frozenset({".csv", ".tsv"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".log", ".rst", ".json", ".jsonl", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".xml", ".sql"}
)
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"})
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_BACKTICKS = re.compile(r"`{3,}")


@dataclasses.dataclass(frozen=True)
class PreparedFile:
    """One attachment ready to send: the content part plus what the footer needs."""

    name: str
    kind: str  # "PDF", "CSV", "Markdown" or "text"
    nbytes: int
    part: dict[str, Any] = dataclasses.field(repr=False)
    #: Prompt tokens this part will cost, estimated (None: a PDF whose pages could not be counted).
    tokens: int | None
    truncated: bool = False
    #: What was left out, for the user; empty when nothing was.
    note: str = ""

    def describe(self) -> str:
        """E.g. "report.pdf (PDF, 1.2 MB)" or "data.csv (CSV, 8 KB, cut to fit)"."""
        cut = ", cut to fit" if self.truncated else ""
        return f"{self.name} ({self.kind}, {format_bytes(self.nbytes)}{cut})"


def file_part(path: str | Path, *, budget_tokens: int) -> dict[str, Any]:
    """The content part for `path`: `file` for a PDF, `text` (cut to `budget_tokens`) otherwise."""
    return prepare_file(path, budget_tokens=budget_tokens).part


def prepare_file(path: str | Path, *, budget_tokens: int) -> PreparedFile:
    if budget_tokens < 1:
        raise ValueError(f"budget_tokens must be positive, not {budget_tokens}")
    p = Path(path).expanduser()
    kind = _kind(p)
    data = read_limited(p, what="file")
    if kind == "PDF":
        return _pdf(p, data)
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ContextError(
            f"{p.name} looks like a binary file, so nothing was sent; attach a PDF, text, CSV or Markdown file."
        )
    return _text(p, kind, _decode(data), len(data), budget_tokens)


def read_limited(path: str | Path, *, what: str) -> bytes:
    """The bytes of a regular file of at most `MAX_FILE_BYTES`, or a `ContextError` saying why not.

    Only regular files: a named pipe would block the kernel and `/dev/zero` never
    ends. The file is opened without blocking and checked through its descriptor
    (so it cannot be swapped for a pipe after the check), and at most one byte past
    the limit is read, whatever `stat` said.
    """
    p = Path(path).expanduser()
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ContextError(
            f"No {what} at {str(path)!r}, so nothing was sent; check the path (relative paths start in {Path.cwd()})."
        ) from None
    except IsADirectoryError:
        raise ContextError(f"{p} is a folder, so nothing was sent; pass the path of one {what}.") from None
    except OSError as exc:
        raise ContextError(
            f"Cannot read {p} ({exc.strerror or exc}), so nothing was sent; check the path and its permissions."
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ContextError(f"{p} is a folder, so nothing was sent; pass the path of one {what}.")
        raise ContextError(
            f"{p} is a {_special_kind(info.st_mode)}, not a regular file, so nothing was sent; "
            f"save the {what} to a file and pass that path."
        )
    with open(fd, "rb") as file:  # buffered: read(n) loops until n bytes or the end
        if info.st_size > MAX_FILE_BYTES:
            raise ContextError(_too_big(p.name, info.st_size, what))
        try:
            data = file.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ContextError(
                f"Cannot read {p} ({exc.strerror or exc}), so nothing was sent; check the file and its permissions."
            ) from None
    if len(data) > MAX_FILE_BYTES:  # it grew since fstat()
        raise ContextError(_too_big(p.name, len(data), what))
    return data


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _too_big(name: str, size: int, what: str) -> str:
    limit = format_bytes(MAX_FILE_BYTES)
    size_text = format_bytes(size)
    return (
        f"{name} is {size_text}, over the {limit} limit for an attached {what}, so nothing was sent; use a smaller one."
    )


def _kind(p: Path) -> str:
    suffix = p.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "PDF"
    if suffix in CSV_SUFFIXES:
        return "CSV"
    if suffix in MARKDOWN_SUFFIXES:
        return "Markdown"
    if suffix in TEXT_SUFFIXES or not suffix:
        return "text"
    if suffix in _IMAGE_SUFFIXES:
        raise ContextError(f"{p.name} is an image, so nothing was sent; attach it with --image {p} instead of --file.")
    raise ContextError(
        f"{suffix} files like {p.name} are not supported, so nothing was sent; attach a PDF, text, CSV or "
        "Markdown file (export other documents to PDF first)."
    )


def _pdf(p: Path, data: bytes) -> PreparedFile:
    if b"%PDF-" not in data[:1024]:
        raise ContextError(f"{p.name} is not a valid PDF (no %PDF header), so nothing was sent; check the file.")
    # Page objects are usually visible without decompression; if they sit in compressed
    # object streams we cannot count them cheaply, and say so (None) rather than guess.
    pages = len(_PAGE.findall(data))
    url = "data:application/pdf;base64," + base64.b64encode(data).decode("ascii")
    return PreparedFile(
        name=p.name,
        kind="PDF",
        nbytes=len(data),
        part={"type": "file", "file": {"filename": p.name, "file_data": url}},
        tokens=pages * TOKENS_PER_IMAGE if pages else None,
    )


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # never fails; typical for old Windows CSV exports


def _text(p: Path, kind: str, text: str, nbytes: int, budget_tokens: int) -> PreparedFile:
    """Inline `text` in a fence; cut whole lines from the end (keeping a CSV's header) to fit the budget."""
    text = text.replace("\r\n", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    lines = text.splitlines(keepends=True)
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=2)
    fence = "`" * (longest + 1)  # longer than any fence inside, so the file cannot close it
    lang = {"CSV": "csv", "Markdown": "markdown"}.get(kind, "")
    head = f"Attached file {p.name} ({kind}, {len(lines):,} lines):\n{fence}{lang}\n"
    budget = budget_tokens * CHARS_PER_TOKEN
    if len(head) + len(text) + len(fence) <= budget:
        body = head + text + fence
        return PreparedFile(p.name, kind, nbytes, _part(body), math.ceil(len(body) / CHARS_PER_TOKEN))

    room = max(0, budget - len(head) - len(fence) - 300)  # 300: room for the note
    kept, used = 0, 0
    for line in lines:
        if used + len(line) > room and not (kind == "CSV" and kept == 0):  # a CSV keeps its header row
            break
        kept, used = kept + 1, used + len(line)
    if kept:
        shown = "".join(lines[:kept])
        what = f"the first {kept:,} of {len(lines):,} lines are shown"
    else:  # one enormous first line (minified JSON, say): cut inside it
        shown = lines[0][:room] + "\n"
        what = f"only the first {room:,} characters are shown"
    left = len(text) - len(shown)
    note = (
        f"{p.name} was cut to fit the {budget_tokens:,}-token budget: {what}; the remaining {left:,} characters "
        f"(about {math.ceil(left / CHARS_PER_TOKEN):,} tokens, {len(lines) - kept:,} lines) were left out."
    )
    body = f"{head}{shown}{fence}\n[{note}]"
    tokens = math.ceil(len(body) / CHARS_PER_TOKEN)
    return PreparedFile(p.name, kind, nbytes, _part(body), tokens, truncated=True, note=note)


def _part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}
