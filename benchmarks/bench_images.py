"""What `--image` sends for a big photo, and how long preparing it takes.

Why: a phone photo is 12 megapixels; sent as is it costs bandwidth, upload time
and (in Gemini's 768 px tiles) tokens the model cannot use. `prepare_image`
shrinks it to 1,536 px and re-encodes it as JPEG. Targets from the issue:

* a 4000x3000 photo is sent as at most 1/10 of its PNG encoding;
* preparing it takes under 150 ms (median of >= 10 runs, after a warm-up).

The photo is synthetic but photo-like (smooth colour fields at three scales, a
gradient and sensor noise), so it compresses like a real one rather than like a
flat colour. Rows marked INFO are context: the same photo as a high-quality
JPEG file, and a matplotlib plot at 100 and 300 dpi (kept as PNG).

    python benchmarks/bench_images.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

TARGET_RATIO = 10.0  # PNG bytes / sent bytes, at least
TARGET_MS = 150.0  # median preparation time, at most


def synthetic_photo(width: int = 4000, height: int = 3000, seed: int = 0) -> Any:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)

    def field(w: int, h: int, amplitude: float) -> Any:
        small = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        return np.asarray(small.resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32) * (amplitude / 255)

    pixels = field(8, 6, 160) + field(80, 60, 60) + field(width // 5, height // 5, 30)
    pixels += np.linspace(0, 40, width, dtype=np.float32)[None, :, None]
    pixels += rng.normal(0, 6, (height, width, 3)).astype(np.float32)
    return Image.fromarray(np.clip(pixels - 30, 0, 255).astype(np.uint8), "RGB")


def plot_png(dpi: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(10, 6))
    ax.plot(np.cumsum(np.random.default_rng(1).normal(size=1000)))
    ax.set_title("Quarterly revenue by region")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def encode(image: Any, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def timed(prepare: Callable[[], Any], runs: int) -> tuple[Any, list[float]]:
    result = prepare()  # warm-up: imports, first allocations
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = prepare()
        samples.append(time.perf_counter() - started)
    return result, samples


def run(runs: int = 15) -> dict[str, Any]:
    from jupyter_gemini._context._images import prepare_image

    photo = synthetic_photo()
    png, jpeg95 = encode(photo, "PNG"), encode(photo, "JPEG", quality=95)
    sent, photo_times = timed(lambda: prepare_image(photo), runs)
    from_jpeg, jpeg_times = timed(lambda: prepare_image(jpeg95), runs)
    plots = {dpi: plot_png(dpi) for dpi in (100, 300)}
    plot_results = {dpi: timed(lambda data=data: prepare_image(data), runs) for dpi, data in plots.items()}

    ms = {name: statistics.median(s) * 1000 for name, s in (("photo", photo_times), ("jpeg", jpeg_times))}
    ratio_png, ratio_jpeg = len(png) / sent.nbytes, len(jpeg95) / sent.nbytes
    kb = 1000
    rows = [
        (
            "photo bytes vs its PNG",
            f"{sent.nbytes / kb:,.0f} KB",
            f"{len(png) / kb:,.0f} KB",
            f"1/{ratio_png:.0f}",
            f"<= 1/{TARGET_RATIO:.0f}",
            "PASS" if ratio_png >= TARGET_RATIO else "MISS",
        ),
        (
            "photo bytes vs JPEG q95",
            f"{sent.nbytes / kb:,.0f} KB",
            f"{len(jpeg95) / kb:,.0f} KB",
            f"1/{ratio_jpeg:.0f}",
            "-",
            "INFO",
        ),
        (
            "prep time, PIL photo",
            f"{ms['photo']:.0f} ms",
            f"p25-p75 {_ms_range(photo_times)}",
            "-",
            f"< {TARGET_MS:.0f} ms",
            "PASS" if ms["photo"] < TARGET_MS else "MISS",
        ),
        (
            "prep time, JPEG q95 file",
            f"{ms['jpeg']:.0f} ms",
            f"p25-p75 {_ms_range(jpeg_times)}",
            "-",
            f"< {TARGET_MS:.0f} ms",
            "PASS" if ms["jpeg"] < TARGET_MS else "MISS",
        ),
    ]
    for dpi, (prepared, samples) in plot_results.items():
        rows.append(
            (
                f"plot {dpi} dpi ({prepared.original_size[0]}x{prepared.original_size[1]})",
                prepared.describe(),
                f"{len(plots[dpi]) / kb:,.0f} KB",
                f"{statistics.median(samples) * 1000:.0f} ms",
                "PNG, text kept",
                "INFO" if prepared.mime == "image/png" else "MISS",
            )
        )
    return {
        "photo": {
            "size": list(photo.size),
            "png_bytes": len(png),
            "jpeg95_bytes": len(jpeg95),
            "sent_bytes": sent.nbytes,
            "sent": sent.describe(),
            "ratio_vs_png": ratio_png,
            "ratio_vs_jpeg95": ratio_jpeg,
            "prep_ms_median": ms["photo"],
            "prep_ms_samples": [s * 1000 for s in photo_times],
            "from_jpeg": from_jpeg.describe(),
            "from_jpeg_ms_median": ms["jpeg"],
            "from_jpeg_ms_samples": [s * 1000 for s in jpeg_times],
        },
        "plots": {dpi: {"sent": p.describe(), "mime": p.mime} for dpi, (p, _) in plot_results.items()},
        "rows": rows,
        "passed": all(row[-1] != "MISS" for row in rows),
    }


def _ms_range(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=4, method="inclusive")
    return f"{q[0] * 1000:.0f}-{q[2] * 1000:.0f} ms"


def print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("benchmark", "measured", "baseline", "ratio", "target", "result")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default 15, at least 10)")
    args = parser.parse_args()
    result = run(max(10, args.runs))
    print_table(result["rows"])
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
