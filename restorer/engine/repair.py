"""From the detector's probability to what is repaired, and the repair itself.

`select` turns the probability (on the detector's working copy) into the mask of what the
asked-for restoration type repairs: light takes specks and dust, medium also lines
(scratches, hairs, creases), severe also wide areas (tears, holes, missing corners, heavy
stains). Each piece grows by the faint halo the detector found around it, so the fill covers
the whole stroke and leaves no ghost.

`fill` paints a mask out at full size: thin strokes by Telea's fast marching, which follows
the surrounding shading; wide areas first by Fourier-sparse reconstruction (OpenCV contrib's
`xphoto.inpaint`, FSR) on a reduced crop, which continues texture and lines into the hole,
then their rims by Telea.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CORE = 0.5  # the detector's decision
HALO = 0.2  # how far a piece grows into the faint probability around it
SPECK_EXTENT = 10.0  # longest side of a speck, in pixels of a 512-pixel photo
WIDE_RADIUS = 4.0  # half-width from which a piece is an area, in pixels of a 512-pixel photo
WIDE_CONFIDENCE = 0.75  # the mean probability an area needs
FSR_SIDE = 128  # wide areas are reconstructed on a crop at most this many pixels across
# in a face, only a line longer than any feature (brows, lids, lips, a row of teeth) is taken
FACE_LINE = 60.0  # pixels of a 512-pixel photo


@dataclass
class Selection:
    """What will be repaired, on the detector's working copy (`scale` = working / full)."""

    mask: np.ndarray  # uint8 0/255, everything to repair
    wide: np.ndarray  # uint8 0/255, the areas among it
    scale: float
    specks: int = 0
    lines: int = 0
    areas: int = 0

    @property
    def empty(self) -> bool:
        return not (self.specks or self.lines or self.areas)


def _grow(core: np.ndarray, halo: np.ndarray, reach: int) -> np.ndarray:
    """`core`, grown into `halo` by at most `reach` pixels: a defect's faint rim, not the
    whole faint region it happens to touch."""
    near = cv2.dilate(
        core.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)
    )
    return core | ((near > 0) & halo)


