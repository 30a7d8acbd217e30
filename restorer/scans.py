"""Prints on a flatbed scan: where each one lies, how it is turned, how big it is.

The scanner's lid gives a plain background, light or dark. What differs from it
clearly is a print; holes inside a print (a white sky on a white lid) are filled;
prints that nearly touch are told apart by the narrow neck between them (the
distance to the background) and divided along the image's own edges (a watershed
grown from each print's core). Each print's angle and size come from the smallest
rectangle around it, turned at most 45 degrees either way. No Django here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from restorer.regions import Frame

WORK_SIDE = 2000  # prints are looked for on a copy at most this many pixels across
MIN_PRINT = 0.06  # a print is at least this fraction of the scan's shorter side across
MIN_CONTRAST = 18  # levels between the background and a print's edge, at least
MAX_LID_NOISE = 8.0  # a lid is plain: its rim varies this few levels (median) at most


@dataclass(frozen=True)
class Print:
    cx: float
    cy: float
    width: float
    height: float
    angle: float  # degrees counterclockwise, -45 < angle <= 45

    def frame(self) -> Frame:
        return Frame.of_print(self.cx, self.cy, self.width, self.height, self.angle)


def _background(small: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The lid's colour (median of the scan's rim), how much it varies, and how much of
    the rim is that colour (a photo scanned to its edges has no lid to see)."""
    h, w = small.shape[:2]
    b = max(2, round(0.01 * min(h, w)))
    rim = np.concatenate(
        [small[:b].reshape(-1, 3), small[-b:].reshape(-1, 3),
         small[:, :b].reshape(-1, 3), small[:, -b:].reshape(-1, 3)]
    )  # fmt: skip
    colour = np.median(rim, axis=0)
    spread = np.abs(rim.astype(np.float32) - colour).max(axis=1)
    noise = float(np.median(spread))
    plain = float(np.mean(spread <= max(MIN_CONTRAST, 6.0 * noise)))
    return colour, noise, plain


def find_prints(rgb: np.ndarray, work_side: int = WORK_SIDE) -> list[Print]:
    """The prints on a scan (uint8 RGB or grey), in reading order; [] when there is none
    apart from the whole scan itself."""
    if rgb.ndim == 2:
        rgb = cv2.cvtColor(rgb, cv2.COLOR_GRAY2RGB)
    h, w = rgb.shape[:2]
    scale = min(1.0, work_side / max(h, w))
    small = rgb
    if scale < 1.0:
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    colour, spread, plain = _background(small)
    if plain < 0.5 or spread > MAX_LID_NOISE:
        return []  # no plain background around: the scan is one photo
    diff = np.abs(small.astype(np.int16) - colour.astype(np.int16)).max(axis=2)
    threshold = max(MIN_CONTRAST, 6.0 * spread)
    fg = (diff > threshold).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # dust on the glass

    # a print's own light or dark areas are not background: fill every hole
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(fg)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)

    smallest = MIN_PRINT * min(sh, sw)
    dist = cv2.distanceTransform(filled, cv2.DIST_L2, 5)
    cores = (dist > smallest / 2).astype(np.uint8)
    n, markers = cv2.connectedComponents(cores, connectivity=8)
    if n <= 1:
        return []
    markers = markers.astype(np.int32)
    outside = cv2.dilate(filled, np.ones((5, 5), np.uint8)) == 0
    markers[outside] = n  # the background's own seed
    cv2.watershed(np.ascontiguousarray(small), markers)
    owner = _nearest_print(markers, n)

    prints: list[Print] = []
    for i in range(1, n):
        region = ((owner == i) & (filled > 0)).astype(np.uint8)
        # only what joins the print's core: a speck of dirt beside it is no part of it
        _, parts = cv2.connectedComponents(region, connectivity=8)
        joined = np.unique(parts[markers == i])
        region = np.isin(parts, joined[joined > 0]).astype(np.uint8)
        for piece in _pieces(region, smallest):
            area = int(piece.sum())
            if area < smallest * smallest:
                continue
            rect, fill = _rectangle(piece)
            if fill < 0.6:
                continue  # not a rectangle: a stain or a shadow, not a print
            # a print lies on the glass: one that would stick out of the scan is the photo's
            # own picture (a dark vignette taken for the lid), not a print
            corners = cv2.boxPoints(rect)
            reach = 0.02 * max(sh, sw)
            if (
                (corners < -reach).any()
                or (corners[:, 0] > sw + reach).any()
                or (corners[:, 1] > sh + reach).any()
            ):
                continue
            prints.append(_upright(rect, scale))
    # a "print" that is the whole scan is no print: the scan is one photo
    if len(prints) == 1 and prints[0].width * prints[0].height > 0.97 * w * h:
        return []
    prints.sort(key=lambda p: (round(p.cy / (0.25 * h)), p.cx))
    return prints


