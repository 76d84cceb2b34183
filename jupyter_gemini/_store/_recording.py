"""Recordings for teaching: a session's questions and answers as a JSON-lines file.

Plain text, one answer a line, meant to be committed next to the notebook:
it holds no key and no server address, so a class can replay it with no key
and no network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from .._keys import redact
from .._transport._answer import Answer
from ..errors import GeminiError

A = TypeVar("A", bound=Answer)

FORMAT = "jupyter-gemini-recording"
VERSION = 1


class RecordingError(GeminiError):
    title = "Recording"


class Recorder:
    """Appends every answer as it is received, so a crash loses nothing already written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.stat().st_size == 0:
                self._write({"format": FORMAT, "version": VERSION})
        except OSError as exc:
            raise RecordingError(
                f"Cannot record to {path} ({exc.strerror or exc}), so nothing is being recorded.",
                hint="Pick a file in a folder you can write to, e.g. %gemini record demo.recording.jsonl.",
            ) from None

    def add(self, key: str, prompt: str, answer: Answer) -> None:
        """Append one answer; a failed write (disk full, folder gone) stops recording, never the answer."""
        try:
            self._write({"key": key, "prompt": redact(prompt), "answer": answer.to_json()})
        except OSError as exc:
            self.failed = f"Recording to {self.path} stopped ({exc.strerror or exc}); {self.count} answer(s) were kept."
            raise RecordingError(self.failed, hint="Start again with %gemini record PATH.") from None
        self.count += 1

    #: Why recording stopped, once a write failed.
    failed: str | None = None

    def _write(self, record: dict[str, object]) -> None:
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


class Replayer:
    def __init__(self, path: Path, *, fall_through: bool = False) -> None:
        if not path.is_file():
            raise RecordingError(f"There is no recording at {path}.", hint="Check the path (relative to the notebook).")
        self.path = path
        self.fall_through = fall_through
        #: Each answer as recorded; read (as whatever kind the caller wants) on `get`.
        self.answers: dict[str, dict[str, Any]] = {}
        self.prompts: list[str] = []
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordingError(
                f"Cannot read the recording {path} ({getattr(exc, 'strerror', None) or exc}).",
                hint="Check the file: it should be a .jsonl written by %gemini record.",
            ) from None
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if "key" in record:
                    Answer.from_json(record["answer"])  # a broken entry fails here, with its line number
                    self.answers[record["key"]] = record["answer"]
                    self.prompts.append(str(record.get("prompt", "")))
                elif record.get("format") != FORMAT:
                    raise ValueError("not a jupyter-gemini recording")
            except (ValueError, KeyError, TypeError) as exc:
                raise RecordingError(
                    f"{path} line {number} is not a jupyter-gemini recording entry ({exc}).",
                    hint="Record again with %gemini record PATH.",
                ) from None

    def get(self, key: str, kind: type[A]) -> A | None:
        """The answer recorded under `key`, read as a `kind` (the session reads Responses)."""
        record = self.answers.get(key)
        return None if record is None else kind.from_json(record)

    def missing(self, prompt: str) -> RecordingError:
        recorded = "; ".join(p[:40] for p in self.prompts[:3]) or "nothing"
        return RecordingError(
            f"This question is not in the recording {self.path.name}, so nothing was sent "
            f"(it holds {len(self.answers)} answers, e.g. {recorded}).",
            hint="Run the cells as recorded, or replay with --fall-through to ask OpenRouter for new questions.",
        )
