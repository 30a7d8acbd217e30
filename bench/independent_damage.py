"""Independent old-photo damage generator for honest benchmarking.

This module was written from a plain, prose description of what damaged old prints look
like (fading, toning, grain, dust, hairs, scratches, crazing, creases, tears, holes and
stains), independently of the restoration engine's own training-data generator and without
reading it.  Its purpose is to judge the engine on damage it was never tuned on, so it
deliberately shares no code, parameters or conventions with the engine.

Public API::

    aged, damage = age(clean, "medium", seed=7)

``damage`` marks every pixel changed by more than about 3 grey levels by *physical* damage
(including soft halos), but not by global ageing (fade, toning, blur, grain, JPEG), which
touches the whole picture and is not something a repair should paint out.

Run ``python bench/independent_damage.py [input.png] sheet.png`` to write a contact sheet.
"""

from __future__ import annotations

import sys

import cv2
import numpy as np

LEVELS = ("light", "medium", "severe")

# Pixels whose value moved by more than this (on any channel) count as physically damaged.
_MASK_THRESHOLD = 3.0
# Upper bounds on the damaged fraction; generation is retried sparser if exceeded.
_AREA_BUDGET = {"light": 0.02, "medium": 0.06, "severe": 0.15}
# Sub-pixel precision for cv2 drawing (coordinates are multiplied by 2**_SHIFT).
_SHIFT = 3
_ONE = 1 << _SHIFT

