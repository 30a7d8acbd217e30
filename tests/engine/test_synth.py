"""The synthetic old-photo generator the tests and the benchmark rely on."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine import synth


def test_a_seed_gives_the_same_case():
    a = synth.make_case(42, size=(96, 96))
    b = synth.make_case(42, size=(96, 96))
    assert np.array_equal(a.clean, b.clean)
    assert np.array_equal(a.degraded, b.degraded)
    assert np.array_equal(a.mask, b.mask)


def test_different_seeds_give_different_pictures():
    a = synth.make_clean("face", (96, 96), seed=1)
    b = synth.make_clean("face", (96, 96), seed=2)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("kind", synth.KINDS)
def test_every_kind_is_drawn_well_exposed(kind):
    img = synth.make_clean(kind, (128, 96), seed=3)
    assert img.shape == (128, 96, 3) and img.dtype == np.uint8
    assert img.min() < 30 and img.max() > 225
    assert img.std() > 20


def test_monochrome_pictures_are_grey():
    img = synth.make_clean("landscape", (96, 96), seed=3, monochrome=True)
    assert np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(img[..., 1], img[..., 2])


def test_damage_grows_with_the_level():
    clean = synth.make_clean("landscape", (192, 192), seed=5)
    areas = [synth.degrade(clean, level, seed=5)[1].mean() for level in synth.LEVELS]
    assert 0 < areas[0] < areas[1] < areas[2]


def test_degrading_fades_the_tones():
    clean = synth.make_clean("windows", (128, 128), seed=5)
    old, _ = synth.degrade(clean, "light", seed=1)
    lo, hi = np.percentile(old, [1, 99])
    assert lo > np.percentile(clean, 1) + 5 and hi < np.percentile(clean, 99) - 5


def test_unknown_kind_or_level_is_an_error():
    with pytest.raises(ValueError):
        synth.make_clean("cat", (32, 32))
    with pytest.raises(ValueError):
        synth.degrade(np.zeros((32, 32, 3), np.uint8), "catastrophic")
