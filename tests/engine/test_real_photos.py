"""The real scanned photos in ../shared/photos, when that folder is there."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from restorer.engine import restore
from tests.engine.metrics import ssim

PHOTOS = Path(__file__).resolve().parents[3] / "shared" / "photos"

pytestmark = pytest.mark.skipif(not PHOTOS.is_dir(), reason="no ../shared/photos folder")


def _load(name: str, side: int = 320) -> np.ndarray:
    from PIL import Image

    with Image.open(PHOTOS / name) as im:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    f = side / max(img.shape[:2])
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("name", ["old-a.png", "old_w_scratch-b.png"])
def test_real_photos_are_restored_without_losing_the_picture(name):
    if not (PHOTOS / name).is_file():
        pytest.skip(f"{name} is not in {PHOTOS}")
    img = _load(name)
    result = restore(img, restoration_type=2, model_type=1)
    assert result.image.shape == img.shape
    # a restoration, not a different picture
    assert ssim(result.image, img) > 0.5


@pytest.mark.parametrize("name", ["old-a.png", "old-h.png", "old_w_scratch-b.png"])
def test_faces_in_real_portraits_are_found_and_kept(name):
    """OpenCV's bundled face detector finds the sitter, and light restoration (dust only)
    leaves the face's catch-lights, teeth and lashes where they are."""
    from restorer.engine import faces

    if not (PHOTOS / name).is_file():
        pytest.skip(f"{name} is not in {PHOTOS}")
    img = _load(name, 600)
    face = faces.face_mask(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY))
    assert face is not None
    inside = face > 0
    assert 0.02 < inside.mean() < 0.6
    result = restore(img, restoration_type=0).image

    # the tone curve may move every pixel; what must not happen is a feature painted out:
    # compare the fine detail (what a 5 x 5 median removes) before and after
    def detail(a):
        g = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
        return g.astype(int) - cv2.medianBlur(g, 5).astype(int)

    before, after = detail(img)[inside], detail(result)[inside]
    strong = np.abs(before) > 25
    assert strong.sum() > 20
    assert np.mean(np.sign(after[strong]) == np.sign(before[strong])) > 0.9