Rng = np.random.Generator


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _blur(a: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0.05:
        return a
    return cv2.GaussianBlur(a, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


def _wide_blur(a: np.ndarray, sigma: float) -> np.ndarray:
    """Large-sigma blur of a smooth layer, done at reduced resolution for speed."""
    f = int(sigma // 1.5)
    h, w = a.shape[:2]
    if f < 2 or min(h, w) < 8 * f:
        return _blur(a, sigma)
    small = cv2.resize(a, (w // f, h // f), interpolation=cv2.INTER_AREA)
    return cv2.resize(_blur(small, sigma / f), (w, h), interpolation=cv2.INTER_LINEAR)


def _fx(pts: np.ndarray) -> np.ndarray:
    """Float points -> int32 fixed-point points for cv2 drawing with shift=_SHIFT."""
    return np.round(np.asarray(pts, np.float64) * _ONE).astype(np.int32)


def _polyline(canvas: np.ndarray, pts: np.ndarray, value: float, width: float) -> None:
    """Draw an open polyline; widths under 1 px (small pictures) draw 1 px, fainter."""
    if len(pts) < 2:
        return
    cv2.polylines(
        canvas,
        [_fx(pts).reshape(-1, 1, 2)],
        False,
        float(value * min(1.0, width)),
        max(1, int(round(width))),
        cv2.LINE_8,
        _SHIFT,
    )


def _luma(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img.astype(np.float32, copy=False), cv2.COLOR_RGB2GRAY)


def _smooth_noise(rng: Rng, h: int, w: int, cells: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1] of shape (h, w): a coarse random grid, upsampled."""
    gh = max(2, int(round(cells * h / max(h, w))) + 1)
    gw = max(2, int(round(cells * w / max(h, w))) + 1)
    grid = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    return cv2.resize(grid, (max(1, w), max(1, h)), interpolation=cv2.INTER_CUBIC)


def _jagged(rng: Rng, a: np.ndarray, b: np.ndarray, rough: float, depth: int) -> np.ndarray:
    """Midpoint-displacement path from a to b: a ragged, fractal-looking line."""
    pts = np.array([a, b], np.float64)
    amp = rough * float(np.hypot(*(b - a)))
    for _ in range(depth):
        mids = (pts[:-1] + pts[1:]) / 2.0
        d = pts[1:] - pts[:-1]
        normal = np.stack([-d[:, 1], d[:, 0]], 1)
        normal /= np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1e-6)[:, None]
        mids += normal * rng.normal(0.0, amp, (len(mids), 1))
        out = np.empty((len(pts) + len(mids), 2))
        out[0::2] = pts
        out[1::2] = mids
        pts = out
        amp *= 0.55
    return pts


def _wander(
    rng: Rng,
    start: np.ndarray,
    angle: float,
    length: float,
    step: float,
    curl: float,
    curl_drift: float,
) -> np.ndarray:
    """A smoothly bending path (curvature does a random walk), used for hairs and fibres."""
    n = max(2, int(length / step))
    kappa = rng.normal(0.0, curl)
    angles = np.empty(n)
    for i in range(n):
        kappa += rng.normal(0.0, curl_drift)
        kappa = float(np.clip(kappa, -0.3, 0.3))
        angle += kappa
        angles[i] = angle
    steps = np.stack([np.cos(angles), np.sin(angles)], 1) * step
    return np.vstack([start, start + np.cumsum(steps, 0)])


# --------------------------------------------------------------------------------------
# Global ageing (applies to every pixel; never part of the damage mask)
# --------------------------------------------------------------------------------------


def _global_tone(img: np.ndarray, is_bw: bool, level: str, rng: Rng) -> np.ndarray:
    """Fade, desaturate and tone/cast the uint8 print.  Returns float32 RGB."""
    k = LEVELS.index(level)
    # Blacks lift to grey, whites dull slightly: the dye/silver image loses density range.
    black = rng.uniform(*((8, 22), (18, 40), (32, 65))[k])
    white = rng.uniform(*((238, 250), (226, 244), (205, 232))[k])
    gamma = rng.uniform(0.9, 1.15)
    # Gamma through a lookup table: the input is uint8, and float pow is slow at 2048 px.
    lut = ((np.arange(256, dtype=np.float64) / 255.0) ** gamma).astype(np.float32)
    x = cv2.LUT(img, lut)
    lw = np.array([0.299, 0.587, 0.114])
    # Every colour step below is linear, so it is folded into one 3x3 matrix plus offset
    # (applied with cv2.transform in a single pass) followed by the fade's range squeeze.
    if is_bw:
        # Silver prints go sepia/brown or yellow as they age; map luminance onto a tone ramp.
        kind = rng.choice(["sepia", "yellow", "brown"])
        if kind == "sepia":
            dark, light = np.array([0.16, 0.10, 0.06]), np.array([1.0, 0.95, 0.82])
        elif kind == "yellow":
            dark, light = np.array([0.08, 0.07, 0.05]), np.array([1.0, 0.97, 0.78])
        else:
            dark, light = np.array([0.20, 0.12, 0.08]), np.array([0.98, 0.90, 0.76])
        strength = rng.uniform(*((0.25, 0.6), (0.5, 0.85), (0.7, 1.0))[k])
        # x' = lum * (1 - strength) + (dark + (light - dark) * lum) * strength
        slope = (1 - strength) + (light - dark) * strength
        mat, offset = np.outer(slope, lw), dark * strength
    else:
        sat = rng.uniform(*((0.75, 0.95), (0.55, 0.8), (0.3, 0.6))[k])
        # Dyes fade unequally: cyan fades first (warm/red shift), sometimes magenta or cyan.
        cast = rng.choice(["warm", "warm", "magenta", "cyan"])
        amt = rng.uniform(*((0.03, 0.07), (0.05, 0.12), (0.08, 0.18))[k])
        gains = {
            "warm": (1 + amt, 1.0, 1 - 1.6 * amt),
            "magenta": (1 + amt, 1 - amt, 1 + 0.3 * amt),
            "cyan": (1 - amt, 1 + 0.2 * amt, 1 + 0.6 * amt),
        }[cast]
        desat = sat * np.eye(3) + (1 - sat) * np.outer(np.ones(3), lw)
        mat, offset = np.diag(gains) @ desat, np.zeros(3)
    # Fade: 0..1 -> black..white (blacks lift to grey, whites dull), clipped to that range.
    full = np.hstack([mat * (white - black), (black + offset * (white - black))[:, None]])
    out = cv2.transform(x, full.astype(np.float32))
    np.clip(out, black, white, out=out)
    # Mild uneven fading across the sheet (light exposure, storage): low-frequency only.
    h, w = img.shape[:2]
    uneven = 1.0 + rng.uniform(0.0, 0.02 + 0.02 * k) * _smooth_noise(rng, h, w, 3)
    out *= uneven[..., None]
    return out


def _grain(rng: Rng, h: int, w: int, level: str, scale: float) -> np.ndarray:
    k = LEVELS.index(level)
    sigma = rng.uniform(*((2.0, 4.0), (3.0, 6.0), (4.5, 8.0))[k])
    if rng.random() < 0.4:
        # Clumpy grain: generate coarser noise and upsample, then restore its strength.
        clump = max(1.0, rng.uniform(1.5, 2.5) * scale)
        sh, sw = max(2, int(h / clump)), max(2, int(w / clump))
        n = rng.standard_normal((sh, sw), dtype=np.float32)
        n = cv2.resize(n, (w, h), interpolation=cv2.INTER_LINEAR)
        n /= max(float(n.std()), 1e-6)
    else:
        n = rng.standard_normal((h, w), dtype=np.float32)
        if scale > 1.5:
            n = _blur(n, 0.35 * scale)
            n /= max(float(n.std()), 1e-6)
    return n * sigma


# --------------------------------------------------------------------------------------
# Physical damage
# --------------------------------------------------------------------------------------


class _Layers:
    """Alpha canvases for bright (paper showing) and dark (dirt) defects, plus halos."""

    def __init__(self, h: int, w: int) -> None:
        self.bright = np.zeros((h, w), np.float32)
        self.dark = np.zeros((h, w), np.float32)
        self.bright_halo = np.zeros((h, w), np.float32)
        self.dark_halo = np.zeros((h, w), np.float32)
        self.fill = np.zeros((h, w), np.float32)  # torn-away areas: flat card/paper colour

    def core(self, bright: bool) -> np.ndarray:
        return self.bright if bright else self.dark

    def halo(self, bright: bool) -> np.ndarray:
        return self.bright_halo if bright else self.dark_halo


def _speck_positions(rng: Rng, n: int, lum: np.ndarray, prefer_dark: bool) -> np.ndarray:
    h, w = lum.shape
    cand = rng.uniform(0, 1, (n * 4 + 4, 2)) * np.array([w - 1, h - 1])
    if not prefer_dark:
        return cand[:n]
    # White specks are most visible (and most noticed) on dark areas; bias them there.
    vals = lum[cand[:, 1].astype(int), cand[:, 0].astype(int)]
    wts = (1.0 - vals / 255.0) ** 2 + 0.08
    idx = rng.choice(len(cand), size=n, replace=False, p=wts / wts.sum())
    return cand[idx]


def _draw_speck(L: _Layers, rng: Rng, c: np.ndarray, r: float, bright: bool, s: float) -> None:
    val = rng.uniform(0.6, 1.0) * 1.6  # overdrive; clipped after the softening blur
    if r < 0.5:
        # Sub-pixel speck (small pictures): draw one pixel, but only as strong as its area.
        val *= (r / 0.5) ** 2
        r = 0.5
    canvas = L.core(bright)
    if rng.random() < 0.25:
        axes = (max(r * rng.uniform(1.4, 2.8), 0.5), max(r * rng.uniform(0.5, 0.9), 0.4))
        cv2.ellipse(
            canvas,
            tuple(_fx(c)),
            tuple(_fx(axes)),
            float(rng.uniform(0, 180)),
            0,
            360,
            val,
            -1,
            cv2.LINE_8,
            _SHIFT,
        )
    else:
        cv2.circle(canvas, tuple(_fx(c)), int(round(r * _ONE)), val, -1, cv2.LINE_8, _SHIFT)
    if rng.random() < 0.35:
        # Soft glow (bright) or shadow ring round a speck, as scanning dust often has.
        same = rng.random() < 0.6
        hr = r + rng.uniform(1.0, 3.0) * s
        cv2.circle(
            L.halo(bright if same else not bright),
            tuple(_fx(c)),
            int(round(hr * _ONE)),
            rng.uniform(0.12, 0.35),
            -1,
            cv2.LINE_8,
            _SHIFT,
        )


def _specks(L: _Layers, rng: Rng, n: int, lum: np.ndarray, s: float, clusters: int) -> None:
    h, w = lum.shape
    n_white = int(round(n * rng.uniform(0.5, 0.8)))
    for c in _speck_positions(rng, n_white, lum, True):
        r = (0.5 + 1.5 * rng.beta(1.3, 3.0)) * s
        _draw_speck(L, rng, c, r, True, s)
    for c in _speck_positions(rng, n - n_white, lum, False):
        r = (0.5 + 1.5 * rng.beta(1.3, 3.0)) * s
        _draw_speck(L, rng, c, r, False, s)
    for _ in range(clusters):
        centre = rng.uniform(0, 1, 2) * np.array([w - 1, h - 1])
        spread = rng.uniform(3, 14) * s
        bright = rng.random() < 0.7
        for _ in range(int(rng.integers(5, 25))):
            c = np.clip(centre + rng.normal(0, spread, 2), 0, [w - 1, h - 1])
            r = (0.5 + 1.0 * rng.beta(1.2, 3.0)) * s
            _draw_speck(L, rng, c, r, bright, s)


def _hairs(L: _Layers, rng: Rng, n: int, h: int, w: int, s: float) -> None:
    for _ in range(n):
        length = rng.uniform(10, 80) * s
        start = rng.uniform(0, 1, 2) * np.array([w - 1, h - 1])
        curly = rng.random() < 0.35
        step = max(1.0, 1.5 * s)
        # Curvature is per unit length, so hairs keep their shape at any resolution.
        pts = _wander(
            rng,
            start,
            rng.uniform(0, 2 * np.pi),
            length,
            step,
            (0.06 if curly else 0.015) * step,
            (0.02 if curly else 0.005) * step,
        )
        bright = rng.random() < 0.3
        thick = (1.0 if rng.random() < 0.7 else 2.0) * s
        _polyline(L.core(bright), pts, rng.uniform(0.6, 1.0) * 1.5, thick)


def _curve(rng: Rng, a: np.ndarray, b: np.ndarray, bend: float, n: int) -> np.ndarray:
    """Gently curved path a->b: a quadratic bow of `bend` times the length, sideways."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    d = b - a
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-6)
    bow = bend * float(np.hypot(*d)) * 4 * t * (1 - t)
    return a + d * t + normal * bow


def _scratches(L: _Layers, rng: Rng, n: int, h: int, w: int, s: float, level: str) -> None:
    diag = float(np.hypot(h, w))
    done = 0
    while done < n:
        group = 1 if (level == "light" or rng.random() < 0.7) else int(rng.integers(2, 5))
        group = min(group, n - done)
        if level == "light":
            length = rng.uniform(0.05, 0.25) * diag
            opacity = rng.uniform(0.35, 0.65)
        else:
            length = (
                rng.uniform(0.33, 1.0) * diag
                if rng.random() < 0.6
                else rng.uniform(0.08, 0.33) * diag
            )
            opacity = rng.uniform(0.4, 1.0)
        # Print/film scratches are often near-vertical (dragged through rollers or sleeves).
        ang = np.pi / 2 + rng.normal(0, 0.08) if rng.random() < 0.45 else rng.uniform(0, np.pi)
        mid = rng.uniform(0, 1, 2) * np.array([w - 1, h - 1])
        d = np.array([np.cos(ang), np.sin(ang)]) * length / 2
        bend = rng.normal(0, 0.02)
        bright = rng.random() < 0.7
        width = rng.uniform(1.0, 3.0) * s * (0.7 if level == "light" else 1.0)
        dashed = rng.random() < 0.3
        gap = max(2.0, rng.uniform(3, 10) * s)
        offs = np.cumsum(rng.uniform(2, 6, group) * s) - 2 * s
        for k in range(group):
            normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-6)
            a = mid - d + normal * offs[k]
            b = mid + d + normal * offs[k]
            nseg = max(4, int(length / (6 * max(s, 0.5))))
            pts = _curve(rng, a, b, bend, nseg + 1)
            # Opacity wanders along the length; dashed scratches drop whole runs.
            mod = np.clip(0.7 + 0.4 * _smooth_noise(rng, 1, nseg, 6)[0], 0.2, 1.0)
            run = np.cumsum(np.hypot(*(pts[1:] - pts[:-1]).T))
            on = (
                (np.floor(run / (gap * rng.uniform(1.5, 4))) % 2 == 0)
                if dashed
                else np.ones(nseg, bool)
            )
            canvas = L.core(bright)
            for i in range(nseg):
                if on[i]:
                    _polyline(canvas, pts[i : i + 2], opacity * mod[i] * 1.5, width)
            if rng.random() < 0.3:
                _polyline(L.halo(bright), pts, rng.uniform(0.06, 0.15), width + 5 * s)
            done += 1


def _crack_tree(
    rng: Rng, start: np.ndarray, angle: float, length: float, s: float, h: int, w: int, budget: int
) -> list[np.ndarray]:
    """Branching, jagged crack: a random walk that spawns thinner side branches."""
    out: list[np.ndarray] = []
    stack = [(start, angle, length, 0)]
    while stack and budget > 0:
        p, a, left, depth = stack.pop()
        pts = [p]
        while left > 0:
            step = rng.uniform(2.0, 5.0) * s
            a += rng.normal(0, 0.4)
            p = p + np.array([np.cos(a), np.sin(a)]) * step
            pts.append(p)
            left -= step
            budget -= 1
            if not (0 <= p[0] < w and 0 <= p[1] < h):
                break
            if depth < 4 and rng.random() < 0.07:
                side = a + rng.choice([-1, 1]) * rng.uniform(0.5, 1.3)
                stack.append((p, side, left * rng.uniform(0.3, 0.7), depth + 1))
        out.append(np.array(pts))
    return out


def _region(rng: Rng, h: int, w: int, centre: np.ndarray, radius: float, step: int) -> np.ndarray:
    """Irregular blob mask around centre, sampled every `step` px (it is only looked up)."""
    gh, gw = (h + step - 1) // step, (w + step - 1) // step
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32) * step
    rx, ry = radius * rng.uniform(0.6, 1.4), radius * rng.uniform(0.6, 1.4)
    d = ((xx - centre[0]) / rx) ** 2 + ((yy - centre[1]) / ry) ** 2
    return (1.0 - d + 0.6 * _smooth_noise(rng, gh, gw, 5)) > 0


def _crack_network(L: _Layers, rng: Rng, h: int, w: int, s: float, size: float) -> None:
    centre = rng.uniform(0.1, 0.9, 2) * np.array([w, h])
    bright = rng.random() < 0.8
    val = rng.uniform(0.55, 1.0) * 1.5
    thick = rng.uniform(1.0, 1.6) * s
    canvas = L.core(bright)
    lines: list[np.ndarray] = []
    if rng.random() < 0.5:
        # Crazing: polygonal cells (like dried mud) from a jittered Voronoi diagram.
        radius = size * max(h, w) * 0.5
        grid = 8
        region = _region(rng, h, w, centre, radius, grid)
        cell = rng.uniform(14, 34) * s
        npts = int(np.clip((2 * radius / cell) ** 2, 8, 900))
        sub = cv2.Subdiv2D((0, 0, w, h))
        pts = centre + rng.uniform(-1, 1, (npts, 2)) * radius * 1.3
        pts = np.clip(pts, 0.5, [w - 1.5, h - 1.5])
        sub.insert([(float(x), float(y)) for x, y in pts])
        facets, _ = sub.getVoronoiFacetList([])
        seen: set[tuple[int, int, int, int]] = set()
        keep = rng.uniform(0.45, 0.85)
        for f in facets:
            f = np.asarray(f, np.float64)
            for i in range(len(f)):
                a, b = f[i], f[(i + 1) % len(f)]
                lo, hi = np.minimum(a, b), np.maximum(a, b)
                key = (int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
                if key in seen:
                    continue
                seen.add(key)
                m = (a + b) / 2
                if not (0 <= m[0] < w and 0 <= m[1] < h):
                    continue
                if not region[int(m[1]) // grid, int(m[0]) // grid]:
                    continue
                if rng.random() > keep:
                    continue
                lines.append(_jagged(rng, a, b, 0.08, 3))
    else:
        # Branching cracks radiating from an impact/flex point.
        for _ in range(int(rng.integers(2, 6))):
            lines += _crack_tree(
                rng,
                centre,
                rng.uniform(0, 2 * np.pi),
                size * max(h, w) * rng.uniform(0.3, 0.7),
                s,
                h,
                w,
                4000,
            )
    for ln in lines:
        _polyline(canvas, ln, val * rng.uniform(0.7, 1.0), thick)
    if rng.random() < 0.4:
        # Dirt settles into crack edges: faint dark margin.
        for ln in lines:
            _polyline(L.dark_halo, ln, 0.15, thick + 2 * s)


def _crease(L: _Layers, rng: Rng, h: int, w: int, s: float) -> None:
    # Pick two points on opposite (or adjacent) borders so it runs across the print.
    def edge_point(side: int) -> np.ndarray:
        t = rng.uniform(0.1, 0.9)
        return np.array([[t * w, 0], [w - 1, t * h], [t * w, h - 1], [0, t * h]][side])

    side = int(rng.integers(0, 4))
    other = (side + 2) % 4 if rng.random() < 0.7 else (side + 1) % 4
    a, b = edge_point(side), edge_point(other)
    if rng.random() < 0.4:  # partial crease
        t0, t1 = sorted(rng.uniform(0, 1, 2))
        t1 = max(t1, t0 + 0.4)
        a, b = a + (b - a) * t0, a + (b - a) * min(t1, 1.0)
    n = max(8, int(np.hypot(*(b - a)) / (8 * max(s, 0.5))))
    pts = _curve(rng, a, b, rng.normal(0, 0.01), n)
    pts += rng.normal(0, 0.4 * s, pts.shape)  # creases are not perfectly smooth
    width = rng.uniform(2.0, 4.5) * s
    _polyline(L.bright, pts, rng.uniform(0.45, 0.85) * 1.4, width)
    d = b - a
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-6)
    normal *= rng.choice([-1.0, 1.0])
    # The paper ridge throws a soft shadow on one side only.
    _polyline(L.dark_halo, pts + normal * (width + 2.0 * s), rng.uniform(0.25, 0.5), width + 3 * s)
    # Emulsion flakes off along the fold: small bright nicks scattered on the line.
    for p in pts[rng.random(len(pts)) < 0.25]:
        c = p + rng.normal(0, width * 0.6, 2)
        cv2.circle(
            L.bright,
            tuple(_fx(c)),
            int(round(rng.uniform(0.6, 1.8) * s * _ONE)),
            1.5,
            -1,
            cv2.LINE_8,
            _SHIFT,
        )


def _tear(L: _Layers, rng: Rng, h: int, w: int, s: float) -> None:
    corner = int(rng.integers(0, 4))
    cx, cy = [(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)][corner]
    sx, sy = (1 if cx == 0 else -1), (1 if cy == 0 else -1)
    if rng.random() < 0.7:
        # Torn-off corner: a ragged line cutting it away.
        la, lb = rng.uniform(30, 130, 2) * s
        a = np.array([cx + sx * la, cy], np.float64)
        b = np.array([cx, cy + sy * lb], np.float64)
        path = _jagged(rng, a, b, 0.12, 6)
        poly = np.vstack(
            [
                path,
                [
                    [cx - sx * 2, cy + sy * lb],
                    [cx - sx * 2, cy - sy * 2],
                    [cx + sx * la, cy - sy * 2],
                ],
            ]
        )
    else:
        # A bite torn out of one edge.
        depth, span = rng.uniform(15, 60) * s, rng.uniform(40, 140) * s
        if rng.random() < 0.5:
            x0 = rng.uniform(0.1, 0.8) * w
            a, b = np.array([x0, cy]), np.array([x0 + span, cy])
            m = np.array([x0 + span * rng.uniform(0.3, 0.7), cy + sy * depth])
        else:
            y0 = rng.uniform(0.1, 0.8) * h
            a, b = np.array([cx, y0]), np.array([cx, y0 + span])
            m = np.array([cx + sx * depth, y0 + span * rng.uniform(0.3, 0.7)])
        path = np.vstack([_jagged(rng, a, m, 0.12, 5), _jagged(rng, m, b, 0.12, 5)[1:]])
        out = np.array([sx, sy]) * -3.0
        poly = np.vstack([path, b + out * (a == b), a + out * (a == b)])
    cv2.fillPoly(L.fill, [_fx(poly).reshape(-1, 1, 2)], 1.0, cv2.LINE_8, _SHIFT)
    # Tearing splits emulsion from paper, leaving a white fibrous margin along the tear.
    _polyline(L.bright, path + rng.normal(0, 0.5 * s, path.shape), 1.5, rng.uniform(1.5, 3.5) * s)


def _hole(L: _Layers, rng: Rng, h: int, w: int, s: float) -> None:
    """Missing patch of emulsion: an irregular blob showing paper white."""
    r = rng.uniform(5, 30) * s
    c = rng.uniform(0.1, 0.9, 2) * np.array([w, h])
    n = 24
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * (1 + 0.35 * _smooth_noise(rng, 1, n, 5)[0]) * rng.uniform(0.75, 1.2, n)
    poly = c + np.stack([np.cos(ang) * rad, np.sin(ang) * rad], 1)
    cv2.fillPoly(L.bright, [_fx(poly).reshape(-1, 1, 2)], 1.6, cv2.LINE_8, _SHIFT)
    if rng.random() < 0.6:
        # Flaked emulsion edges curl and catch dirt: a faint darker rim.
        cv2.polylines(
            L.dark_halo,
            [_fx(poly).reshape(-1, 1, 2)],
            True,
            0.3,
            max(1, int(2 * s)),
            cv2.LINE_8,
            _SHIFT,
        )


def _stain(img: np.ndarray, rng: Rng, s: float) -> None:
    """Water/chemical stain: soft brown blotch with a darker tide line, applied in place."""
    h, w = img.shape[:2]
    r = rng.uniform(20, 75) * s
    c = rng.uniform(0.05, 0.95, 2) * np.array([w, h])
    pad = int(r * 1.8) + 4
    x0, y0 = max(0, int(c[0]) - pad), max(0, int(c[1]) - pad)
    x1, y1 = min(w, int(c[0]) + pad), min(h, int(c[1]) + pad)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return
    rh, rw = y1 - y0, x1 - x0
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    rx, ry = r * rng.uniform(0.7, 1.3), r * rng.uniform(0.7, 1.3)
    d = ((xx - c[0]) / rx) ** 2 + ((yy - c[1]) / ry) ** 2
    blob = ((1.0 - d + 0.7 * _smooth_noise(rng, rh, rw, 6)) > 0).astype(np.float32)
    interior = _blur(blob, max(1.0, r * 0.12))
    k = max(3, int(round(rng.uniform(1.5, 4.0) * s)) | 1)
    rim = blob - cv2.erode(blob, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    rim = _blur(rim, max(0.7, 1.2 * s))
    depth = rng.uniform(0.06, 0.22)
    texture = 0.75 + 0.25 * _smooth_noise(rng, rh, rw, 10)
    alpha = np.clip(depth * interior * texture + rng.uniform(0.15, 0.4) * rim, 0.0, 0.8)
    tint = np.array(rng.choice([[0.85, 0.68, 0.42], [0.75, 0.62, 0.45], [0.9, 0.8, 0.55]]))
    roi = img[y0:y1, x0:x1]
    roi *= 1.0 - alpha[..., None] * (1.0 - tint)


# --------------------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------------------


def _damage(
    base: np.ndarray, level: str, rng: Rng, s: float, density: float, paper: np.ndarray
) -> np.ndarray:
    """Return a copy of `base` (float32 aged RGB) with physical damage painted on."""
    h, w = base.shape[:2]
    img = base.copy()
    L = _Layers(h, w)
    lum = _luma(base)
    aspect = (h * w) / float(max(h, w) ** 2)  # keeps density constant for non-square images

    def count(lo: int, hi: int) -> int:
        return int(round(rng.integers(lo, hi + 1) * density * aspect))

    if level == "light":
        n_specks, clusters = count(10, 60), 0
        n_hairs, n_scr = count(0, 3), count(0, 2)
        n_crease = n_cracks = n_stain = n_tear = n_hole = 0
        crack_size = 0.0
    elif level == "medium":
        n_specks, clusters = count(30, 130), count(0, 2)
        n_hairs, n_scr = count(1, 5), count(2, 8)
        n_crease = int(rng.random() < 0.4)
        n_cracks = int(rng.random() < 0.4)
        crack_size = rng.uniform(0.15, 0.3) * density
        n_stain = int(rng.random() < 0.5)
        n_tear = int(rng.random() < 0.15)
        n_hole = int(rng.random() < 0.25)
    else:
        n_specks, clusters = count(80, 340), count(1, 5)
        n_hairs, n_scr = count(3, 10), count(4, 15)
        n_crease = int(rng.integers(0, 3))
        n_cracks = int(rng.integers(1, 4))
        crack_size = rng.uniform(0.3, 0.6) * density
        n_stain = int(rng.integers(0, 3))
        n_tear = int(rng.random() < 0.6)
        n_hole = int(rng.random() < (0.7 if n_tear == 0 else 0.3)) + int(rng.random() < 0.2)

    for _ in range(n_stain):
        _stain(img, rng, s)
    for _ in range(n_cracks):
        _crack_network(L, rng, h, w, s, crack_size)
    for _ in range(n_crease):
        _crease(L, rng, h, w, s)
    for _ in range(n_tear):
        _tear(L, rng, h, w, s)
    for _ in range(n_hole):
        _hole(L, rng, h, w, s)
    _scratches(L, rng, n_scr, h, w, s, level)
    _hairs(L, rng, n_hairs, h, w, s)
    _specks(L, rng, n_specks, lum, s, clusters)

    # Soft edges: the drawn cores are over-driven, blurred a little, then clipped to 1,
    # giving a solid centre with an anti-aliased rim.  Halos get a much wider blur.
    core_sigma = 0.6 * max(s, 0.6)
    halo_sigma = 2.0 * max(s, 0.5)
    dirt = np.array([rng.uniform(18, 40), rng.uniform(14, 32), rng.uniform(10, 25)], np.float32)
    card = (
        paper
        if rng.random() < 0.5
        else np.array(
            rng.choice([[20, 20, 22], [60, 58, 55], [225, 215, 190], [250, 250, 250]]), np.float32
        )
    )
    flat = img.reshape(-1, 3)
    for core, halo, colour in (
        (L.dark, L.dark_halo, dirt),
        (L.bright, L.bright_halo, paper),
        (L.fill, None, card),
    ):
        has_halo = halo is not None and cv2.countNonZero(halo) > 0
        if not has_halo and cv2.countNonZero(core) == 0:
            continue
        a = _blur(core, core_sigma)
        if has_halo:
            a += _wide_blur(halo, halo_sigma)
        # Composite only where the layer is present: damage covers a small fraction of the
        # picture, and full-frame float arithmetic dominates the run time at 2048 px.
        idx = np.flatnonzero(a > 1e-3)
        if idx.size:
            av = np.minimum(a.reshape(-1)[idx], 1.0)[:, None]
            px = flat[idx]
            flat[idx] = px + (colour.astype(np.float32) - px) * av
    return img


def age(clean: np.ndarray, level: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Age a clean picture like an old, damaged print.

    clean: uint8 RGB HxWx3 (any size >= 64). Returns (aged uint8 RGB same shape, damage
    bool HxW) where damage marks pixels changed by >~3 levels by physical damage only.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    if clean.ndim != 3 or clean.shape[2] != 3 or clean.dtype != np.uint8:
        raise ValueError("clean must be a uint8 RGB HxWx3 array")
    h, w = clean.shape[:2]
    s = max(h, w) / 512.0
    li = LEVELS.index(level)
    # Independent streams so that retrying the damage (area budget) keeps the global look.
    g_rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, li, 0])
    is_bw = bool(
        np.array_equal(clean[..., 0], clean[..., 1])
        and np.array_equal(clean[..., 1], clean[..., 2])
    )

    base = _global_tone(clean, is_bw, level, g_rng)
    # Exposed paper base: brighter than the dulled image highlights, but aged like them.
    aged_white = _global_tone(
        np.full((1, 1, 3), 255, np.uint8),
        is_bw,
        level,
        np.random.default_rng([int(seed) & 0xFFFFFFFF, li, 0]),
    )[0, 0]
    paper = np.clip(0.45 * aged_white + 0.55 * np.array([250, 247, 238]), 0, 255)
    paper = paper.astype(np.float32)
    blur_sigma = g_rng.uniform(*((0.3, 0.6), (0.45, 0.9), (0.6, 1.2))[li]) * s
    grain = _grain(g_rng, h, w, level, s)
    jpeg_q = int(g_rng.integers(60, 91)) if g_rng.random() < (0.3, 0.45, 0.6)[li] else 0

    base_b = _blur(base, blur_sigma)
    density = 1.0
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for attempt in range(5):
        d_rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, li, 1, attempt])
        cand = _blur(_damage(base, level, d_rng, s, density, paper), blur_sigma)
        # Grain is identical in both versions, so the mask is just the blurred difference.
        diff = cv2.absdiff(cand, base_b)
        cand_mask = np.maximum(np.maximum(diff[..., 0], diff[..., 1]), diff[..., 2])
        cand_mask = cand_mask > _MASK_THRESHOLD
        frac = float(cand_mask.mean())
        if best is None or frac < best[0]:
            best = (frac, cand, cand_mask)
        if frac <= _AREA_BUDGET[level]:
            break
        # Too much damage for this level (e.g. one huge stain): redraw sparser and smaller.
        density *= 0.6
    _, damaged, mask = best

    damaged += grain[..., None]
    np.clip(damaged, 0, 255, out=damaged)
    out = np.rint(damaged, out=damaged).astype(np.uint8)
    if jpeg_q:
        ok, buf = cv2.imencode(
            ".jpg", cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, jpeg_q]
        )
        if ok:
            out = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return out, mask


