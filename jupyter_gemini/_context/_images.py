"""Images for `--image`: find them (displayed outputs, variables, files, URLs) and shrink them for the model.

Gemini bills an image by 768 px tiles (258 tokens each) and scales anything
past 3,072 px down itself, so by default the long side is cut to 1,536 px
(2 x 2 tiles); `detail="high"` allows 3,072. Plots and line art are re-encoded as
PNG so their text stays sharp, photos as JPEG (about a tenth of the bytes);
`_is_graphic` tells them apart from the colours of a 96 px thumbnail.

Importing this module is cheap: Pillow is imported only when an image is
prepared, and matplotlib/IPython objects are recognised through `sys.modules`.

    history = ImageHistory(); history.install(shell)          # at %load_ext
    image = load_image("last", shell.user_ns, history)        # per --image
    image.content_part(); image.describe()                    # request / footer
"""

from __future__ import annotations

import base64
import dataclasses
import io
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._cost._estimate import TOKENS_PER_IMAGE
from .._units import format_bytes
from ..errors import ContextError
from ._files import MAX_FILE_BYTES, read_limited
from ._image_history import ImageHistory, ImageOutput

DETAILS = ("auto", "high")
#: Long side for `detail="auto"` (2 x 2 Gemini tiles) and for `"high"` (Gemini's own ceiling).
MAX_SIDE = {"auto": 1536, "high": 3072}
TILE, SMALL_SIDE = 768, 384
JPEG_QUALITY = 85

#: Graphic (PNG) when the 32 commonest colours of a 96 px nearest-neighbour thumbnail cover half of it:
#: plots measure 0.6-1.0 (flat background, few line colours), noisy photos below 0.02.
_PROBE_SIDE, _TOP_COLOURS, _GRAPHIC_COVERAGE = 96, 32, 0.5
#: A "graphic" whose PNG passes this many bytes per pixel compresses like a photo: JPEG is tried too.
_PNG_BYTES_PER_PIXEL = 1.0
_MISSING = object()
_PASS_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_OUT = re.compile(r"Out\[\s*(\d+)\s*\]|(\d+)")
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


@dataclasses.dataclass(frozen=True)
class PreparedImage:
    """An image ready to send (`data_url`) or passed through by address (`url`), with what the footer shows."""

    label: str
    mime: str
    width: int
    height: int
    nbytes: int
    #: Bytes of the source as given (file, bytes, display output, rendered figure); None for an in-memory image.
    original_nbytes: int | None
    original_size: tuple[int, int]
    data_url: str | None = dataclasses.field(default=None, repr=False)
    url: str | None = None
    detail: str = "auto"

    def content_part(self) -> dict[str, Any]:
        """OpenRouter's `image_url` part."""
        return {"type": "image_url", "image_url": {"url": self.data_url or self.url, "detail": self.detail}}

    @property
    def format(self) -> str:
        return self.mime.rpartition("/")[2].upper() or "image"

    @property
    def tokens(self) -> int:
        """Prompt tokens Gemini bills for it: 258 up to 384 px, else 258 per 768 px tile (a URL counts as one)."""
        if self.url is not None or max(self.width, self.height) <= SMALL_SIDE:
            return TOKENS_PER_IMAGE
        return math.ceil(self.width / TILE) * math.ceil(self.height / TILE) * TOKENS_PER_IMAGE

    def describe(self) -> str:
        """E.g. "1,536×1,152 JPEG, 210 KB"."""  # noqa: RUF002 - the footer's multiplication sign
        if self.url is not None:
            return f"URL {self.url[:60]}, not downloaded"
        return f"{self.width:,}×{self.height:,} {self.format}, {format_bytes(self.nbytes)}"  # noqa: RUF001


def describe_images(images: Sequence[PreparedImage]) -> str:
    """Footer text: "1 image (1,536×1,152 JPEG, 210 KB)"."""  # noqa: RUF002
    noun = "image" if len(images) == 1 else "images"
    return f"{len(images)} {noun} ({'; '.join(image.describe() for image in images)})"


# -- resolving --source ---------------------------------------------------------


def load_image(
    source: str, namespace: Mapping[str, Any], history: ImageHistory | None, *, detail: str = "auto"
) -> PreparedImage:
    """`--image SOURCE` end to end: resolve it, then prepare it, labelled with SOURCE."""
    found = resolve_image(source, namespace, history)
    return prepare_image(found, detail=detail, label=None if isinstance(found, ImageOutput) else source.strip())


def resolve_image(source: str, namespace: Mapping[str, Any], history: ImageHistory | None) -> Any:
    """Map SOURCE to something `prepare_image` takes.

    `last` → newest displayed image; `Out[n]` or `n` → cell n's image (or its
    image-like result); an http(s) URL → itself; a name (`fig`, `fig.axes`) in
    `namespace` → that object; else an existing file → its Path. Names win over files.
    """
    text = source.strip()
    if not text:
        raise ContextError(
            "--image was given no source, so nothing was sent; use last, Out[n], a variable, a path or a URL."
        )
    if text == "last" or _OUT.fullmatch(text):
        return _displayed(text, namespace, history)
    if _is_url(text):
        return text
    if _NAME.fullmatch(text):
        value = _lookup(text, namespace)
        if value is not _MISSING:
            return value
    path = Path(text).expanduser()
    if path.exists():
        return path
    raise ContextError(
        f"No variable or file named {text!r}, so nothing was sent; use last, Out[n], a variable, a path or a URL."
    )


