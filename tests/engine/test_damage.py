"""Each kind of damage, at the restoration type that covers it; content is not damage."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from restorer.engine import damage, restore
from tests.engine import synth
from tests.engine.metrics import psnr

SIZE = (160, 160)


def _draw(img, paths, width, value):
    out = img.copy()
    mask = np.zeros(img.shape[:2], np.uint8)
    for pts in paths:
        p = np.round(np.asarray(pts) * 16).astype(np.int32)
        cv2.polylines(out, [p], False, value, width, cv2.LINE_AA, 4)
        cv2.polylines(mask, [p], False, 255, width, cv2.LINE_AA, 4)
    return out, mask > 64


def _smooth_picture(seed=2):
    """A landscape without fine texture in most of the frame, like sky and meadow."""
    return synth.make_clean("landscape", SIZE, seed=seed)


def test_dust_specks_are_removed_by_light_restoration():
    clean = _smooth_picture()
    rng = np.random.default_rng(1)
    dusty = clean.copy()
    specks = []
    for _ in range(25):
        # on the sky, where dust shows most
        x, y = int(rng.integers(5, 155)), int(rng.integers(4, 28))
        value = (250, 250, 245) if rng.random() < 0.7 else (15, 15, 15)
        cv2.circle(dusty, (x, y), int(rng.integers(1, 3)), value, -1)
        specks.append((y, x))
    result = restore(dusty, restoration_type=0)
    y_clean = cv2.cvtColor(clean, cv2.COLOR_RGB2GRAY).astype(int)
    y_out = cv2.cvtColor(result.image, cv2.COLOR_RGB2GRAY).astype(int)
    gone = [abs(y_out[p] - y_clean[p]) < 30 for p in specks]
    assert np.mean(gone) >= 0.6, np.mean(gone)
    assert any("dust" in n for n in result.notes)


def test_scratches_are_left_by_light_and_repaired_by_medium():
    clean = _smooth_picture(4)
    paths = [[(10, 5), (60, 80), (100, 155)], [(150, 20), (90, 70), (20, 120)]]
    scratched, m = _draw(clean, paths, 1, (248, 246, 240))
    light = restore(scratched, restoration_type=0).image
    medium = restore(scratched, restoration_type=1)
    before = psnr(scratched, clean, m)
    assert psnr(light, clean, m) < before + 6
    assert psnr(medium.image, clean, m) > before + 8
    assert any("scratches" in n for n in medium.notes)


def test_cracks_are_repaired_by_severe_restoration():
    clean = _smooth_picture(6)
    rng = np.random.default_rng(3)
    paths = synth._crack_paths(rng, 160, 160, (80.0, 80.0))
    cracked, m = _draw(clean, paths, 1, (245, 243, 235))
    result = restore(cracked, restoration_type=2)
    assert psnr(result.image, clean, m) > psnr(cracked, clean, m) + 6


def test_a_missing_corner_is_filled_by_severe_restoration_only():
    clean = _smooth_picture(8)
    torn = clean.copy()
    tri = np.array([[0, 0], [45, 0], [30, 12], [12, 28], [0, 40]], np.int32)
    cv2.fillPoly(torn, [tri], (247, 247, 244))
    m = np.zeros(SIZE, np.uint8)
    cv2.fillPoly(m, [tri], 255)
    m = m > 0
    medium = restore(torn, restoration_type=1).image
    severe = restore(torn, restoration_type=2)
    assert psnr(medium, clean, m) < psnr(torn, clean, m) + 3
    assert psnr(severe.image, clean, m) > psnr(torn, clean, m) + 6
    assert any("corner" in n for n in severe.notes)


def test_a_white_border_round_the_print_is_not_a_missing_corner():
    clean = _smooth_picture(8)
    framed = cv2.copyMakeBorder(
        clean[8:-8, 8:-8], 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=(247, 247, 244)
    )
    result = restore(framed, restoration_type=2)
    assert not any("corner" in n for n in result.notes)
    assert np.abs(result.image[:8].astype(int) - framed[:8].astype(int)).mean() < 6


def _stained_print():
    """A sepia print of a face with only a stain on it, and the clean picture and the stain."""
    case = synth.make_case(31, kind="face", level="severe", size=(256, 256), monochrome=True)
    clean = case.clean
    # only a stain: a brown blot, darker in blue than in red
    yy, xx = np.mgrid[0:256, 0:256]
    # on the background beside the head, where the print's tone runs on across its edge
    blot = (((yy - 60) ** 2 + (xx - 40) ** 2) < 30**2).astype(np.float32)
    blot = cv2.GaussianBlur(blot, (0, 0), 3)
    factor = 1 - blot[..., None] * np.array([0.12, 0.22, 0.38], np.float32)
    sepia = clean.astype(np.float32) * np.array([1.0, 0.92, 0.76], np.float32)
    return np.clip(sepia * factor, 0, 255).astype(np.uint8), clean, blot


def test_stains_on_a_black_and_white_print_are_lightened():
    stained, clean, blot = _stained_print()
    m = blot > 0.5
    result = restore(stained, restoration_type=2)
    assert any("Stains" in n for n in result.notes)
    assert (
        psnr(result.image, clean, m)
        > psnr(restore(stained, restoration_type=1).image, clean, m) + 2
    )


def test_stains_are_lifted_alike_however_many_rows_are_done_at_once(monkeypatch):
    """The lift works a band of rows at a time to bound its memory; bands change nothing."""
    from restorer.engine import pipeline

    stained, _, _ = _stained_print()
    whole = restore(stained, restoration_type=2)
    assert any("Stains" in n for n in whole.notes)
    monkeypatch.setattr(pipeline, "BAND", 7)
    banded = restore(stained, restoration_type=2).image
    assert np.array_equal(banded, whole.image)


@pytest.mark.parametrize("kind", synth.KINDS)
def test_picture_content_is_not_taken_for_damage(clean_pictures, kind):
    """Eyes, catch-lights, teeth, hair, fabric, letters and window frames stay untouched."""
    y = cv2.cvtColor(clean_pictures[kind], cv2.COLOR_RGB2GRAY)
    mask, counts = damage.detect(y, 2, 1.0, 1.0)
    assert np.count_nonzero(mask) / mask.size < 0.01, counts


def test_a_portrait_keeps_its_eyes_teeth_and_catch_lights():
    clean = synth.make_clean("face", (256, 256), seed=5)
    aged = np.clip(clean.astype(np.float32) * 0.8 + 30, 0, 255).astype(np.uint8)
    result = restore(aged, restoration_type=2).image
    y_clean = cv2.cvtColor(clean, cv2.COLOR_RGB2GRAY).astype(int)
    y_out = cv2.cvtColor(result, cv2.COLOR_RGB2GRAY).astype(int)
    # the finest details: catch-lights, pupils, gaps between teeth, eyelids
    detail = np.abs(y_clean - cv2.medianBlur(y_clean.astype(np.uint8), 5)) > 40
    assert detail.sum() > 30
    assert np.abs(y_out[detail] - y_clean[detail]).mean() < 20


def test_damage_detection_finds_most_of_the_synthetic_damage():
    case = synth.make_case(12, kind="landscape", level="medium", size=(256, 256))
    y = cv2.cvtColor(case.degraded, cv2.COLOR_RGB2GRAY)
    mask, _ = damage.detect(cv2.fastNlMeansDenoising(y, None, 8, 5, 11), 1, 2.0, 1.0)
    found = mask > 0
    recall = found[case.mask].mean()
    precision = case.mask[found].mean()
    assert recall > 0.4 and precision > 0.4, (recall, precision)


def test_a_crack_is_followed_into_its_faint_branches():
    from restorer.engine import damage

    rng = np.random.default_rng(5)
    y = np.full((256, 256), 110.0, np.float32) + rng.normal(0, 1.5, (256, 256))
    strong = np.zeros((256, 256), np.uint8)
    cv2.line(strong, (20, 40), (230, 200), 255, 2)
    faint = np.zeros((256, 256), np.uint8)
    cv2.line(faint, (125, 120), (120, 250), 255, 1)  # a branch, barely above the grain
    faint &= ~strong
    y[faint > 0] += 10
    y[strong > 0] += 70
    y8 = np.clip(y + 0.5, 0, 255).astype(np.uint8)
    mask, counts = damage.detect(y8, 2, 1.0)
    assert counts.lines >= 1
    assert (mask[strong > 0] > 0).mean() > 0.9
    assert (mask[faint > 0] > 0).mean() > 0.6
    # and not the picture around it
    assert (mask > 0).mean() < 0.05


def _calm_grey(seed=0, size=256):
    rng = np.random.default_rng(seed)
    y = np.full((size, size), 120.0, np.float32) + rng.normal(0, 1.5, (size, size))
    return y


def _u8(y):
    return np.clip(y + 0.5, 0, 255).astype(np.uint8)


def test_inside_a_face_only_lines_longer_than_any_feature_are_repaired():
    y = _calm_grey(1)
    face = np.zeros(y.shape, np.uint8)
    cv2.ellipse(face, (128, 128), (70, 90), 0, 0, 360, 255, -1)
    speck = (120, 100)  # a catch-light sized speck, inside the face
    cv2.circle(y, speck, 2, 250, -1)
    brow = np.zeros(y.shape, np.uint8)  # a dark stroke as long as a brow
    cv2.line(brow, (95, 170), (150, 175), 255, 2)
    y[brow > 0] -= 80
    crack = np.zeros(y.shape, np.uint8)  # a bright crack right across the face
    cv2.line(crack, (30, 20), (220, 240), 255, 2)
    y[crack > 0] = 245
    y8 = _u8(y)

    unprotected, _ = damage.detect(y8, 2, 1.0)
    assert unprotected[speck[1], speck[0]] > 0 and (unprotected[brow > 0] > 0).mean() > 0.5

    mask, _ = damage.detect(y8, 2, 1.0, protect=face)
    assert mask[speck[1], speck[0]] == 0
    assert (mask[brow > 0] > 0).mean() < 0.1
    assert (mask[crack > 0] > 0).mean() > 0.8


def test_a_closed_outline_is_not_a_scratch():
    """A light frame round a small dark window is drawn, not scratched."""
    y = _calm_grey(2)
    cv2.rectangle(y, (100, 100), (125, 130), 40, -1)
    cv2.rectangle(y, (100, 100), (125, 130), 235, 2)
    # the same strokes, open, would be taken for a scratch
    cv2.line(y, (160, 60), (190, 90), 235, 2)
    cv2.line(y, (190, 90), (215, 70), 235, 2)
    mask, counts = damage.detect(_u8(y), 2, 1.0)
    assert (mask[98:133, 98:128] > 0).mean() < 0.02
    assert mask[75, 175] > 0 or mask[90, 190] > 0


def test_flecks_of_a_fine_texture_are_not_dust():
    """A busy, fine texture (gravel, grass, a knitted sweater) has bright flecks of its own."""
    rng = np.random.default_rng(3)
    fine = cv2.GaussianBlur(rng.normal(0, 1, (256, 256)).astype(np.float32), (0, 0), 1.2)
    y = 120.0 + 14.0 * fine / fine.std()
    real = [(40, 40), (200, 60), (120, 200)]
    for x, yy in real:
        cv2.circle(y, (x, yy), 2, 255, -1)
    mask, counts = damage.detect(_u8(y), 0, 1.0)
    assert all(mask[yy, x] > 0 for x, yy in real)
    flecks = mask.copy()
    for x, yy in real:
        cv2.circle(flecks, (x, yy), 6, 0, -1)
    assert np.count_nonzero(flecks) / flecks.size < 0.002, counts


def test_a_frame_broken_up_by_the_wall_beside_it_is_still_content():
    rng = np.random.default_rng(4)
    y = 120.0 + 12.0 * cv2.GaussianBlur(rng.normal(0, 1, (256, 256)), (0, 0), 2.0)
    frame = np.zeros(y.shape, np.uint8)
    cv2.rectangle(frame, (60, 60), (196, 196), 255, 3)
    y[frame > 0] = 240
    y[63:194, 63:194] = 45  # dark glass
    # the wall's own texture interrupts the frame's contrast here and there
    for x in range(70, 190, 23):
        y[58:66, x : x + 3] = 200
    mask, counts = damage.detect(_u8(y), 2, 1.0)
    assert (mask[frame > 0] > 0).mean() < 0.05, counts


def test_a_straight_stretch_of_a_crack_is_repaired_with_the_rest_of_it():
    """Only a candidate made mostly of straight runs along the axes is a frame or a rule."""
    y = _calm_grey(5)
    crack = np.zeros(y.shape, np.uint8)
    pts = np.array([(15, 60), (125, 60), (150, 95), (185, 88), (215, 130), (240, 190)])
    cv2.polylines(crack, [pts.astype(np.int32)], False, 255, 2)
    cv2.line(crack, (150, 95), (135, 160), 255, 2)  # a branch
    y[crack > 0] = 240
    mask, counts = damage.detect(_u8(y), 2, 1.0)
    straight = crack[:, :120] > 0
    assert (mask[:, :120][straight] > 0).mean() > 0.8, counts
    assert (mask[crack > 0] > 0).mean() > 0.8


def test_a_large_scan_has_its_damage_found_as_a_small_one_does():
    """Dust and scratches are as many pixels wide as the scan is fine: on a 1536-pixel scan
    they are three times wider than on a 512-pixel one, and must still be found."""
    case = synth.make_case(31, kind="landscape", level="medium", size=(1536, 1536))
    out = restore(case.degraded, restoration_type=1).image
    assert psnr(out, case.clean, case.mask) > psnr(case.degraded, case.clean, case.mask) + 5
    assert psnr(out, case.clean) > psnr(case.degraded, case.clean) + 4


def test_letters_beside_a_straight_lit_edge_are_not_crack_fragments():
    """On severe damage, short glaring pieces near a crack are taken as its fragments; a
    straight edge along an axis (a sign's lit rim, a sill) is not a crack, so the letters
    beside it stay (old-d's MOULIN ROUGE lost three of its letters to this)."""
    y = np.full((256, 256), 70, np.uint8)
    y = cv2.add(y, np.random.default_rng(0).integers(0, 4, y.shape, dtype=np.uint8))
    cv2.putText(y, "MOULIN", (60, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 235, 2, cv2.LINE_AA)
    cv2.line(y, (50, 136), (88, 136), 240, 2)  # shorter than a run along the axis
    letters = np.zeros_like(y)
    cv2.putText(letters, "MOULIN", (60, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 255, 2, cv2.LINE_AA)
    mask, _ = damage.detect(y, 2, 1.0, 1.0)
    assert not mask[letters > 0].any()
