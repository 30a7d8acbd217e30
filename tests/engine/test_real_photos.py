"""The real scanned photos in ../shared/photos, when that folder is there."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from restorer.engine import restore
from restorer.engine.metrics import ssim

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
