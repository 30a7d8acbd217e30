"""Finding the prints on generated flatbed scans: how many, how turned, where their edges are."""

import cv2
import numpy as np
import pytest

from restorer.scans import find_prints
from tests.scans import Placed, layout, make_scan

ANGLES = [-30, -4, 0, 7, 44]
SCAN = (1700, 2340)  # a letter-size scan at 200 dpi


def matched(placed: list[Placed], found) -> list[tuple[Placed, object]]:
    """Each placed print with the found one nearest its centre."""
    pairs = []
    for p in placed:
        nearest = min(found, key=lambda f: (f.cx - p.cx) ** 2 + (f.cy - p.cy) ** 2)
        pairs.append((p, nearest))
    return pairs


def assert_accurate(placed, found):
    assert len(found) == len(placed)
    pairs = matched(placed, found)
    assert len({id(f) for _, f in pairs}) == len(placed)  # one found print per placed one
    for p, f in pairs:
        assert abs(f.angle - p.angle) <= 0.5, (p.angle, f.angle)
        # every corner of the crop within 1 % of the print's size of the real corner
        error = np.abs(f.frame().corners() - p.corners()).max()
        assert error <= 0.01 * max(p.width, p.height), (p, f, error)


@pytest.mark.parametrize("background", [245, 12], ids=["white lid", "black lid"])
def test_it_finds_each_print_its_angle_and_its_edges(background):
    placed = layout(SCAN, ANGLES, seed=1)
    scan = make_scan(SCAN, placed, background=background, seed=1)
    assert_accurate(placed, find_prints(scan))


@pytest.mark.parametrize("background", [245, 12], ids=["white lid", "black lid"])
def test_it_tells_apart_prints_that_nearly_touch(background):
    # about 4 pixels between neighbours here, a fifth of a millimetre at 600 dpi
    placed = layout(SCAN, [0, 0, 0, 0], gap=0.0025, fill=1.0, seed=2)
    scan = make_scan(SCAN, placed, background=background, seed=2)
    assert_accurate(placed, find_prints(scan))


@pytest.mark.parametrize("background", [245, 12], ids=["white lid", "black lid"])
def test_it_tells_apart_crooked_prints_whose_corners_nearly_meet(background):
    placed = layout(SCAN, [-4, 7, 3, -6], gap=0.0, fill=1.0, seed=3)
    scan = make_scan(SCAN, placed, background=background, seed=3)
    assert_accurate(placed, find_prints(scan))


@pytest.mark.parametrize(
    ("background", "margin"),
    [(245, 225), (12, 40)],
    ids=["light margin on a white lid", "dark margin on a black lid"],
)
def test_a_prints_margin_like_the_lid_is_part_of_the_print(background, margin):
    # an old print's white margin differs from a white lid less than from the picture it
    # frames, yet the crop is the whole print, margin and all
    placed = layout(SCAN, [-4, 0, 7, 30], seed=8)
    scan = make_scan(SCAN, placed, background=background, seed=8, margin=(30, margin))
    assert_accurate(placed, find_prints(scan))


def test_specks_of_dirt_beside_a_print_are_no_part_of_it():
    placed = [Placed(600, 500, 600, 420, 7.0)]
    scan = make_scan((1300, 1100), placed, seed=3)
    scan[860:880, 600:620] = 60  # below the print
    scan[480:500, 960:975] = 60  # to its right
    assert_accurate(placed, find_prints(scan))


def test_the_crop_shows_the_print_upright():
    placed = [Placed(600, 500, 600, 400, 44.0)]
    scan = make_scan((1200, 1000), placed, seed=4)
    [found] = find_prints(scan)
    crop = found.frame().render(scan)
    assert abs(crop.shape[1] - 600) <= 6 and abs(crop.shape[0] - 400) <= 4
    # the lid shows nowhere inside the crop, not even at its corners
    inner = crop[3:-3, 3:-3].astype(int)
    lid = np.abs(inner - 245).max(axis=2) < 8
    assert lid.mean() < 0.01


def test_a_print_on_a_plain_lid_is_cropped_to_the_pixel():
    scan = np.full((600, 800, 3), 120, np.uint8)
    scan[100:300, 200:500] = (200, 60, 60)
    [found] = find_prints(scan)
    assert (found.cx, found.cy, found.width, found.height, found.angle) == (
        350.0, 200.0, 300.0, 200.0, 0.0
    )  # fmt: skip


def test_an_empty_scan_has_no_print():
    assert find_prints(make_scan((800, 1000), [], seed=5)) == []


def test_a_photo_that_fills_the_scan_is_no_split():
    picture = make_scan((800, 600), [Placed(400, 300, 800, 600, 0.0)], seed=6)
    assert find_prints(picture) == []


TOUCHING = {
    "crooked prints overlapping at a corner": [
        Placed(480, 600, 600, 420, 0.0),
        Placed(1095, 700, 600, 440, 8.0),
    ],
    "prints laid edge to edge, one lower": [
        Placed(480, 600, 600, 420, 0.0),
        Placed(1080, 800, 600, 420, 0.0),
    ],
    "a corner resting on the other print's edge": [
        Placed(480, 600, 600, 420, -5.0),
        Placed(1060, 560, 560, 400, 20.0),
    ],
}


@pytest.mark.parametrize("background", [245, 12], ids=["white lid", "black lid"])
@pytest.mark.parametrize("placed", list(TOUCHING.values()), ids=list(TOUCHING))
def test_it_tells_apart_prints_that_touch(placed, background):
    scan = make_scan((1500, 1200), placed, background=background, seed=5)
    assert_accurate(placed, find_prints(scan))


def test_a_print_with_a_torn_corner_stays_one_print():
    placed = [Placed(700, 600, 800, 560, 6.0)]
    scan = make_scan((1400, 1200), placed, seed=6)
    corner = placed[0].corners()[1].astype(int)
    # a triangle of the print is gone: the lid shows through
    tri = np.array([corner, corner + [-160, 0], corner + [0, 140]], np.int32)
    cv2.fillPoly(scan, [tri], (245, 245, 245))
    found = find_prints(scan)
    assert len(found) == 1
    assert abs(found[0].angle - 6.0) <= 1.0


def test_a_picture_that_would_stick_out_of_the_scan_is_no_print():
    # a single photo with a dark vignette: what differs from the "lid" is turned and larger
    # than the scan itself could hold
    placed = [Placed(350, 350, 600, 600, -30.0)]
    scan = make_scan((700, 700), placed, background=12, seed=7)
    assert find_prints(scan) == []


def test_a_turned_print_that_fits_on_the_scan_is_still_found():
    placed = [Placed(350, 350, 470, 470, -30.0)]
    scan = make_scan((700, 700), placed, background=12, seed=7)
    assert_accurate(placed, find_prints(scan))
