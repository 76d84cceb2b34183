"""`--image`: preparation (sizes, formats, plot vs photo), every error, and the display history hook."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib
import numpy as np
import pytest
from IPython.utils.capture import capture_output
from PIL import Image, ImageFilter

from jupyter_gemini._context._image_history import HISTORY_SIZE, ImageHistory, ImageOutput
from jupyter_gemini._context._images import (
    PreparedImage,
    _is_graphic,
    describe_images,
    load_image,
    prepare_image,
    resolve_image,
)
from jupyter_gemini.errors import ContextError

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def synthetic_photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """Photo-like: smooth colour fields at three scales, a light gradient, and sensor noise."""
    rng = np.random.default_rng(seed)

    def field(w: int, h: int, amplitude: float) -> np.ndarray:
        small = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        return np.asarray(small.resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32) * (amplitude / 255)

    pixels = field(8, 6, 160) + field(80, 60, 60) + field(max(2, width // 5), max(2, height // 5), 30)
    pixels += np.linspace(0, 40, width, dtype=np.float32)[None, :, None]
    pixels += rng.normal(0, 6, (height, width, 3)).astype(np.float32)
    return Image.fromarray(np.clip(pixels - 30, 0, 255).astype(np.uint8), "RGB")


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def decode(prepared: PreparedImage) -> Image.Image:
    """The image the model would receive, from the data URL alone."""
    assert prepared.data_url is not None
    header, _, payload = prepared.data_url.partition(",")
    assert header == f"data:{prepared.mime};base64"
    data = base64.b64decode(payload, validate=True)
    assert len(data) == prepared.nbytes
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size == (prepared.width, prepared.height)
    assert Image.MIME[image.format] == prepared.mime
    return image


def plot(dpi: int, size: tuple[float, float] = (6.4, 4.8), title: str = "Quarterly revenue") -> bytes:
    fig, ax = plt.subplots(figsize=size, dpi=dpi)
    ax.plot(np.sin(np.linspace(0, 12, 300)), label="sin")
    ax.scatter(*np.random.default_rng(1).random((2, 50)))
    ax.set_title(title, fontsize=14)
    ax.legend()
    data = encoded_figure(fig, dpi)
    plt.close(fig)
    return data


def encoded_figure(fig: Any, dpi: float) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def big_photo() -> Image.Image:
    return synthetic_photo(4000, 3000)


# -- preparation --------------------------------------------------------------------


def test_big_photo_becomes_a_small_jpeg(big_photo):
    png = encoded(big_photo, "PNG")
    prepared = prepare_image(big_photo, label="photo")
    assert (prepared.width, prepared.height) == (1536, 1152)
    assert prepared.mime == "image/jpeg"
    assert prepared.nbytes * 10 <= len(png)  # the target; in practice about 1/70
    assert prepared.nbytes * 3 <= len(encoded(big_photo, "JPEG", quality=95))
    assert prepared.original_size == (4000, 3000) and prepared.original_nbytes is None
    assert decode(prepared).mode == "RGB"
    assert big_photo.size == (4000, 3000)  # the caller's image is untouched


def test_big_jpeg_bytes_decode_at_reduced_scale(big_photo):
    data = encoded(big_photo, "JPEG", quality=95)
    prepared = prepare_image(data)
    assert (prepared.width, prepared.height) == (1536, 1152)
    assert prepared.original_nbytes == len(data) and prepared.nbytes * 5 < len(data)
    decode(prepared)


def test_detail_high_allows_3072(big_photo):
    prepared = prepare_image(big_photo, detail="high")
    assert (prepared.width, prepared.height) == (3072, 2304)
    assert prepared.content_part()["image_url"]["detail"] == "high"
    assert prepared.tokens == 4 * 3 * 258


def test_portrait_and_small_images_keep_their_proportions():
    tall = prepare_image(synthetic_photo(1000, 2400, seed=3))
    assert (tall.width, tall.height) == (640, 1536)
    small = prepare_image(encoded(synthetic_photo(800, 600), "PNG"))
    assert (small.width, small.height) == (800, 600)
    assert small.mime == "image/jpeg"  # a photo saved as PNG is re-encoded
    assert small.nbytes * 4 < small.original_nbytes


def test_small_jpeg_and_small_plot_pass_through_byte_for_byte():
    jpeg = encoded(synthetic_photo(800, 600), "JPEG", quality=80)
    assert decode(prepare_image(jpeg)).tobytes() == Image.open(io.BytesIO(jpeg)).tobytes()
    assert prepare_image(jpeg).nbytes == len(jpeg)
    chart = plot(dpi=100)
    prepared = prepare_image(chart)
    assert (prepared.mime, prepared.width, prepared.height) == ("image/png", 640, 480)
    assert prepared.data_url == "data:image/png;base64," + base64.b64encode(chart).decode()


def test_high_dpi_plot_stays_png_and_its_title_stays_legible():
    """A 300 dpi plot shrunk to 1,536 px should match the same plot rendered natively at that size."""
    fig, ax = plt.subplots(figsize=(10, 6), dpi=300)
    ax.plot(np.cumsum(np.random.default_rng(2).normal(size=500)))
    ax.set_title("Quarterly revenue by region", fontsize=14)
    big = encoded_figure(fig, 300)
    fig.canvas.draw()
    box = ax.title.get_window_extent()  # in 300 dpi pixels, origin at the bottom
    native = Image.open(io.BytesIO(encoded_figure(fig, 300 * 1536 / 3000))).convert("L")
    plt.close(fig)
    prepared = prepare_image(big)
    assert (prepared.mime, prepared.width, prepared.height) == ("image/png", 1536, 922)
    shrunk = decode(prepared).convert("L")
    native = native.resize(shrunk.size)
    scale = 1536 / 3000
    title_box = (
        int(box.x0 * scale) - 4,
        int((1800 - box.y1) * scale) - 4,
        int(box.x1 * scale) + 4,
        int((1800 - box.y0) * scale) + 4,
    )
    ours, reference = (np.asarray(image.crop(title_box), float) for image in (shrunk, native))
    # Crisp strokes: about as many near-black pixels as the native render (a blurred title has none) ...
    assert (ours < 100).mean() >= 0.7 * (reference < 100).mean() > 0.05
    # ... in the same places, up to sub-pixel glyph placement (hence the light blur before comparing).
    ours, reference = (
        np.asarray(image.crop(title_box).filter(ImageFilter.BoxBlur(2)), float) for image in (shrunk, native)
    )
    assert np.abs(ours - reference).mean() < 16  # measured: 11.7; the same title blurred to 300 px: 26


def test_plot_vs_photo_heuristic():
    assert _is_graphic(Image.open(io.BytesIO(plot(dpi=100))))
    fig, ax = plt.subplots()
    ax.imshow(np.random.default_rng(0).random((40, 40)))
    assert _is_graphic(Image.open(io.BytesIO(encoded_figure(fig, 100))))
    plt.close(fig)
    screenshot = Image.new("RGB", (900, 500), "white")
    screenshot.paste((30, 30, 30), (50, 50, 850, 60))
    assert _is_graphic(screenshot)
    assert not _is_graphic(synthetic_photo(800, 600))
    assert not _is_graphic(synthetic_photo(640, 480).convert("L"))


def test_matplotlib_figure_and_axes_render_what_inline_shows():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([1, 3, 2])
    from_fig, from_axes = prepare_image(fig), prepare_image(ax)
    plt.close(fig)
    assert from_fig.mime == from_axes.mime == "image/png"
    assert from_fig.data_url == from_axes.data_url
    assert from_fig.width <= 400 and from_fig.height <= 300  # bbox_inches="tight"


def test_ipython_image_by_data_and_by_url():
    from IPython.display import SVG
    from IPython.display import Image as IPImage

    chart = plot(dpi=80)
    assert prepare_image(IPImage(data=chart)).nbytes == len(chart)
    by_url = prepare_image(IPImage(url="https://example.org/cat.png"))
    assert by_url.url == "https://example.org/cat.png" and by_url.data_url is None
    with pytest.raises(ContextError, match="SVG"):
        prepare_image(SVG(data="<svg xmlns='http://www.w3.org/2000/svg'/>"), label="logo")


def test_url_is_passed_through_not_downloaded():
    prepared = prepare_image("https://example.org/photo.jpg")
    assert prepared.content_part() == {
        "type": "image_url",
        "image_url": {"url": "https://example.org/photo.jpg", "detail": "auto"},
    }
    assert "not downloaded" in prepared.describe()


def test_exif_rotation_is_applied_and_metadata_dropped():
    photo = synthetic_photo(600, 300)
    exif = photo.getexif()
    exif[0x0112] = 6  # camera held upright: rotate 90° on display
    exif[0x8825] = {}  # (a GPS block would go here; it must not be forwarded)
    prepared = prepare_image(encoded(photo, "JPEG", exif=exif.tobytes()))
    assert (prepared.width, prepared.height) == (300, 600)
    assert 0x0112 not in decode(prepared).getexif()


def test_modes_and_other_raster_formats():
    rgba_plot = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    rgba_plot.paste((200, 0, 0, 255), (10, 10, 100, 100))
    assert decode(prepare_image(encoded(rgba_plot, "PNG"))).mode == "RGBA"
    rgba_photo = synthetic_photo(3000, 2000).convert("RGBA")
    assert decode(prepare_image(rgba_photo)).mode == "RGB"  # JPEG, flattened onto white
    palette = Image.open(io.BytesIO(plot(dpi=100))).convert("P")
    assert prepare_image(palette).mime == "image/png"
    for fmt in ("BMP", "TIFF", "GIF"):
        prepared = prepare_image(encoded(Image.open(io.BytesIO(plot(dpi=60))).convert("RGB"), fmt))
        assert prepared.mime == "image/png" and decode(prepared).size == (384, 288)
    cmyk = prepare_image(encoded(synthetic_photo(400, 300).convert("CMYK"), "TIFF"))
    assert decode(cmyk).mode == "RGB"
    assert decode(prepare_image(Image.new("1", (2000, 10)))).size == (1536, 8)
    depth16 = Image.fromarray(np.linspace(0, 65535, 300 * 200).reshape(200, 300).astype(np.uint16))
    stretched = np.asarray(decode(prepare_image(encoded(depth16, "PNG"))))
    assert stretched.max() >= 254 and 100 < stretched.mean() < 155  # a gradient, not clipped to white
    with pytest.raises(ContextError, match="could not be converted"):
        prepare_image(Image.new("La", (20, 20)))


def test_describe_and_tokens():
    prepared = PreparedImage("x", "image/jpeg", 1536, 1152, 210_000, None, (4000, 3000), data_url="data:")
    assert prepared.describe() == "1,536\N{MULTIPLICATION SIGN}1,152 JPEG, 210 KB"
    assert prepared.tokens == 4 * 258
    assert describe_images([prepared]) == "1 image (1,536\N{MULTIPLICATION SIGN}1,152 JPEG, 210 KB)"
    small = PreparedImage("y", "image/png", 300, 200, 999, None, (300, 200), data_url="data:")
    assert small.tokens == 258
    assert describe_images([prepared, small]) == (
        "2 images (1,536\N{MULTIPLICATION SIGN}1,152 JPEG, 210 KB; 300\N{MULTIPLICATION SIGN}200 PNG, 999 bytes)"
    )
    assert "data:" not in repr(prepared)


# -- errors ---------------------------------------------------------------------------


def assert_refused(match: str, obj: Any, **kwargs: Any) -> None:
    with pytest.raises(ContextError, match=match) as caught:
        prepare_image(obj, **kwargs)
    assert "nothing was sent" in str(caught.value)


def test_corrupt_truncated_and_unsupported_bytes(tmp_path: Path):
    assert_refused("not an image Pillow can read", np.random.default_rng(0).bytes(5000), label="blob")
    chart = plot(dpi=100)
    assert_refused("damaged", chart[: len(chart) // 2], label="half")
    svg = b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"
    assert_refused("SVG", svg)
    (tmp_path / "logo.svg").write_bytes(svg)
    assert_refused("logo.svg is an SVG", tmp_path / "logo.svg")
    assert_refused("not an image", [1, 2, 3], label="values")
    assert_refused("not known", chart, detail="low")


def test_missing_folder_and_oversized_files(tmp_path: Path):
    assert_refused("No image at", tmp_path / "nope.png")
    assert_refused("is a folder", tmp_path)
    huge = tmp_path / "huge.png"
    with huge.open("wb") as f:
        f.truncate(25_000_000)  # sparse: no 25 MB write
    assert_refused("25.0 MB, over the 20.0 MB limit", huge)
    assert_refused("over the 20.0 MB limit", b"\x89PNG" + bytes(20_000_001), label="blob")


def test_missing_pillow_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    chart = plot(dpi=50)
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert_refused("pip install pillow", chart)


# -- resolving SOURCE -----------------------------------------------------------------


def history_with(*cells: int) -> ImageHistory:
    history = ImageHistory()
    for cell in cells:
        history._record({"image/png": base64.b64encode(plot(dpi=30, title=f"cell {cell}")).decode()})
        history._entries[-1].cell = cell
    return history


def test_resolve_last_and_cell_numbers():
    history = history_with(3, 5, 5)
    assert resolve_image("last", {}, history) is history._entries[-1]
    assert resolve_image("Out[3]", {}, history) is history._entries[0]
    assert resolve_image(" 5 ", {}, history) is history._entries[-1]  # a cell's last image
    assert history.cells() == [3, 5]
    with pytest.raises(ContextError, match="No image output found for cell 7; the last images came from cells 3, 5"):
        resolve_image("Out[7]", {}, history)
    with pytest.raises(ContextError, match=r"No image output found yet \(no images have been displayed"):
        resolve_image("last", {}, ImageHistory())
    label = load_image("last", {}, history).label
    assert label == "the image from cell 5"


def test_resolve_falls_back_to_an_image_like_cell_result():
    fig = plt.figure()
    namespace = {"Out": {4: fig, 6: 42}}
    assert resolve_image("Out[4]", namespace, ImageHistory()) is fig
    with pytest.raises(ContextError, match="cell 6"):
        resolve_image("6", namespace, ImageHistory())
    plt.close(fig)


def test_resolve_names_paths_and_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fig, ax = plt.subplots()
    namespace = {"fig": fig, "ax": ax, "raw": b"\x89PNG"}
    assert resolve_image("fig", namespace, None) is fig
    assert resolve_image("fig.axes", namespace, None) == [ax]
    assert resolve_image("https://example.org/a.png", namespace, None) == "https://example.org/a.png"
    (tmp_path / "chart.png").write_bytes(plot(dpi=40))
    monkeypatch.chdir(tmp_path)
    assert resolve_image("chart.png", namespace, None) == Path("chart.png")  # no variable `chart`
    assert load_image("chart.png", namespace, None).label == "chart.png"
    with pytest.raises(ContextError, match="No variable or file named 'missing'"):
        resolve_image("missing", namespace, None)
    with pytest.raises(ContextError, match="no source"):
        resolve_image("  ", namespace, None)
    plt.close(fig)


def test_history_output_decodes_raw_and_base64():
    chart = plot(dpi=30)
    assert ImageOutput(1, "image/png", chart).raw() == chart
    assert ImageOutput(1, "image/png", base64.b64encode(chart).decode()).raw() == chart
    with pytest.raises(ContextError, match="not valid base64"):
        ImageOutput(2, "image/png", "not base64!!").raw()


# -- the history hook in a plain IPython shell ---------------------------------------------


@pytest.fixture
def image_shell(shell: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The test shell, formatting images as a notebook frontend asks (the terminal wants only text/plain)."""
    monkeypatch.setattr(shell.display_formatter, "active_types", ["text/plain", "image/png", "image/jpeg"])
    shell.user_ns["CHART"] = plot(dpi=40)
    shell.run_cell("from IPython.display import Image, display")
    return shell


