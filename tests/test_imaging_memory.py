"""Renditions of large pictures are made without full-size copies, at thumbnail()'s sizes."""

from __future__ import annotations

import pytest
from PIL import Image

from restorer import imaging


@pytest.mark.parametrize(
    "size", [(10000, 7000), (7000, 10000), (3001, 1999), (1999, 3001), (1601, 1), (1, 1601),
             (1600, 1200), (300, 200)],
)  # fmt: skip
@pytest.mark.parametrize("side", [imaging.DISPLAY_SIDE, imaging.THUMBNAIL_SIDE])
def test_fitted_sizes_are_thumbnails(size, side):
    picture = Image.new("L", size)
    expected = picture.copy()
    expected.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    assert imaging._fitted(picture, side).size == expected.size


def test_an_upright_picture_is_not_copied_when_loaded(monkeypatch):
    import io

    copies = []
    plain_copy = Image.Image.copy

    def copy(self):
        copies.append(self.size)
        return plain_copy(self)

    monkeypatch.setattr(Image.Image, "copy", copy)
    data = io.BytesIO()
    Image.new("RGB", (2000, 1500), (120, 90, 60)).save(data, "PNG")
    picture = imaging.load(data, max_pixels=10**8)
    imaging.renditions(picture)
    assert (2000, 1500) not in copies