def _nearest_print(markers: np.ndarray, n: int) -> np.ndarray:
    """Each pixel's print: the watershed's, or the nearest one's for a pixel it gave the
    background or its dividing line.

    The watershed divides along the picture's strongest edges. Between two prints that
    is the gap; but a print's light border on a light lid (or a dark one on a dark lid)
    differs from the lid less than from the picture inside it, and the watershed would
    give the border to the lid. What differs from the lid is never the lid: the caller
    keeps only such pixels, each with the print nearest to it, and joined to its core.
    """
    owned = (markers > 0) & (markers < n)
    _, nearest = cv2.distanceTransformWithLabels(
        (~owned).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    lut = np.zeros(int(nearest.max()) + 1, np.int32)
    lut[nearest[owned]] = markers[owned]
    return np.where(owned, markers, lut[nearest])


def _rectangle(region: np.ndarray):
    """The smallest rectangle around a region, and how much of it the region fills."""
    cs, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    points = np.concatenate(cs).reshape(-1, 2).astype(np.float32)
    rect = cv2.minAreaRect(points)
    (_, _), (rw, rh), _ = rect
    return rect, (float(region.sum()) / (rw * rh) if rw * rh > 0 else 0.0)


# a region that fills less of its rectangle than this may be prints that touch
TOUCHING_FILL = 0.93
# a notch this deep (share of the region's shorter side) is where two prints meet
NOTCH_DEPTH = 0.04


def _pieces(region: np.ndarray, smallest: float, depth: int = 0) -> list[np.ndarray]:
    """Prints that touch, overlap or lie edge to edge make one region, which is not a
    rectangle: where they meet, its outline turns inwards twice. Cut along the line between
    the two deepest such notches, keep the cut if both sides are prints in their own right
    (rectangles, large enough), and look again at each side."""
    rect, fill = _rectangle(region)
    if fill >= TOUCHING_FILL or depth >= 4:
        return [region]
    cs, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(cs, key=cv2.contourArea)
    hull = cv2.convexHull(contour, returnPoints=False)
    try:
        defects = cv2.convexityDefects(contour, hull)
    except cv2.error:  # a self-touching outline: leave it whole
        return [region]
    if defects is None or len(defects) < 2:
        return [region]
    defects = defects[:, 0]
    deep = defects[defects[:, 3] / 256.0 >= NOTCH_DEPTH * min(rect[1])]
    if len(deep) < 2:
        return [region]
    deep = deep[np.argsort(-deep[:, 3])]
    best = None
    for i in range(min(len(deep), 4)):
        for j in range(i + 1, min(len(deep), 4)):
            a = tuple(int(v) for v in contour[deep[i, 2], 0])
            b = tuple(int(v) for v in contour[deep[j, 2], 0])
            cut = region.copy()
            cv2.line(cut, a, b, 0, thickness=3)
            n, labels, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=4)
            sides = [k for k in range(1, n) if stats[k, cv2.CC_STAT_AREA] >= smallest * smallest]
            if len(sides) != 2:
                continue
            parts = [(labels == k).astype(np.uint8) for k in sides]
            fills = [_rectangle(part)[1] for part in parts]
            if min(fills) < 0.85:
                continue
            if best is None or min(fills) > best[0]:
                best = (min(fills), parts)
    if best is None:
        return [region]
    out = []
    for part in best[1]:
        # the cut took a line of pixels from each side: give it back
        grown = cv2.dilate(part, np.ones((5, 5), np.uint8)) & region
        out.extend(_pieces(grown, smallest, depth + 1))
    return out


def _upright(rect, scale: float) -> Print:
    """A minAreaRect on the working copy as a print on the full scan, angle in (-45, 45]."""
    box = cv2.boxPoints(rect)
    (cx, cy), _, _ = rect
    # the side whose direction is nearest the horizontal is the print's top edge
    best = None
    for k in range(4):
        p, q = box[k], box[(k + 1) % 4]
        dx, dy = float(q[0] - p[0]), float(q[1] - p[1])
        angle = math.degrees(math.atan2(-dy, dx))  # counterclockwise, y pointing down
        length = math.hypot(dx, dy)
        for flip in (0.0, 180.0):
            a = (angle + flip + 180.0) % 360.0 - 180.0
            if -45.0 < a <= 45.0 and (best is None or abs(a) < abs(best[0]) - 1e-9):
                other = box[(k + 2) % 4]
                height = math.hypot(float(other[0] - q[0]), float(other[1] - q[1]))
                best = (a, length, height)
    angle, width, height = best
    # working pixel centres to full-size continuous coordinates
    return Print(
        (cx + 0.5) / scale, (cy + 0.5) / scale, (width + 1) / scale, (height + 1) / scale, angle
    )