@pytest.fixture
def history(image_shell: Any):
    history = ImageHistory()
    history.install(image_shell)
    yield history
    history.uninstall()


def run(shell: Any, source: str, **kwargs: Any) -> Any:
    with capture_output() as captured:
        result = shell.run_cell(source, store_history=kwargs.pop("store_history", True), **kwargs)
    assert result.error_in_exec is None, result.error_in_exec
    return result, captured


def test_displayed_images_are_keyed_by_their_cell(shell, history):
    result, captured = run(shell, "display(Image(CHART))")
    n = result.execution_count
    assert [list(o.data) for o in captured.outputs] == [["image/png", "text/plain"]]
    assert history.for_cell(n).raw() == shell.user_ns["CHART"]
    run(shell, "x = 1")
    assert history.last().cell == n and history.cells() == [n]
    result2, _ = run(shell, "Image(CHART)")  # a cell's result (Out[n]) goes through the display hook
    assert history.last().cell == result2.execution_count == n + 2
    assert load_image(f"Out[{n}]", shell.user_ns, history).mime == "image/png"


def test_figures_flushed_after_the_cell_belong_to_it(shell, history):
    """matplotlib's inline backend displays figures at post_execute, after IPython counted the cell."""
    pending: list[bytes] = []

    def flush() -> None:
        from IPython.display import Image as IPImage
        from IPython.display import display

        while pending:
            display(IPImage(pending.pop()))

    shell.events.register("post_execute", flush)
    try:
        shell.user_ns["pending"] = pending
        result, captured = run(shell, "pending.append(CHART)")
        assert len(captured.outputs) == 1  # shown after the code, under capture_output too
        assert history.for_cell(result.execution_count) is history.last()
        assert history.cells() == [result.execution_count]
    finally:
        shell.events.unregister("post_execute", flush)


