"""Finding physical damage (dust, specks, scratches, creases, cracks) and painting it out.

Defects are told from picture content by shape and by surroundings, not by brightness alone:

- A candidate is what a morphological opening (closing) by a small disc removes: every bright
  (dark) structure narrower than the disc, whatever its length. The threshold is set from
  the grain, and raised locally where the picture itself is textured (brickwork, foliage).
- Straight runs along the picture's axes are taken as content (window frames, glazing bars,
  rules under text, brick courses) - unless one or two bright ones cross most of the
  picture, as a fold does.
- Specks are small and compact. They are accepted on quiet surroundings, or where they stand
  far above the texture around them. A catch-light sits in a dark pupil ringed by iris and
  eye-white, teeth have dark gaps, letters have neighbours, fabric and hair are texture: all
  of those surroundings are busy or crowded with other candidates; dust on a cheek or a sky
  is not.
- Lines (scratches, creases, cracks, fibres) are thin (they vanish under a small erosion).
  Long bright ones are accepted when calm, near paper-white, or far above the wide median
  around them (paper between lines of text is not: the wide median there is paper too);
  long dark ones only as a single stroke on calm ground (words are not single strokes);
  short ones only on calm ground, or when glaringly bright, and never in a protected area.
- Inside protected areas (faces found by OpenCV's bundled Haar cascade) no specks and no
  short lines are repaired, and only lines longer than any facial feature.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class DamageCounts:
    """Pieces of damage repaired (the learned detector also counts wide areas)."""

    specks: int = 0
    lines: int = 0
    pixels: int = 0
    areas: int = 0

    def add(self, other: DamageCounts) -> None:
        self.specks += other.specks
        self.lines += other.lines
        self.pixels += other.pixels
        self.areas += other.areas


class _Components:
    """Per-component statistics, computed on the labelled pixels only (few, on a photo)."""

    def __init__(self, labels: np.ndarray, n: int, area: np.ndarray):
        self.where = np.flatnonzero(labels.ravel())
        self.ids = labels.ravel()[self.where]
        self.n = n
        self.area = np.maximum(area, 1).astype(np.float64)

    def mean(self, values: np.ndarray) -> np.ndarray:
        v = values.ravel()[self.where]
        return np.bincount(self.ids, weights=v, minlength=self.n) / self.area

    def max(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, np.float32)
        if self.ids.size:
            order = np.argsort(self.ids, kind="stable")
            ids = self.ids[order]
            v = values.ravel()[self.where][order]
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            out[ids[starts]] = np.maximum.reduceat(v, starts)
        return out


def _box_std(img: np.ndarray, k: int) -> np.ndarray:
    m = cv2.blur(img, (k, k))
    m2 = cv2.blur(img * img, (k, k))
    return np.sqrt(np.maximum(m2 - m * m, 0.0))


def _drop_folds(axis: np.ndarray, yf: np.ndarray, span: float) -> np.ndarray:
    """Remove from the axis-aligned "content" runs the bright ones that cross most of the
    picture: a print folded along its edges cracks from side to side, a window frame does not."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(axis, connectivity=8)
    if n <= 1:
        return axis
    h, w = axis.shape
    level = _Components(labels, n, stats[:, cv2.CC_STAT_AREA]).mean(yf)
    across = stats[:, cv2.CC_STAT_WIDTH] >= span * w
    down = stats[:, cv2.CC_STAT_HEIGHT] >= span * h
    bright = level > 185.0
    bright[0] = False
    # a print has a fold or two; many parallel lines across it are a pattern (brick courses,
    # clapboard, ruled paper)
    across &= bright & ((across & bright).sum() <= 2)
    down &= bright & ((down & bright).sum() <= 2)
    fold = across | down
    if not fold.any():
        return axis
    return (axis & ~(fold[labels].astype(np.uint8))).astype(np.uint8)


