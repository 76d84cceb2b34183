"""Notebook context end to end: DataFrames, images, files, errors and dry runs, as the emulator receives them."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import last_bundle, magics, run_cell
from PIL import Image

from jupyter_gemini._cost._estimate import text_tokens
from jupyter_gemini._display._bundles import RESPONSE_MIME
from jupyter_gemini.emulator import Emulator
from jupyter_gemini.errors import ContextError, InterpolationError, OptionError


def user_parts(emulator: Emulator) -> list[dict]:
    content = emulator.requests[-1].json["messages"][-1]["content"]
    return content if isinstance(content, list) else [{"type": "text", "text": content}]


def sent_images(emulator: Emulator) -> list[Image.Image]:
    images = []
    for part in user_parts(emulator):
        if part["type"] == "image_url":
            header, _, payload = part["image_url"]["url"].partition(";base64,")
            assert header in ("data:image/png", "data:image/jpeg")
            images.append(Image.open(io.BytesIO(base64.b64decode(payload))))
    return images


def photo(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(0)
    gradient = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 40, (height, width, 3))
    return Image.fromarray(np.clip(gradient + noise, 0, 255).astype(np.uint8))


def test_dataframes_go_as_a_compact_summary_within_budget(ip, emulator: Emulator):
    ip.user_ns["sales"] = pd.DataFrame(
        {"region": ["north", "south"] * 50_000, "units": np.arange(100_000), "price": np.linspace(1, 2, 100_000)}
    )
    assert run_cell(ip, "%%gemini\nWhich region sells more? {sales}")[0].success
    text = user_parts(emulator)[0]["text"]
    assert "DataFrame {sales}: 100,000 rows × 3 columns" in text
    assert "region" in text and "units" in text and "price" in text
    assert text_tokens(text) < 2_100
    assert run_cell(ip, "%%gemini --budget-tokens 120\nAgain: {sales}")[0].success
    assert text_tokens(user_parts(emulator)[0]["text"]) < 200


def test_an_image_variable_is_downscaled_and_sent_after_the_text(ip, emulator: Emulator):
    ip.user_ns["snapshot"] = photo(4000, 3000)
    result, captured = run_cell(ip, "%%gemini --image snapshot\nWhat is in this photo?")
    assert result.success, result.error_in_exec
    parts = user_parts(emulator)
    assert [p["type"] for p in parts] == ["text", "image_url"]
    (image,) = sent_images(emulator)
    assert max(image.size) == 1536 and image.format == "JPEG"
    footer = last_bundle(captured)[RESPONSE_MIME]["footer"]
    assert "with 1 image (1,536×1,152 JPEG" in footer and "% of the prompt" in footer


def test_image_last_and_out_n_come_from_displayed_outputs(ip, emulator: Emulator):
    png = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(png, format="PNG")
    ip.user_ns["png_bytes"] = png.getvalue()
    cell_number = ip.execution_count
    run_cell(ip, "from IPython.display import Image as _I, display\ndisplay(_I(data=png_bytes))")
    run_cell(ip, "%%gemini --image last\nDescribe the picture")
    (image,) = sent_images(emulator)
    assert image.size == (300, 200)
    run_cell(ip, "x = 1")  # a cell without an image in between
    assert run_cell(ip, f"%%gemini --image Out[{cell_number}] --image {cell_number}\nBoth")[0].success
    assert [i.size for i in sent_images(emulator)] == [(300, 200), (300, 200)]


@pytest.mark.parametrize(
    ("setup", "option", "words"),
    [
        ("", "--image Out[999]", "No image output found for cell 999"),
        ("broken = b'not an image at all'", "--image broken", "nothing was sent"),
        ("", "--image /no/such/picture.png", "nothing was sent"),
        ("", "--file /no/such/report.pdf", "nothing was sent"),
    ],
)
def test_bad_images_and_files_are_clear_errors_and_send_nothing(ip, emulator: Emulator, setup, option, words):
    if setup:
        run_cell(ip, setup)
    result, captured = run_cell(ip, f"%%gemini {option}\nLook at this")
    assert isinstance(result.error_in_exec, ContextError)
    (line,) = result.error_in_exec._render_traceback_()
    assert words in line
    assert emulator.requests == [] and captured.outputs == []


def test_oversized_file_is_refused(ip, emulator: Emulator, tmp_path: Path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(21_000_000)
    result, _ = run_cell(ip, f"%%gemini --file {big}\nsummarise")
    assert isinstance(result.error_in_exec, ContextError) and "MB" in str(result.error_in_exec)
    assert emulator.requests == []


def test_files_are_inlined_or_attached(ip, emulator: Emulator, tmp_path: Path):
    notes = tmp_path / "notes.csv"
    notes.write_text("name,score\n" + "".join(f"row{i},{i}\n" for i in range(10)))
    pdf = tmp_path / "paper.pdf"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure()
    figure.text(0.5, 0.5, "a PDF page")
    figure.savefig(pdf)
    plt.close(figure)
    assert run_cell(ip, f"%%gemini --file {notes} --file {pdf}\nCompare them")[0].success
    parts = user_parts(emulator)
    assert [p["type"] for p in parts] == ["text", "text", "file"]
    assert "name,score" in parts[1]["text"]
    assert parts[2]["file"]["filename"] == "paper.pdf"
    assert parts[2]["file"]["file_data"].startswith("data:application/pdf;base64,")


def test_dry_run_shows_everything_and_sends_nothing(ip, emulator: Emulator):
    ip.user_ns["snapshot"] = photo(2000, 1500)
    result, captured = run_cell(ip, "%%gemini --dry-run --image snapshot --max-tokens 500\nWhat is this?")
    assert result.success, result.error_in_exec
    assert emulator.requests == []
    data = captured.outputs[-1].data if captured.outputs else result.result._repr_mimebundle_()[0]
    assert "Dry run, nothing sent: about " in data["text/plain"]
    assert "+ up to 500 answer tokens" in data["text/plain"] and "at most $" in data["text/plain"]
    assert "What is this?" in data["text/plain"]
    thumbnail = data["text/html"].split('<img src="', 1)[1].split('"', 1)[0]
    assert len(thumbnail) < 20_000  # a thumbnail, not the full image, goes into the notebook


def test_fix_sends_the_last_error_and_offers_the_fixed_cell(ip, emulator: Emulator):
    run_cell(ip, "def ratio(a, b):\n    return a / b\n\nratio(1, 0)")
    ip.rl_next_input = None
    result, _ = run_cell(ip, "%gemini fix")
    assert result.success, result.error_in_exec
    prompt = user_parts(emulator)[0]["text"]
    assert "ZeroDivisionError: division by zero" in prompt
    assert "ratio(1, 0)" in prompt and "return a / b" in prompt
    assert "code block" in emulator.requests[-1].json["messages"][0]["content"]
    assert ip.rl_next_input and "emulator" in ip.rl_next_input.splitlines()[0]

    run_cell(ip, "%%gemini --error\nIs it the zero?")
    assert user_parts(emulator)[0]["text"].endswith("Is it the zero?")


def test_err_interpolates_exception_text(ip, emulator: Emulator):
    cell = ip.execution_count
    run_cell(ip, "{}['missing']")
    run_cell(ip, "%%gemini\nExplain {Err}")
    assert "KeyError: 'missing'" in user_parts(emulator)[0]["text"]
    run_cell(ip, f"%%gemini\nAnd {{Err[{cell}]}}")
    assert "KeyError: 'missing'" in user_parts(emulator)[0]["text"]
    result, _ = run_cell(ip, "%%gemini\n{Err[99999]}")
    assert isinstance(result.error_in_exec, InterpolationError)


def test_fix_with_no_error_yet(ip, emulator: Emulator, monkeypatch):
    import sys

    monkeypatch.delattr(sys, "last_value", raising=False)
    magics(ip).session.errors._errors.clear()
    result, _ = run_cell(ip, "%gemini fix")
    assert isinstance(result.error_in_exec, OptionError) and "no error to fix" in str(result.error_in_exec)
    assert emulator.requests == []