def test_late_images_are_moved_to_the_cell_that_ran():
    """Whatever number was guessed at post_execute (IPython versions differ), post_run_cell has the truth."""
    history = ImageHistory()
    history._pre_run_cell(SimpleNamespace(store_history=True))
    history._record({"image/png": "iVBORw0KGgo="})
    history._post_run_cell(SimpleNamespace(execution_count=12))
    history._record({"image/jpeg": "/9j/4AAQ"})  # between cells, e.g. from a thread
    assert [(o.cell, o.mime) for o in history._entries] == [(12, "image/png"), (12, "image/jpeg")]


def test_history_is_bounded_and_ignores_other_outputs(shell, history):
    run(shell, "from IPython.display import HTML\ndisplay(HTML('<b>hi</b>'))\nprint('text')")
    assert len(history) == 0
    for _ in range(HISTORY_SIZE + 3):
        run(shell, "display(Image(CHART))")
    assert len(history) == HISTORY_SIZE
    run(shell, "display(Image(CHART)); display(Image(CHART))", store_history=False)
    assert len(history) == HISTORY_SIZE


def test_install_is_idempotent_and_uninstall_restores_exactly(image_shell):
    shell = image_shell
    pub, hook = shell.display_pub, shell.displayhook
    assert "publish" not in pub.__dict__ and "write_format_data" not in hook.__dict__
    callbacks = {event: list(shell.events.callbacks[event]) for event in shell.events.callbacks}
    history = ImageHistory()
    history.install(shell)
    history.install(shell)
    assert history.installed
    shell.run_cell("from IPython.display import Image, display; display(Image(CHART))")
    assert len(history) == 1  # wrapped once, not twice
    history.uninstall()
    history.uninstall()
    assert not history.installed
    assert "publish" not in pub.__dict__ and "write_format_data" not in hook.__dict__
    assert {event: list(shell.events.callbacks[event]) for event in shell.events.callbacks} == callbacks