def _enclosing(mask: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """Per component of `mask`, the area of the holes it encloses."""
    inv = (mask == 0).astype(np.uint8)
    m, holes, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=4)
    out = np.zeros(n, np.float64)
    if m <= 1:
        return out
    h, w = mask.shape
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    inner = (x > 0) & (y > 0)
    inner &= (x + stats[:, cv2.CC_STAT_WIDTH] < w) & (y + stats[:, cv2.CC_STAT_HEIGHT] < h)
    inner[0] = False
    if not inner.any():
        return out
    hole_ids = np.where(inner[holes], holes, 0).astype(np.float32)
    around = cv2.dilate(hole_ids, np.ones((3, 3), np.uint8))
    rim = (around > 0) & (mask > 0)
    pairs = np.unique(np.stack([labels[rim], around[rim].astype(np.int64)]), axis=1)
    np.add.at(out, pairs[0], stats[pairs[1], cv2.CC_STAT_AREA])
    return out


def _extend_lines(seeds, tophat, t_low, ksize, thin_kernel, protect) -> np.ndarray:
    """Follow accepted scratches and cracks into their fainter continuations and branches.

    A crack network fades in and out along its length: only its strongest stretches pass the
    detection thresholds. Hysteresis follows the rest at a lower threshold, but only through
    thin structure connected to an accepted line: all of it when it is at most a few times the
    accepted length, otherwise only a short way from the accepted line, so it cannot spread
    far into texture the line happens to touch.
    """
    # the texture around a line, without the line itself (which would hide its own branches)
    near = cv2.dilate(seeds.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    texture = cv2.blur(np.where(near, 0.0, tophat).astype(np.float32), ksize)
    faint = (tophat > np.maximum(0.65 * t_low, 2.5 * texture)).astype(np.uint8)
    # keep the thin part only: what survives an erosion is an area, not a line
    wide = cv2.dilate(cv2.erode(faint, thin_kernel), thin_kernel)
    faint &= ~wide
    faint |= seeds.astype(np.uint8)
    if protect is not None:
        faint &= ~((protect > 0) & ~seeds).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(faint, connectivity=8)
    if n <= 1:
        return np.zeros(seeds.shape, np.uint8)
    seeded = np.bincount(labels[seeds].ravel(), minlength=n).astype(np.float32)
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float32)
    ok = (seeded > 0) & (area <= 2.5 * seeded + 30)
    ok[0] = False
    out = ok[labels]
    big = (seeded > 0) & ~ok
    big[0] = False
    if big.any():
        # a network too large to take whole (or a line running into texture): follow it only
        # a short way from the accepted line, along thin structure
        allowed = big[labels]
        away = cv2.distanceTransform((~(seeds & allowed)).astype(np.uint8), cv2.DIST_L2, 3)
        out |= allowed & (away <= ksize[0])
    return (out * 255).astype(np.uint8)


def detect(
    y: np.ndarray,
    restoration_type: int,
    noise_sigma: float,
    scale: float = 1.0,
    protect: np.ndarray | None = None,
    loose: bool = False,
) -> tuple[np.ndarray, DamageCounts]:
    """Damage mask (uint8 0/255) of a uint8 luminance tile, and what was found.

    `scale` is the photo's size relative to a 512-pixel scan, the size the thresholds were
    set on. Dust, scratches and cracks are as many pixels wide as the scan is fine, so a
    larger scan's defects are looked for on a copy reduced by `scale` (16 times cheaper on a
    2048-pixel scan), and the mask is brought back to full size; hairlines finer than the
    reduction are the price. `protect` (uint8, 255 = a face) shields features.
    `loose` also takes long bright regions that are not thin (a crease with its flaking):
    good enough to keep them out of measurements, too coarse for painting out.
    """
    if scale <= 1.25:
        return _detect(y, restoration_type, noise_sigma, max(1.0, scale), protect, loose)
    h, w = y.shape
    size = (max(8, round(w / scale)), max(8, round(h / scale)))
    small = cv2.resize(y, size, interpolation=cv2.INTER_AREA)
    small_protect = None
    if protect is not None:
        small_protect = cv2.resize(protect, size, interpolation=cv2.INTER_NEAREST)
    # averaging pixels averages the grain away too
    mask, counts = _detect(small, restoration_type, noise_sigma / scale, 1.0, small_protect, loose)
    if not mask.any():
        return np.zeros((h, w), np.uint8), counts
    up = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
    r = max(1, int(round(scale / 2)))
    up = cv2.dilate((up > 64).astype(np.uint8) * 255, np.ones((2 * r + 1,) * 2, np.uint8))
    counts.pixels = int(np.count_nonzero(up))
    return up, counts


