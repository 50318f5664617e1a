"""A chart's PNG: drawn once by Agg and written by Pillow, with matplotlib's own pixels."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from cscanalysis.render.chart import save


def read(data: bytes) -> tuple[np.ndarray, str, dict]:
    image = Image.open(io.BytesIO(data))
    return np.asarray(image.convert("RGBA")), image.mode, image.info


def figure():
    fig, axes = plt.subplots(figsize=(6.3, 3.4), layout="constrained")
    axes.plot([2019, 2020, 2021], [66, 70, 80], marker="o", color="#12436D")
    axes.set_title("Rate rose from 66 to 80")
    fig.text(0.01, 0.01, "Source: DfE")
    return fig


def test_a_chart_png_has_matplotlibs_own_pixels():
    ours, theirs = figure(), figure()
    data = save(ours, "png", dpi=300)
    reference = io.BytesIO()
    theirs.savefig(reference, format="png", dpi=300)
    pixels, mode, info = read(data)
    expected, _, _ = read(reference.getvalue())
    # 6.3 x 3.4 inches at 300 dpi is 1890 x 1020 pixels
    assert pixels.shape == expected.shape == (1020, 1890, 4)
    assert (pixels == expected).all()
    assert mode == "RGB"  # opaque: no alpha channel written
    assert round(info["dpi"][0]) == 300  # pHYs, read back as dots per inch
    plt.close(ours)
    plt.close(theirs)


def test_the_same_chart_gives_the_same_bytes():
    one, two = figure(), figure()
    assert save(one, "png", dpi=150) == save(two, "png", dpi=150)
    assert b"Software" not in save(one, "png", dpi=150)  # no version in the file
    plt.close(one)
    plt.close(two)


def test_a_transparent_figure_keeps_its_alpha_channel():
    fig = figure()
    fig.patch.set_alpha(0)  # savefig's own path, as matplotlib writes it
    pixels, mode, _ = read(save(fig, "png", dpi=100))
    assert mode == "RGBA" and (pixels[:, :, 3] < 255).any()
    plt.close(fig)