def _displayed(text: str, namespace: Mapping[str, Any], history: ImageHistory | None) -> Any:
    """`last`, or `Out[n]`/`n`: an image the kernel displayed (or cell n's image-like result)."""
    if text == "last":
        found = history.last() if history is not None else None
        if found is None:
            raise ContextError(f"No image output found yet{_seen(history)}, so nothing was sent; display a plot first.")
        return found
    match = _OUT.fullmatch(text)
    assert match is not None, "only called for last or Out[n]"
    n = int(match.group(1) or match.group(2))
    found = history.for_cell(n) if history is not None else None
    if found is not None:
        return found
    out = namespace.get("Out")
    result = out.get(n) if isinstance(out, Mapping) else None
    if result is not None and _image_like(result):
        return result
    raise ContextError(f"No image output found for cell {n}{_seen(history)}, so nothing was sent.")


def _seen(history: ImageHistory | None) -> str:
    cells = history.cells() if history is not None else []
    if not cells:
        return " (no images have been displayed since jupyter-gemini was loaded)"
    return f"; the last images came from cell{'s' if len(cells) > 1 else ''} {', '.join(map(str, cells))}"


def _lookup(dotted: str, namespace: Mapping[str, Any]) -> Any:
    root, *attrs = dotted.split(".")
    value = namespace.get(root, _MISSING)
    for attr in attrs:
        if value is _MISSING:
            break
        value = getattr(value, attr, _MISSING)
    return value


def _is_url(text: str) -> bool:
    return text[:8].lower().startswith(("http://", "https://"))


def _image_like(obj: Any) -> bool:
    pil = sys.modules.get("PIL.Image")
    return bool(
        isinstance(obj, (bytes, bytearray))
        or (pil is not None and isinstance(obj, pil.Image))
        or _ipython_image(obj) is not None
        or _figure(obj) is not None
    )


# -- preparing --------------------------------------------------------------------


def prepare_image(obj: Any, *, detail: str = "auto", label: str | None = None) -> PreparedImage:
    """Downscale and re-encode `obj` for the model.

    Takes an `ImageOutput`, PIL Image, matplotlib Figure/Axes (anything with a
    `.figure`), `IPython.display.Image`, bytes, a path, or an http(s) URL (kept as a URL).
    """
    if detail not in DETAILS:
        raise ContextError(f"--image-detail {detail!r} is not known, so nothing was sent; use auto or high.")
    if isinstance(obj, PreparedImage):
        return obj
    if isinstance(obj, ImageOutput):
        return _from_bytes(obj.raw(), label or f"the image from cell {obj.cell}", detail)
    if isinstance(obj, str) and _is_url(obj):
        return _from_url(obj, label or obj, detail)
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj).expanduser()
        return _from_bytes(read_limited(path, what="image"), label or path.name, detail)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(obj), label or "bytes", detail)
    return _from_object(obj, label or type(obj).__name__, detail)


def _from_object(obj: Any, name: str, detail: str) -> PreparedImage:
    """An image object from a library: IPython's Image, a matplotlib figure (or Axes), a PIL Image."""
    ipython = _ipython_image(obj)
    if ipython is not None:
        if isinstance(ipython.data, bytes) and ipython.data:
            return _from_bytes(ipython.data, name, detail)
        if isinstance(ipython.url, str) and _is_url(ipython.url):
            return _from_url(ipython.url, name, detail)
        raise ContextError(f"{name} holds no image data, so nothing was sent; create it with data= or filename=.")
    figure = _figure(obj)
    if figure is not None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")  # what the inline backend shows
        return _from_bytes(buffer.getvalue(), name, detail)
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(obj, pil.Image):
        try:
            return _from_pil(obj, label=name, detail=detail, source=None)
        except (OSError, ValueError) as exc:
            raise ContextError(
                f"{name} could not be converted ({exc}), so nothing was sent; pass an RGB image."
            ) from None
    kind = "an SVG" if type(obj).__name__ == "SVG" else f"a {type(obj).__name__}"
    raise ContextError(
        f"{name} is {kind}, not an image, so nothing was sent; pass a PIL Image, matplotlib figure, "
        "IPython Image, bytes, a PNG/JPEG path or a URL."
    )


def _ipython_image(obj: Any) -> Any:
    module = sys.modules.get("IPython.core.display")
    return obj if module is not None and isinstance(obj, module.Image) else None


def _figure(obj: Any) -> Any:
    """The matplotlib Figure that `obj` is or belongs to (Axes, artists, seaborn grids), else None."""
    module = sys.modules.get("matplotlib.figure")
    if module is None:
        return None
    for _ in range(3):  # Axes -> SubFigure -> Figure at most
        if isinstance(obj, module.Figure):
            return obj
        try:
            obj = getattr(obj, "figure", None)
        except Exception:
            return None
    return None