def _detect(
    y: np.ndarray,
    restoration_type: int,
    noise_sigma: float,
    s: float,
    protect: np.ndarray | None,
    loose: bool,
) -> tuple[np.ndarray, DamageCounts]:
    """`detect` on a tile whose defects are `s` (1 to 1.25) times as wide as on a 512-pixel
    scan: kernels and lengths grow with `s`."""
    k = 2 * int(round(4 * s)) + 1
    bg = cv2.medianBlur(y, min(k, 255))
    yf = y.astype(np.float32)
    bgf = bg.astype(np.float32)
    # top-hats: what an opening (closing) by a disc removes is every bright (dark) structure
    # narrower than the disc, whatever its length - specks, scratches, cracks, creases
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    bright = yf - cv2.morphologyEx(y, cv2.MORPH_OPEN, disc).astype(np.float32)
    dark = cv2.morphologyEx(y, cv2.MORPH_CLOSE, disc).astype(np.float32) - yf

    resid = yf - bgf
    mad = float(np.median(np.abs(resid[::4, ::4]))) * 1.4826
    t_low = max(3.0 * max(mad, noise_sigma * 0.5), 12.0)
    t_high = max(t_low * 1.8, 26.0)

    counts = DamageCounts()
    mask = np.zeros(y.shape, np.uint8)
    quiet = _box_std(bgf, 2 * int(round(6 * s)) + 1)
    quiet_limit = 10.0 + 1.5 * noise_sigma

    speck_max = 9.0 * s
    line_min = 14.0 * s
    long_min = 40.0 * s
    thin_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5) if s < 1.5 else (7, 7))

    # long enough that a steep scratch a few pixels wide holds no run this long
    line_len = max(15, min(int(round(3 * line_min)), int(0.2 * min(y.shape))))
    horizontal = cv2.getStructuringElement(cv2.MORPH_RECT, (line_len, 1))
    vertical = cv2.getStructuringElement(cv2.MORPH_RECT, (1, line_len))
    t_mid = 0.5 * (t_low + t_high)
    any_candidate = ((bright > t_mid) | (dark > t_mid)).astype(np.float32)
    density = cv2.blur(any_candidate, (2 * int(round(12 * s)) + 1,) * 2)
    # brightness above a wide median: paper between letters or lines of text is as light as
    # the wide median there (the paper), a crack across a face or a sky is far above it
    wide = cv2.medianBlur(y, min(255, 2 * int(round(9 * s)) + 1)).astype(np.float32)
    above_wide = yf - wide
    crowded_limit = 0.12

    for sign, tophat in ((1.0, bright), (-1.0, dark)):
        # texture (brickwork, fabric, foliage) raises the bar locally
        texture_k = (2 * int(round(10 * s)) + 1,) * 2
        texture = cv2.blur(tophat, texture_k)
        low = (tophat > np.maximum(t_low, 2.5 * texture)).astype(np.uint8)
        if not low.any():
            continue
        # straight runs along the picture's axes are frames, bars, rules and edges: content
        axis = cv2.morphologyEx(low, cv2.MORPH_OPEN, horizontal) | cv2.morphologyEx(
            low, cv2.MORPH_OPEN, vertical
        )
        if axis.any():
            if sign > 0:
                axis = _drop_folds(axis, yf, 0.6)
            # but a straight stretch of a crack network is not a frame: only a candidate that
            # is mostly such runs is content
            n0, lab0 = cv2.connectedComponents(low, connectivity=8)
            on_axis = np.bincount(lab0[(axis > 0) & (low > 0)], minlength=n0)
            network = on_axis < 0.4 * np.bincount(lab0.ravel(), minlength=n0)
            network[0] = False
            axis = axis & ~network[lab0].astype(np.uint8)
            low = low & ~cv2.dilate(axis, np.ones((3, 3), np.uint8))
        n, labels, stats, cents = cv2.connectedComponentsWithStats(low, connectivity=8)
        if n <= 1:
            continue
        area = stats[:, cv2.CC_STAT_AREA].astype(np.float32)
        comps = _Components(labels, n, area)
        peak = comps.max(tophat)
        bw = stats[:, cv2.CC_STAT_WIDTH].astype(np.float32)
        bh = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float32)
        extent = np.maximum(bw, bh)
        diag = np.hypot(bw, bh)
        eroded = cv2.erode(low, thin_kernel)
        survive = np.bincount(labels[eroded > 0].ravel(), minlength=n).astype(np.float32)

        per_label = comps.mean

        busy = per_label(quiet)  # how busy the picture is under the candidate
        crowd = per_label(density)  # how many other candidates surround it
        level = per_label(yf)  # its own brightness
        protected = np.zeros(n, bool)
        if protect is not None:
            protected = per_label((protect > 0).astype(np.float32)) > 0.3

        calm = (busy < quiet_limit) & (crowd < crowded_limit)
        strong = peak > t_high
        # the fine texture around a candidate, itself and the other candidates left out: a
        # speck of dust stands far above it, a fleck of grass or gravel does not
        rest = (low == 0).astype(np.float32)
        rest_share = np.maximum(cv2.blur(rest, texture_k), 0.05)
        rms = np.sqrt(cv2.blur(tophat * tophat * rest, texture_k) / rest_share)
        distinct = peak > 4.5 * per_label(rms)
        # a speck far stronger than the texture around it is dust even on a busy background;
        # a catch-light is not: its iris and eye-white around it are nearly as contrasty
        standout = (peak > 2.5 * busy) & (crowd < crowded_limit)
        speck = strong & distinct & (extent <= speck_max) & (calm | standout) & ~protected
        thin = survive <= 0.25 * area + 1
        single_stroke = area <= 3.2 * s * diag  # one line, not a word or a tangle
        # far brighter than the median around it (paper between letters is not: the median
        # there is paper too)
        above = per_label(above_wide)
        glaring = (sign > 0) & (above > max(2.0 * t_high, 50.0)) & (restoration_type >= 1)
        # a highlight in dark hair is bright only for the hair; a crack on a dark coat or
        # background stands far higher above it
        glaring &= (level > 150.0) | (above > 70.0)
        if sign > 0:
            # bright lines: emulsion gone down to the paper; content is rarely that light
            # or far brighter than anything beside it: content is seldom a bright hairline
            # that outshines its surroundings by a third of the range
            long_ok = calm | (level > 185.0) | glaring
            # a long thin line well above the wide median around it, on a busy picture: a
            # crack network makes its own surroundings busy and crowded
            # (in a face, only one well above anything beside it and longer than a feature)
            long_ok |= (above > max(t_high, 30.0)) & ~protected
            long_ok |= (above > max(1.5 * t_high, 40.0)) & (diag >= 1.5 * long_min)
        else:
            long_ok = calm & single_stroke
        very_long = (diag >= 2 * long_min) if (loose and sign > 0) else np.zeros(n, bool)
        line_long = strong & (thin | very_long) & (diag >= long_min) & long_ok
        line_long &= restoration_type >= 1  # scratches and cracks are beyond light restoration
        # in a face, a line must be longer than any feature: brows, lids and lips are dark
        # strokes, an eye-white or a row of teeth a short light one
        line_long &= ~protected | (diag >= (1.5 if sign > 0 else 3.0) * long_min)
        line_short = strong & thin & (diag >= line_min) & (diag < long_min)
        if (line_long[1:] | line_short[1:]).any():
            # closed outlines (a frame round a window, the rim of a button) are drawn, not
            # scratched: a scratch or crack hardly ever encloses most of its own bounding box
            hollow = _enclosing(low, labels, n) >= 0.4 * bw * bh
            line_long &= ~hollow
            line_short &= ~hollow
        short_ok = calm | (glaring & (crowd < 2 * crowded_limit))
        if restoration_type >= 2 and line_long[1:].any():
            # a crack network crowds itself and breaks into short pieces: on severe damage a
            # short piece glaring far above everything around it, near a crack already
            # found, is taken however crowded (glints on water and rigging are not near one)
            # (a straight run along an axis is not one: the edge of a sign or a sill is the
            # picture's, and the letters or glints beside it are too)
            found = line_long & (np.minimum(bw, bh) > 2.0 * thin_kernel.shape[0])
            found[0] = False
            away = cv2.distanceTransform((~found[labels]).astype(np.uint8), cv2.DIST_L2, 3)
            near_found = (away <= 0.5 * long_min).astype(np.float32)
            short_ok |= glaring & (above > 80.0) & (per_label(near_found) > 0)
        line_short &= short_ok & ~protected
        accept = speck | line_long | line_short
        accept[0] = False
        counts.specks += int(speck[1:].sum())
        counts.lines += int((line_long | line_short)[1:].sum())
        mask |= (accept[labels] * 255).astype(np.uint8)
        lines = line_long.copy()
        lines[0] = False
        if lines.any():
            ksize = (2 * int(round(10 * s)) + 1,) * 2
            mask |= _extend_lines(lines[labels], tophat, t_low, ksize, thin_kernel, protect)

        # specks again, from their strong cores only: at the low threshold neighbouring
        # specks can join through cloud or grain into one region too big to be a speck
        core = (tophat > np.maximum(t_high, 3.0 * texture)).astype(np.uint8) & (mask == 0)
        m2, lab2, st2, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
        if m2 > 1:
            ext2 = np.maximum(st2[:, cv2.CC_STAT_WIDTH], st2[:, cv2.CC_STAT_HEIGHT])
            cores = _Components(lab2, m2, st2[:, cv2.CC_STAT_AREA])
            core_mean = cores.mean
            peak2 = cores.max(tophat)
            busy2, crowd2 = core_mean(quiet), core_mean(density)
            ok = (ext2 <= speck_max) & (crowd2 < crowded_limit)
            ok &= (busy2 < quiet_limit) | (peak2 > 2.5 * busy2)
            ok &= peak2 > 4.5 * core_mean(rms)
            if protect is not None:
                ok &= core_mean((protect > 0).astype(np.float32)) <= 0.3
            ok[0] = False
            counts.specks += int(ok.sum())
            grown = cv2.dilate((ok[lab2] * 255).astype(np.uint8), np.ones((3, 3), np.uint8))
            mask |= grown

    if mask.any():
        r = max(1, int(round(1.0 * s)))
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    counts.pixels = int(np.count_nonzero(mask))
    return mask, counts


def inpaint(image: np.ndarray, mask: np.ndarray, radius: int = 3) -> np.ndarray:
    """Fill masked pixels of a uint8 image (1 or 3 channels) from their surroundings.

    Thin defects go straight to Telea's fast marching method; wide holes are first filled on a
    coarser copy (so the fill carries the shading from afar, not a smear of the nearest edge),
    then the seam is repaired at full size.
    """
    if not mask.any():
        return image
    dist = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 3)
    if float(dist.max()) <= 6:
        return cv2.inpaint(image, mask, radius, cv2.INPAINT_TELEA)
    h, w = mask.shape
    f = max(2, int(float(dist.max()) // 4))
    small = cv2.resize(image, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(mask, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA)
    small_mask = (small_mask > 0).astype(np.uint8) * 255
    small_filled = cv2.inpaint(small, small_mask, radius, cv2.INPAINT_TELEA)
    coarse = cv2.resize(small_filled, (w, h), interpolation=cv2.INTER_LINEAR)
    out = image.copy()
    wide = dist > 2
    out[wide] = coarse[wide]
    rim = ((mask > 0) & ~wide).astype(np.uint8) * 255
    return cv2.inpaint(out, rim, radius, cv2.INPAINT_TELEA)