def select(
    prob: np.ndarray, restoration_type: int, scale: float, protect: np.ndarray | None = None
) -> Selection:
    """The pieces to repair. `protect` (bool or uint8, any size) marks faces: in a face an
    eye's catch-light is a speck and a row of teeth a short line, so only long lines are
    taken there, whatever the detector says."""
    h, w = prob.shape
    # sizes are in pixels of a 512-pixel photo, but never below one of the photo's own pixels:
    # dust on a small scan is still a pixel or two across, not a fraction of one (as in
    # damage.detect). `unit` is that size on the working copy.
    unit = max(1.0, max(h, w) / scale / 512.0) * scale
    core = prob > CORE
    mask = _grow(core, prob > HALO, max(1, round(2 * unit))).astype(np.uint8)
    empty = np.zeros((h, w), np.uint8)
    if not mask.any():
        return Selection(empty, empty.copy(), scale)
    # what survives an opening by a disc is wide (a tear, a hole, a stain); the rest is thin
    # (specks and lines). Pieces are told apart this way, not whole: a scratch that runs into
    # a blob is still a scratch, and is not dropped with the blob if the blob is doubtful
    r = max(1, round(WIDE_RADIUS * unit))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)
    wide_part = cv2.morphologyEx(mask, cv2.MORPH_OPEN, disc)
    thin_part = mask & (wide_part == 0)

    # wide areas are painted over whole, content and all: the detector must be sure of them
    na, area_labels, area_stats, _ = cv2.connectedComponentsWithStats(wide_part, connectivity=8)
    sure = np.bincount(area_labels.ravel(), weights=prob.ravel(), minlength=na) / np.maximum(
        area_stats[:, cv2.CC_STAT_AREA], 1
    )
    is_area = sure >= WIDE_CONFIDENCE
    is_area[0] = False

    n, labels, stats, _ = cv2.connectedComponentsWithStats(thin_part, connectivity=8)
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) / unit
    is_speck = extent <= SPECK_EXTENT
    is_line = ~is_speck
    take = is_speck.copy()
    if restoration_type >= 1:
        take |= is_line
    # the rim and corners an opening leaves round an area are the area's, not specks or
    # lines of their own: they are repaired with it or not at all
    near = cv2.dilate(wide_part, np.ones((5, 5), np.uint8))
    rim = np.bincount(labels.ravel(), weights=near.ravel(), minlength=n)
    take &= rim <= 0.5 * stats[:, cv2.CC_STAT_AREA]
    take_area = is_area & (restoration_type >= 2)
    if protect is not None:
        face = cv2.resize(protect.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        share = np.bincount(labels.ravel(), weights=face.ravel(), minlength=n)
        in_face = share > 0.3 * stats[:, cv2.CC_STAT_AREA]
        take &= ~in_face | (is_line & (extent >= FACE_LINE))
        share = np.bincount(area_labels.ravel(), weights=face.ravel(), minlength=na)
        take_area &= share <= 0.3 * area_stats[:, cv2.CC_STAT_AREA]
    take[0] = False
    take_area[0] = False
    wide = take_area[area_labels].astype(np.uint8)
    wide = (cv2.dilate(wide, np.ones((5, 5), np.uint8)) > 0) & (mask > 0)
    kept = take[labels] | wide
    # the halo just outside what the detector marked: a fill must start on clean ground
    ring = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    out = cv2.dilate(kept.astype(np.uint8) * 255, ring)
    return Selection(
        out,
        cv2.dilate(wide.astype(np.uint8) * 255, ring),
        scale,
        specks=int(np.count_nonzero(take & is_speck)),
        lines=int(np.count_nonzero(take & is_line)),
        areas=int(np.count_nonzero(take_area)),
    )


def _fill_wide(image: np.ndarray, wide: np.ndarray) -> np.ndarray:
    """Reconstruct each wide area from its surroundings on a reduced crop (FSR)."""
    out = image.copy()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(wide, connectivity=8)
    h, w = wide.shape
    for i in range(1, n):
        x, y, bw, bh = stats[i, :4]
        margin = max(8, int(0.75 * max(bw, bh)))
        x0, y0 = max(0, x - margin), max(0, y - margin)
        x1, y1 = min(w, x + bw + margin), min(h, y + bh + margin)
        crop = out[y0:y1, x0:x1]
        hole = labels[y0:y1, x0:x1] == i
        f = min(1.0, FSR_SIDE / max(x1 - x0, y1 - y0))
        size = (max(8, round((x1 - x0) * f)), max(8, round((y1 - y0) * f)))
        small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        small_hole = cv2.resize(hole.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
        small_hole = cv2.dilate(small_hole, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
        if small_hole.all():
            continue  # nothing around it to learn from; Telea will do what it can
        known = (small_hole == 0).astype(np.uint8)
        filled = np.zeros_like(small)
        src = small.copy()
        src[small_hole > 0] = 0
        cv2.xphoto.inpaint(src, known, filled, cv2.xphoto.INPAINT_FSR_FAST)
        big = cv2.resize(filled, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        crop[hole] = big[hole]
    return out


def fill(image: np.ndarray, mask: np.ndarray, wide: np.ndarray | None = None) -> np.ndarray:
    """Paint out `mask` (uint8, nonzero = repair) of a uint8 image with 1 or 3 channels."""
    if not mask.any():
        return image
    out = image
    if wide is not None and wide.any():
        out = _fill_wide(image, wide)
        # the wide areas' insides are done; their rims and every thin stroke are left
        inner = cv2.erode(wide, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
        mask = cv2.bitwise_and(mask, cv2.bitwise_not(inner))
    return cv2.inpaint(out, mask, 3, cv2.INPAINT_TELEA)
