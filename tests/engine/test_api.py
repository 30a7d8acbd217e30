"""The engine's public interface: options, validation, progress, sizes."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.engine import EngineResult, pipeline, restore
from tests.engine import synth


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return synth.make_case(3, kind="face", level="medium", size=(120, 100)).degraded


def test_it_returns_an_rgb_image_of_the_same_size(photo):
    result = restore(photo, restoration_type=1, model_type=1)
    assert isinstance(result, EngineResult)
    assert result.image.dtype == np.uint8
    assert result.image.shape == photo.shape
    assert result.upscaled is False and result.colorized is False
    assert all(isinstance(n, str) and n for n in result.notes)
    assert "total" in result.timings and result.timings["total"] >= 0


def test_it_does_not_modify_the_input(photo):
    before = photo.copy()
    restore(photo, restoration_type=2, model_type=2, change_color=True)
    assert np.array_equal(photo, before)


def test_it_is_deterministic(photo):
    a = restore(photo, restoration_type=2).image
    b = restore(photo, restoration_type=2).image
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((50, 50, 3), np.float32),
        np.zeros((50, 50), np.uint8),
        np.zeros((50, 50, 4), np.uint8),
        np.zeros((4, 50, 3), np.uint8),
        [[0, 0, 0]],
    ],
)
def test_it_rejects_bad_arrays(image):
    with pytest.raises(ValueError):
        restore(image)


@pytest.mark.parametrize(
    "options",
    [
        {"restoration_type": 3},
        {"restoration_type": -1},
        {"restoration_type": True},
        {"restoration_type": "1"},
        {"model_type": 0},
        {"model_type": 4},
        {"change_color": "yes"},
        {"colorizer": object()},
        {"progress": 5},
        {"max_side": 0},
    ],
)
def test_it_rejects_bad_options(photo, options):
    with pytest.raises(ValueError):
        restore(photo, **options)


def test_it_rejects_images_over_the_pixel_limit(monkeypatch, photo):
    monkeypatch.setattr(pipeline, "MAX_PIXELS", 1000)
    with pytest.raises(ValueError, match="at most"):
        restore(photo)


def test_it_reports_progress_up_to_100(photo):
    seen: list[int] = []
    restore(photo, restoration_type=2, progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 100
    assert seen == sorted(seen)
    assert all(isinstance(p, int) for p in seen)


def test_light_restoration_ignores_the_model_type(photo):
    a = restore(photo, restoration_type=0, model_type=1)
    b = restore(photo, restoration_type=0, model_type=3)
    assert np.array_equal(a.image, b.image)
    assert b.upscaled is False


def test_ultra_hd_doubles_the_size(photo):
    result = restore(photo, restoration_type=1, model_type=3)
    assert result.upscaled is True
    assert result.image.shape == (photo.shape[0] * 2, photo.shape[1] * 2, 3)


def test_ultra_hd_stops_at_max_side(photo):
    result = restore(photo, restoration_type=1, model_type=3, max_side=180)
    assert max(result.image.shape[:2]) == 180
    assert result.upscaled is True


def test_ultra_hd_leaves_a_photo_already_at_max_side(photo):
    result = restore(photo, restoration_type=2, model_type=3, max_side=120)
    assert result.upscaled is False
    assert result.image.shape == photo.shape
    assert any("not enlarged" in n for n in result.notes)


def test_large_photos_are_restored_in_tiles_without_seams(monkeypatch):
    case = synth.make_case(5, kind="landscape", level="medium", size=(300, 340))
    whole = restore(case.degraded, restoration_type=1).image
    monkeypatch.setattr(pipeline, "SINGLE_TILE_PIXELS", 10_000)
    monkeypatch.setattr(pipeline, "TILE", 128)
    tiled = restore(case.degraded, restoration_type=1).image
    assert tiled.shape == whole.shape
    diff = np.abs(tiled.astype(int) - whole.astype(int))
    # tiles see the same plan; only the damage right at a tile edge may be judged differently
    assert np.mean(diff) < 1.5
    assert np.percentile(diff, 99) < 40


def test_notes_count_damage_in_singular_and_plural():
    from restorer.engine import analysis, damage, pipeline

    img = np.full((64, 64, 3), 128, np.uint8)
    plan, _ = analysis.plan(img, 1, False)
    one = pipeline._describe(plan, damage.DamageCounts(specks=1, lines=1), False, False)
    assert "1 speck of dust was removed." in one
    assert "1 scratch, crease or crack was repaired." in one
    two = pipeline._describe(plan, damage.DamageCounts(specks=2, lines=3), False, False)
    assert "2 specks of dust were removed." in two
    assert "3 scratches, creases or cracks were repaired." in two