def test_uninstall_keeps_someone_elses_wrapper(image_shell):
    shell = image_shell
    pub = shell.display_pub
    seen: list[Any] = []
    theirs_below = pub.publish

    def theirs(data: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(data)
        return theirs_below(data, *args, **kwargs)

    try:
        pub.publish = theirs  # another extension's instance attribute, before ours
        history = ImageHistory()
        history.install(shell)
        history.uninstall()
        assert pub.__dict__["publish"] is theirs
        history.install(shell)
        above = pub.publish

        def stacked(data: Any, *args: Any, **kwargs: Any) -> Any:
            return above(data, *args, **kwargs)

        pub.publish = stacked  # and one stacked on top of ours
        history.uninstall()
        assert pub.__dict__["publish"] is stacked  # left alone; ours inside it is now inert
        shell.run_cell("from IPython.display import Image, display; display(Image(CHART))")
        assert len(history) == 0 and len(seen) == 1
    finally:
        pub.__dict__.pop("publish", None)


def test_importing_the_modules_imports_nothing_heavy():
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "import jupyter_gemini._context._images as images, jupyter_gemini._context._files\n"
        "shell = InteractiveShell.instance()\n"
        "images.ImageHistory().install(shell)\n"
        "shell.run_cell('from IPython.display import display; display(1)', store_history=True)\n"
        "print(json.dumps([m for m in ('PIL', 'matplotlib', 'numpy') if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


# -- a real kernel ---------------------------------------------------------------------


def execute(kc: Any, code: str) -> list[dict[str, Any]]:
    msg_id = kc.execute(code)
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id:
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return messages


def sha(png_base64: str) -> str:
    return hashlib.sha256(base64.b64decode(png_base64)).hexdigest()


@pytest.mark.kernel
def test_kernel_history_maps_cell_numbers_to_inline_figures():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        execute(
            kc,
            "from jupyter_gemini._context._images import load_image\n"
            "from jupyter_gemini._context._image_history import ImageHistory\n%matplotlib inline",
        )
        execute(kc, "_h = ImageHistory(); _h.install(get_ipython())")
        shown: dict[int, str] = {}
        for code in (
            "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2]); plt.title('flushed after the cell')",
            "x = 1",  # no image
            "import io\nfrom IPython.display import Image\n_f, _a = plt.subplots(); _a.bar([1, 2], [3, 4])\n"
            "_b = io.BytesIO(); _f.savefig(_b, format='png'); plt.close(_f)\nImage(_b.getvalue())",  # a result
        ):
            messages = execute(kc, code)
            (count,) = [m["content"]["execution_count"] for m in messages if m["msg_type"] == "execute_input"]
            pngs = [
                m["content"]["data"]["image/png"]
                for m in messages
                if m["msg_type"] in ("display_data", "execute_result") and "image/png" in m["content"]["data"]
            ]
            if pngs:
                shown[count] = sha(pngs[-1])
        first, third = sorted(shown)
        assert third == first + 2 and shown[first] != shown[third]
        probe = (
            "import hashlib, json\n"
            "print(json.dumps({'cells': _h.cells(), 'last': _h.last().cell,\n"
            f"  'first': hashlib.sha256(_h.for_cell({first}).raw()).hexdigest(),\n"
            f"  'third': hashlib.sha256(_h.for_cell({third}).raw()).hexdigest(),\n"
            f"  'by_out': load_image('Out[{first}]', globals(), _h).mime,\n"
            f"  'by_number': load_image('{first}', globals(), _h).width}}))"
        )
        messages = execute(kc, probe)
        (text,) = [m["content"]["text"] for m in messages if m["msg_type"] == "stream"]
        seen = json.loads(text)
        assert seen["cells"] == [first, third] and seen["last"] == third
        assert seen["first"] == shown[first] and seen["third"] == shown[third]
        assert seen["by_out"] == "image/png" and seen["by_number"] > 100
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
