"""The fast PNG writer: any pixels in, the same pixels out (read back by Pillow)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from cscanalysis.render.charts import save
from cscanalysis.render.png import png_bytes

shapes = st.tuples(st.integers(1, 40), st.integers(1, 40), st.just(4))


def read(data: bytes) -> tuple[np.ndarray, str, dict]:
    image = Image.open(io.BytesIO(data))
    return np.asarray(image.convert("RGBA")), image.mode, image.info


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, shapes))
def test_any_pixels_round_trip(rgba):
    pixels, mode, _ = read(png_bytes(rgba))
    assert (pixels == rgba).all()
    assert mode == ("RGB" if (rgba[:, :, 3] == 255).all() else "RGBA")


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, shapes), st.integers(72, 600))
def test_opaque_images_lose_only_the_alpha_channel(rgba, dpi):
    rgba = rgba.copy()
    rgba[:, :, 3] = 255
    pixels, mode, info = read(png_bytes(rgba, dpi))
    assert mode == "RGB" and (pixels == rgba).all()
    assert round(info["dpi"][0]) == dpi  # pHYs, pixels per metre, read back as dots per inch


def test_no_dpi_no_phys_chunk():
    assert b"pHYs" not in png_bytes(np.full((2, 3, 4), 255, np.uint8))


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4, 3), np.uint8),  # no alpha channel
        np.zeros((4, 4), np.uint8),  # grey, two dimensions
        np.zeros((4, 4, 4), np.float64),  # not bytes
    ],
    ids=["three channels", "two dimensions", "float pixels"],
)
def test_wrong_array_is_refused_with_what_was_expected(bad):
    with pytest.raises(ValueError, match="height x width x 4 uint8"):
        png_bytes(bad)


def test_empty_image_is_refused():
    with pytest.raises(ValueError, match="at least one pixel, got 0 x 5"):
        png_bytes(np.zeros((5, 0, 4), np.uint8))


def test_a_chart_png_has_matplotlibs_own_pixels():
    def figure():
        fig, axes = plt.subplots(figsize=(6.3, 3.4), layout="constrained")
        axes.plot([2019, 2020, 2021], [66, 70, 80], marker="o", color="#12436D")
        axes.set_title("Rate rose from 66 to 80")
        fig.text(0.01, 0.01, "Source: DfE")
        return fig

    ours, theirs = figure(), figure()
    data = save(ours, "png", dpi=300)
    reference = io.BytesIO()
    theirs.savefig(reference, format="png", dpi=300)
    pixels, mode, _ = read(data)
    expected, _, _ = read(reference.getvalue())
    assert pixels.shape == expected.shape == (1020, 1890, 4)
    assert (pixels == expected).all() and mode == "RGB"
    plt.close(ours)
    plt.close(theirs)
