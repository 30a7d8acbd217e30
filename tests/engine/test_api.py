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
        {"max_pixels": 0},
        {"max_pixels": 2.5},
        {"remove_toning": "yes"},
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


def test_ultra_hd_stops_at_the_pixel_limit(photo):
    h, w = photo.shape[:2]
    limit = int(h * w * 2.25)
    result = restore(photo, restoration_type=1, model_type=3, max_pixels=limit)
    assert result.upscaled is True
    oh, ow = result.image.shape[:2]
    assert oh * ow <= limit * 1.02 and oh == round(h * 1.5)


def test_ultra_hd_leaves_a_photo_already_at_the_pixel_limit(photo):
    h, w = photo.shape[:2]
    result = restore(photo, restoration_type=2, model_type=3, max_pixels=h * w)
    assert result.upscaled is False
    assert result.image.shape == photo.shape
    assert any("not enlarged" in n for n in result.notes)


def test_the_result_keeps_the_full_resolution_of_a_large_scan():
    """No 2048-pixel limit for the embedded engine: it restores what was scanned."""
    case = synth.make_case(7, kind="landscape", level="light", size=(2300, 3100))
    result = restore(case.degraded, restoration_type=1)
    assert result.image.shape == case.degraded.shape


def test_ultra_hd_of_a_large_scan_is_enlarged_in_bounded_bands(monkeypatch):
    photo = synth.make_clean("landscape", (400, 300), seed=3)
    whole = restore(photo, restoration_type=1, model_type=3).image
    monkeypatch.setattr(pipeline, "SINGLE_TILE_PIXELS", 50_000)
    banded = restore(photo, restoration_type=1, model_type=3).image
    assert banded.shape == whole.shape == (800, 600, 3)
    assert np.abs(banded.astype(int) - whole.astype(int)).mean() < 1.0


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


def test_notes_count_what_the_repair_changed_in_singular_and_plural():
    from restorer.engine import analysis, damage

    img = np.full((64, 64, 3), 128, np.uint8)
    plan, _ = analysis.plan(img, 1, False)
    one = damage.DamageCounts(specks=1, lines=1)
    notes = pipeline._describe(plan, one, 40, 64 * 64, False, True, False)
    assert any(
        n.startswith("Repaired 1 speck of dust and 1 scratch, hair or crack: 40 pixels")
        for n in notes
    ), notes
    two = damage.DamageCounts(specks=2, lines=3, areas=2)
    notes = pipeline._describe(plan, two, 1200, 64 * 64, False, True, False)
    assert any(
        "2 specks of dust, 3 scratches, hairs or cracks and 2 damaged areas: 1,200 pixels" in n
        for n in notes
    ), notes


def test_a_clean_photo_gets_no_repair_note(photo):
    clean = synth.make_clean("landscape", (200, 200), seed=4)
    result = restore(clean, restoration_type=2)
    assert result.repaired_pixels == 0 or any("Repaired" in n for n in result.notes)
    if result.repaired_pixels == 0:
        assert not any("Repaired" in n or "removed" in n for n in result.notes)


def test_the_repair_note_reports_the_pixels_really_changed():
    case = synth.make_case(9, kind="landscape", level="medium", size=(256, 256))
    result = restore(case.degraded, restoration_type=1)
    assert result.repaired_pixels > 0
    note = next(n for n in result.notes if n.startswith("Repaired"))
    assert f"{result.repaired_pixels:,} pixels" in note