def _from_url(url: str, label: str, detail: str) -> PreparedImage:
    return PreparedImage(label, "", 0, 0, 0, None, (0, 0), url=url, detail=detail)


def _pil_modules() -> tuple[Any, Any]:
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise ContextError(
            "Pillow is not installed, so nothing was sent; run %pip install pillow to attach images."
        ) from None
    return Image, ImageOps


def _from_bytes(data: bytes, label: str, detail: str) -> PreparedImage:
    if len(data) > MAX_FILE_BYTES:
        limit = format_bytes(MAX_FILE_BYTES)
        raise ContextError(
            f"{label} is {format_bytes(len(data))}, over the {limit} limit for an image, so nothing was sent; "
            "pass a smaller copy."
        )
    head = data[:256].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")) and b"<svg" in data[:4096].lower():
        raise ContextError(f"{label} is an SVG, so nothing was sent; convert it to PNG first.")
    Image, _ = _pil_modules()
    try:
        image = Image.open(io.BytesIO(data))
        return _from_pil(image, label=label, detail=detail, source=data)
    except Image.UnidentifiedImageError:
        raise ContextError(
            f"{label} is not an image Pillow can read, so nothing was sent; pass a PNG, JPEG, WebP, GIF, BMP or TIFF."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ContextError(f"{label} is a damaged or oversized image ({exc}), so nothing was sent.") from None


def _from_pil(image: Any, *, label: str, detail: str, source: bytes | None) -> PreparedImage:
    """Shrink to the detail's long side, upright it, and encode; pass small PNG/JPEG/WebP files through untouched.

    A JPEG opened here (`source` given) decodes at reduced scale; a caller's image is never modified.
    """
    Image, ImageOps = _pil_modules()
    original_size = image.size
    limit = MAX_SIDE[detail]
    orientation = image.getexif().get(0x0112, 1)
    fits = max(image.size) <= limit
    mime = _PASS_FORMATS.get(image.format or "")
    untouched = fits and orientation == 1 and "exif" not in image.info and image.mode in ("RGB", "RGBA", "L", "LA", "P")
    # A photo saved as PNG is re-encoded as JPEG; anything else that fits is sent as it came.
    if source is not None and untouched and mime and (mime != "image/png" or _is_graphic(image)):
        image.load()  # sent as it came, so decode it once here: a truncated file fails now, not at Google
        return _prepared(label, detail, image.size, original_size, source, mime, len(source))
    if image.mode in ("P", "PA", "1"):  # resizing these would fall back to nearest-neighbour
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    elif image.mode.startswith("I") or image.mode == "F":  # 16-bit/float data: stretch to 8 bits, as viewers do
        low, high = image.convert("F").getextrema()
        image = image.convert("F").point(lambda v: (v - low) * (255 / ((high - low) or 1))).convert("L")
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # matplotlib's opaque RGBA: a third faster to resize, smaller PNG
    if not fits:
        scale = limit / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        if source is not None:
            image.draft(None, size)  # a JPEG decodes at 1/2, 1/4 or 1/8 scale, as long as it stays >= size
        # Box-reduce by an integer factor, then bicubic: half the time of plain Lanczos, text as crisp.
        image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=1.0)
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    data, mime = _encode(image)
    return _prepared(label, detail, image.size, original_size, data, mime, len(source) if source else None)


def _prepared(
    label: str, detail: str, size: Any, original: Any, data: bytes, mime: str, n: int | None
) -> PreparedImage:
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return PreparedImage(label, mime, size[0], size[1], len(data), n, original, data_url=url, detail=detail)


def _has_alpha(image: Any) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _is_graphic(image: Any) -> bool:
    """Plot/line art/screenshot (True) or photo (False): do a few colours cover most of a small thumbnail?

    Nearest-neighbour sampling keeps exact colours, so a plot's flat background and
    line colours dominate, while a photo's noise makes nearly every pixel distinct.
    """
    Image, _ = _pil_modules()
    scale = min(1.0, _PROBE_SIDE / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    probe = image.resize(size, Image.Resampling.NEAREST)
    if probe.mode not in ("RGB", "RGBA", "L", "LA"):
        probe = probe.convert("RGBA")
    pixels = probe.width * probe.height
    counts = sorted((count for count, _ in probe.getcolors(pixels)), reverse=True)
    return bool(sum(counts[:_TOP_COLOURS]) >= _GRAPHIC_COVERAGE * pixels)


def _encode(image: Any) -> tuple[bytes, str]:
    """PNG for graphics (unless a JPEG is under half its size); JPEG for photos, flattened onto white."""
    if _is_graphic(image):
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        png = buffer.getvalue()
        if len(png) <= _PNG_BYTES_PER_PIXEL * image.width * image.height:
            return png, "image/png"
        jpeg = _jpeg(image)
        return (jpeg, "image/jpeg") if 2 * len(jpeg) < len(png) else (png, "image/png")
    return _jpeg(image), "image/jpeg"


def _jpeg(image: Any) -> bytes:
    Image, _ = _pil_modules()
    if image.mode in ("RGBA", "LA"):
        white = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()
