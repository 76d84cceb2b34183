"""Hostile but realistic input: one sentence in the cell, nothing sent, nothing lost, nothing hangs."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from conftest import magics, run_cell
from PIL import Image

from jupyter_gemini.emulator import Emulator


def chat_requests(emulator: Emulator) -> list:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


def one_line(result) -> str:
    error = result.error_in_exec
    assert error is not None, "expected a refusal"
    (line,) = error._render_traceback_()
    return line


def test_recording_into_a_folder_that_cannot_exist(ip, emulator: Emulator, tmp_path: Path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where the folder should be")
    result, _ = run_cell(ip, f"%gemini record {blocker}/lesson/demo.jsonl")
    assert "Cannot record to" in one_line(result) and "nothing is being recorded" in one_line(result)
    assert magics(ip).session.paid.recorder is None
    assert run_cell(ip, "%%gemini\nstill fine?")[0].success


def test_a_recording_that_stops_mid_lesson_keeps_the_answer(ip, emulator: Emulator, tmp_path: Path):
    folder = tmp_path / "lesson"
    run_cell(ip, f"%gemini record {folder}/demo.jsonl")
    (folder / "demo.jsonl").unlink()
    folder.rmdir()  # the folder is gone: the next write fails
    result, captured = run_cell(ip, "%%gemini\nkeep my answer")
    assert result.success, result.error_in_exec
    assert "Recording to" in captured.stderr and "stopped" in captured.stderr
    assert magics(ip).session.last_response.text  # shown and kept
    assert magics(ip).session.paid.recorder is None


def test_replaying_something_that_is_not_a_recording(ip, emulator: Emulator, tmp_path: Path):
    binary = tmp_path / "photo.jsonl"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    result, _ = run_cell(ip, f"%gemini replay {binary}")
    assert "Cannot read the recording" in one_line(result)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    path = tmp_path / "pipe"
    os.mkfifo(path)  # nobody ever writes to it: reading it would block forever
    return path


@pytest.mark.parametrize("option", ["--file", "--image"])
def test_a_named_pipe_is_refused_without_blocking(ip, emulator: Emulator, fifo: Path, option: str):
    result, _ = run_cell(ip, f"%%gemini {option} {fifo}\nwhat is in it?")
    assert "is a named pipe, not a regular file" in one_line(result)
    assert chat_requests(emulator) == []


@pytest.mark.parametrize(("path", "words"), [("/dev/zero", "is a device"), ("/", "is a folder")])
def test_special_files_are_refused_without_reading_them(ip, emulator: Emulator, path: str, words: str):
    if not Path(path).exists():
        pytest.skip(f"no {path} here")
    result, _ = run_cell(ip, f"%%gemini --file {path}\nwhat is in it?")
    assert words in one_line(result) and "nothing was sent" in one_line(result)
    assert chat_requests(emulator) == []


def test_a_truncated_jpeg_is_refused_not_sent_broken(ip, emulator: Emulator, tmp_path: Path):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    broken = tmp_path / "cut.jpg"
    broken.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    result, _ = run_cell(ip, f"%%gemini --image {broken}\nwhat colour?")
    assert "damaged or oversized image" in one_line(result)
    assert chat_requests(emulator) == []


def test_dry_run_new_prices_a_fresh_conversation_and_keeps_the_old_one(ip, emulator: Emulator):
    run_cell(ip, "%%gemini\nThe secret word is pelican.")
    result, _ = run_cell(ip, "%%gemini --dry-run --new\nWhat was the word?")
    assert result.success, result.error_in_exec
    sent = result.result.request.messages
    assert [m["role"] for m in sent] == ["system", "user"]
    assert len(magics(ip).session.conversation) == 1  # a dry run clears nothing
