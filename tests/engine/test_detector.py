"""The learned damage detector: the committed model, how it is run, and what it decides.

It is not yet the engine's default (see bench/engine.py for how it compares; with it as the
default, tests/engine still finds it taking a drawn face's eyes and teeth for damage); these
tests hold what it does today, so a retrained model can be judged against them.
"""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest

from restorer.engine import detector, repair, restore
from tests.engine import synth


def test_the_committed_model_matches_its_sha256_and_says_how_it_was_made():
    record = detector.manifest()
    assert hashlib.sha256(detector.MODEL_PATH.read_bytes()).hexdigest() == record["sha256"]
    assert detector.MODEL_PATH.stat().st_size < 4 * 1024 * 1024
    assert record["command"].startswith("python -m restorer.engine.training.train")
    held = {name.split(": ")[1] for name in record["held_out_photos"]}
    trained = {name.split(": ")[1] for name in record["training_photos"]}
    assert len(trained) >= 20 and held and not held & trained


def test_a_model_that_does_not_match_its_sha256_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "damage_unet.onnx"
    bad.write_bytes(detector.MODEL_PATH.read_bytes() + b"\0")
    monkeypatch.setattr(detector, "MODEL_PATH", bad)
    monkeypatch.setattr(detector, "_session", None)
    with pytest.raises(RuntimeError, match="SHA-256"):
        detector.probability(np.full((64, 64, 3), 120, np.uint8))


def test_large_photos_are_searched_on_a_reduced_copy():
    img = synth.make_clean("landscape", (1500, 2100), seed=1)
    prob, scale = detector.probability(img)
    assert prob.shape == (731, 1024) and scale == pytest.approx(1024 / 2100)
    assert prob.dtype == np.float32 and 0.0 <= prob.min() and prob.max() <= 1.0


def test_small_photos_are_searched_on_an_enlarged_copy():
    """The model learnt on photos 320 to 1,280 pixels across; a 160-pixel scan's hairline
    would be a fraction of a pixel to it."""
    small, scale = detector.work_copy(np.zeros((100, 160, 3), np.uint8))
    assert small.shape == (320, 512, 3) and scale == pytest.approx(3.2)
    same, scale = detector.work_copy(np.zeros((600, 800, 3), np.uint8))
    assert same.shape == (600, 800, 3) and scale == 1.0


def test_sizes_are_counted_in_the_photos_own_pixels():
    """A speck 6 pixels across on a 160-pixel scan, seen on the copy enlarged 3.2 times, is
    still a speck: sizes never fall below one of the photo's own pixels."""
    prob = np.zeros((512, 512), np.float32)
    prob[100:120, 100:120] = 0.9
    chosen = repair.select(prob, 0, 3.2)
    assert (chosen.specks, chosen.lines, chosen.areas) == (1, 0, 0)


def test_a_scratch_running_into_a_doubtful_blob_is_still_repaired():
    """Pieces are told apart by width, not whole: the line is taken, the blob it touches is
    not (the detector is not sure enough of it to paint it over)."""
    prob = np.zeros((512, 512), np.float32)
    prob[200, 20:400] = 0.9  # a scratch
    prob[180:230, 400:450] = 0.6  # a blob it runs into, not sure enough to be an area
    chosen = repair.select(prob, 2, 1.0)
    assert chosen.mask[200, 200] and not chosen.mask[215, 430]
    assert (chosen.lines, chosen.areas) == (1, 0)


def test_what_each_restoration_type_repairs():
    """Light takes specks only; medium adds lines; severe adds wide areas."""
    prob = np.zeros((200, 200), np.float32)
    prob[50, 50] = prob[50, 51] = 0.9  # a speck
    prob[100, 20:180] = 0.9  # a scratch
    prob[150:175, 150:180] = 0.95  # a hole
    light, medium, severe = (repair.select(prob, t, 1.0) for t in (0, 1, 2))
    assert (light.specks, light.lines, light.areas) == (1, 0, 0)
    assert (medium.specks, medium.lines, medium.areas) == (1, 1, 0)
    assert (severe.specks, severe.lines, severe.areas) == (1, 1, 1)
    assert severe.wide[160, 160] and not severe.wide[100, 100]


def test_in_a_face_only_lines_longer_than_a_feature_are_repaired():
    """A catch-light is a speck and a row of teeth a short line, whatever the model says."""
    prob = np.zeros((512, 512), np.float32)
    prob[100, 100] = prob[100, 101] = 0.9  # a catch-light
    prob[140, 90:120] = 0.9  # teeth
    prob[200, 20:300] = 0.9  # a scratch across the face and beyond
    prob[400, 400] = prob[400, 401] = 0.9  # dust outside the face
    face = np.zeros((128, 128), np.uint8)  # the face mask comes at the preview's size
    cv2.ellipse(face, (30, 35), (25, 30), 0, 0, 360, 255, -1)
    chosen = repair.select(prob, 1, 1.0, face)
    assert not chosen.mask[100, 100] and not chosen.mask[140, 100]
    assert chosen.mask[200, 150] and chosen.mask[400, 400]
    assert (chosen.specks, chosen.lines) == (1, 1)


def test_a_doubtful_wide_area_is_left_alone():
    """A wide area is painted over whole, so the detector must be sure of all of it."""
    prob = np.zeros((200, 200), np.float32)
    prob[50:100, 50:100] = 0.55
    assert repair.select(prob, 2, 1.0).empty


def test_the_engine_restores_with_the_learned_detector_on_request():
    case = synth.make_case(3, kind="landscape", level="medium", size=(256, 256))
    result = restore(case.degraded, restoration_type=1, damage_detector="learned")
    assert result.image.shape == case.degraded.shape
    with pytest.raises(ValueError, match="damage_detector"):
        restore(case.degraded, damage_detector="magic")


def test_undamaged_training_examples_age_but_carry_no_damage():
    """Some examples have no damage at all, so the model learns to leave clean prints alone."""
    from restorer.engine.training import damage as training_damage

    clean = synth.make_clean("landscape", (96, 96), seed=2)
    aged, mask = training_damage.age(clean, np.random.default_rng(5), defects=False)
    assert aged.shape == clean.shape and not mask.any()
    damaged, mask = training_damage.age(clean, np.random.default_rng(5))
    assert mask.any()


def test_training_photos_and_held_out_photos_never_meet():
    from restorer.engine.training import sources

    trained = sources.training_sources()
    held = sources.held_out_sources()
    assert not {s.path for s in trained} & {s.path for s in held}
    assert {s.name for s in held} <= set(sources.HELD_OUT)
    wallpapers = [s for s in trained if s.package.endswith("wallpapers")]
    if not wallpapers:
        pytest.skip("Debian's lomiri and plasma wallpaper packages are not installed")
    # the packages' drawings and renders are not taken
    assert not {"Fossa", "Infinite-Sea", "analogpattern", "Altai", "Flow"} & {
        s.name for s in wallpapers
    }


@pytest.mark.parametrize(
    "option", [["--clean-share", "1"], ["--clean-share", "-0.1"], ["--pos-weight", "0"]]
)
def test_training_refuses_options_that_would_teach_nothing(option, capsys):
    """All examples undamaged, or damaged pixels weighing nothing: refused before any work
    (and before torch, which only the train extra installs, is needed)."""
    from restorer.engine.training import train

    with pytest.raises(SystemExit) as stop:
        train.main(option)
    assert stop.value.code == 2 and option[0] in capsys.readouterr().err