# --------------------------------------------------------------------------------------
# Contact sheet
# --------------------------------------------------------------------------------------


def _demo_picture(size: int = 512) -> np.ndarray:
    """A simple synthetic scene: gradient sky, dark ground and a face-like disc."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    g = 40 + 200 * (1 - yy) * (0.7 + 0.3 * xx)
    g[yy > 0.65] = 35 + 30 * xx[yy > 0.65]
    face = (xx - 0.5) ** 2 + (yy - 0.42) ** 2 < 0.04
    g[face] = 190 - 60 * (xx[face] - 0.3)
    g = np.clip(g, 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def contact_sheet(clean: np.ndarray, seed: int = 0) -> np.ndarray:
    """Rows light/medium/severe: clean | aged | aged with mask in red | mask."""
    rows = []
    for level in LEVELS:
        aged, mask = age(clean, level, seed)
        over = aged.copy()
        over[mask] = (0.45 * over[mask] + 0.55 * np.array([255, 0, 0])).astype(np.uint8)
        m = np.repeat((mask * 255).astype(np.uint8)[..., None], 3, axis=2)
        row = np.hstack([clean, aged, over, m])
        label = f"{level}  damaged {100 * mask.mean():.2f}%"
        cv2.putText(row, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 0), 2)
        rows.append(row)
    return np.vstack(rows)


def _main(argv: list[str]) -> int:
    if len(argv) not in (1, 2, 3):
        print("usage: independent_damage.py [input_image] output_sheet.png [seed]")
        return 2
    if len(argv) == 1:
        clean, out_path, seed = _demo_picture(), argv[0], 0
    else:
        bgr = cv2.imread(argv[0], cv2.IMREAD_COLOR)
        if bgr is None:
            print(f"cannot read {argv[0]}")
            return 1
        clean, out_path = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), argv[1]
        seed = int(argv[2]) if len(argv) == 3 else 0
    sheet = contact_sheet(clean, seed)
    cv2.imwrite(out_path, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
