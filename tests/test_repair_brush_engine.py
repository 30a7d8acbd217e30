"""The repair brush's fill: exactly the painted pixels change, and they come back."""

import cv2
import numpy as np
import pytest

from restorer import repairs
from tests.scans import print_picture


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0**2 / max(mse, 1e-12))


@pytest.mark.parametrize("thickness", [3, 9, 24], ids=["hairline", "scratch", "wide band"])
def test_a_painted_line_comes_back_ten_db_closer_and_nothing_else_moves(thickness):
    clean = cv2.GaussianBlur(print_picture(640, 480, seed=7), (0, 0), 2.0)
    damaged = clean.copy()
    cv2.line(damaged, (40, 60), (600, 420), (250, 250, 245), thickness)
    painted = np.zeros(clean.shape[:2], np.uint8)
    cv2.line(painted, (40, 60), (600, 420), 255, thickness + 6)  # a brush a little wider
    inside = painted > 0

    repaired = repairs.fill(damaged, painted)

    before = psnr(damaged[inside], clean[inside])
    after = psnr(repaired[inside], clean[inside])
    assert after - before >= 10, (before, after)
    assert np.array_equal(repaired[~inside], damaged[~inside])


def test_a_mask_of_another_size_is_scaled_to_the_picture():
    small = np.zeros((60, 80), np.uint8)
    small[10:20, 30:40] = 255
    mask = repairs.mask_for(small, 800, 600)
    assert mask.shape == (600, 800)
    ys, xs = np.nonzero(mask)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (100, 199, 300, 399)


def test_an_empty_mask_changes_nothing():
    picture = print_picture(100, 80, seed=1)
    assert np.array_equal(repairs.fill(picture, np.zeros((80, 100), np.uint8)), picture)


def test_the_engines_mask_marks_a_scratch_on_a_clean_picture():
    clean = cv2.GaussianBlur(print_picture(512, 384, seed=8), (0, 0), 2.0)
    damaged = clean.copy()
    cv2.line(damaged, (30, 40), (480, 340), (252, 252, 250), 2)
    mask = repairs.damage_mask(damaged)
    assert mask.shape == (384, 512) and set(np.unique(mask)) <= {0, 255}
    line = np.zeros((384, 512), np.uint8)
    cv2.line(line, (30, 40), (480, 340), 255, 2)
    assert np.count_nonzero(mask[line > 0]) > 0.5 * np.count_nonzero(line)
