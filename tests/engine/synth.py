"""A seeded generator of synthetic "old photos" for tests and benchmarks.

`make_clean` draws a varied clean picture procedurally (a portrait with eyes, teeth,
catch-lights and hair; a landscape; fabric and other textures; a printed page; a facade with
window frames). `degrade` ages a clean picture at a light, medium or severe level and returns
the damaged picture with the mask of the pixels that physical damage destroyed (dust,
scratches, creases, cracks, stains, missing corners). Global ageing (fade, colour cast, grain,
blur, JPEG) is not part of the mask: it touches every pixel.

Everything is drawn from one `numpy.random.Generator`, so a seed gives the same case on every
machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

KINDS = ("face", "landscape", "texture", "text", "windows")
LEVELS = ("light", "medium", "severe")


@dataclass
class Case:
    """One generated test case: the clean picture, its aged copy and the damage mask."""

    clean: np.ndarray  # uint8 RGB
    degraded: np.ndarray  # uint8 RGB
    mask: np.ndarray  # bool, True where physical damage replaced the picture
    kind: str
    level: str
    monochrome: bool
    seed: int


# --------------------------------------------------------------------------------------------
# small drawing helpers


def _smooth_noise(rng: np.random.Generator, h: int, w: int, scale: float) -> np.ndarray:
    """Low-frequency noise in [-1, 1] whose features are about `scale` pixels wide."""
    sh, sw = max(2, int(h / scale) + 2), max(2, int(w / scale) + 2)
    small = rng.standard_normal((sh, sw)).astype(np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    big -= big.mean()
    return big / (np.abs(big).max() + 1e-6)


def _fbm(rng: np.random.Generator, h: int, w: int, base: float, octaves: int = 4) -> np.ndarray:
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for i in range(octaves):
        out += amp * _smooth_noise(rng, h, w, max(2.0, base / 2**i))
        total += amp
        amp *= 0.55
    return out / total


def _col(rng: np.random.Generator, lo: int = 30, hi: int = 230) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))


def _ellipse(img, center, axes, angle, color, thickness=-1):
    c = (int(round(center[0] * 16)), int(round(center[1] * 16)))
    a = (max(1, int(round(axes[0] * 16))), max(1, int(round(axes[1] * 16))))
    cv2.ellipse(img, c, a, angle, 0, 360, color, thickness, cv2.LINE_AA, 4)


def _shade(img: np.ndarray, field: np.ndarray, region: np.ndarray | None = None) -> None:
    """Multiply `img` (float32) by (1 + field) inside `region`."""
    f = 1.0 + field[..., None]
    if region is None:
        img *= f
    else:
        img[region] *= f[region]


# --------------------------------------------------------------------------------------------
# clean pictures


def _draw_face(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    top, bottom = np.array(_col(rng, 60, 200), np.float32), np.array(_col(rng, 40, 160))
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (top * (1 - t) + bottom * t) * np.ones((1, w, 1), np.float32)
    img *= 1 + 0.15 * _fbm(rng, h, w, w / 3)[..., None]

    cx = w * rng.uniform(0.4, 0.6)
    cy = h * rng.uniform(0.38, 0.46)
    rw = w * rng.uniform(0.16, 0.22)
    rh = rw * rng.uniform(1.25, 1.4)
    skin = np.array(rng.choice([(224, 180, 150), (198, 150, 115), (150, 105, 80), (235, 200, 175)]))
    skin = skin.astype(np.float32) * rng.uniform(0.9, 1.05)
    hair = np.array(_col(rng, 15, 110), np.float32) * np.array([1.0, 0.85, 0.7], np.float32)
    cloth = np.array(_col(rng, 30, 200), np.float32)

    # shoulders with a striped fabric
    body = np.zeros((h, w), np.uint8)
    _ellipse(body, (cx, cy + rh * 2.3), (rw * 2.6, rh * 1.3), 0, 255)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(3.5, 8.0)
    stripes = 0.12 * np.sin((xx * 0.8 + yy * 0.3) * 2 * np.pi / period)
    region = body > 127
    img[region] = cloth * (1 + stripes[region, None] + 0.1 * _fbm(rng, h, w, 20)[region, None])
    # neck
    neck = np.zeros((h, w), np.uint8)
    cv2.rectangle(
        neck, (int(cx - rw * 0.45), int(cy)), (int(cx + rw * 0.45), int(cy + rh * 1.3)), 255, -1
    )
    img[neck > 0] = skin * 0.85
    # hair mass behind the head
    hm = np.zeros((h, w), np.uint8)
    _ellipse(hm, (cx, cy - rh * 0.15), (rw * 1.15, rh * 1.05), 0, 255)
    img[hm > 0] = hair * (1 + 0.2 * _fbm(rng, h, w, 6)[hm > 0, None])
    # head with soft shading
    head = np.zeros((h, w), np.uint8)
    _ellipse(head, (cx, cy), (rw, rh), 0, 255)
    d = ((xx - cx + rw * 0.3) / rw) ** 2 + ((yy - cy + rh * 0.3) / rh) ** 2
    shade = 0.12 - 0.12 * d
    img[head > 0] = skin * (1 + shade[head > 0, None])
    # fringe over the forehead
    fringe = np.zeros((h, w), np.uint8)
    _ellipse(fringe, (cx, cy - rh * 0.75), (rw * 1.02, rh * 0.38), 0, 255)
    img[(fringe > 0) & (head > 0)] = hair
    # hair strands: thin dark and light curves over the hair
    canvas = img.copy()
    n_strands = int(rng.integers(40, 90))
    for _ in range(n_strands):
        x0 = cx + rng.uniform(-1.1, 1.1) * rw
        y0 = cy - rh * rng.uniform(0.4, 1.1)
        length = rng.uniform(0.3, 0.9) * rh
        ang = np.pi / 2 + rng.uniform(-0.6, 0.6) + (0.4 if x0 > cx else -0.4)
        pts = []
        a = ang
        for s in np.linspace(0, 1, 12):
            pts.append((x0 + np.cos(a) * length * s, y0 + np.sin(a) * length * s))
            a += rng.normal(0, 0.06)
        pts = np.array(pts, np.float32)
        tone = hair * rng.uniform(0.45, 1.6)
        cv2.polylines(
            canvas,
            [np.round(pts * 16).astype(np.int32)],
            False,
            tuple(float(v) for v in np.clip(tone, 0, 255)),
            1,
            cv2.LINE_AA,
            4,
        )
    # strands only show over the hair, not over the face
    hair_area = (hm > 0) & ~((head > 0) & (fringe == 0))
    img[hair_area] = canvas[hair_area]
    # eyes
    ey = cy - rh * 0.08
    for side in (-1, 1):
        ex = cx + side * rw * 0.38
        _ellipse(
            img,
            (ex, ey - rh * 0.2),
            (rw * 0.2, rh * 0.035),
            side * -8,
            tuple(float(v) for v in hair * 0.8),
        )
        _ellipse(img, (ex, ey), (rw * 0.17, rh * 0.065), 0, (235, 232, 225))
        iris_col = tuple(float(v) for v in rng.uniform(40, 120, 3))
        ir = rw * 0.075
        _ellipse(img, (ex, ey), (ir, ir), 0, iris_col)
        _ellipse(img, (ex, ey), (ir * 0.45, ir * 0.45), 0, (12, 10, 10))
        _ellipse(
            img, (ex + ir * 0.35, ey - ir * 0.35), (max(1.0, ir * 0.22),) * 2, 0, (252, 252, 252)
        )
        _ellipse(img, (ex, ey - rh * 0.02), (rw * 0.19, rh * 0.07), 0, (40, 30, 30), 1)
    # nose shadow
    _ellipse(
        img,
        (cx + rw * 0.05, cy + rh * 0.2),
        (rw * 0.08, rh * 0.05),
        0,
        tuple(float(v) for v in skin * 0.75),
    )
    # mouth with teeth separated by thin dark gaps
    my = cy + rh * 0.45
    mw, mh = rw * 0.42, rh * 0.1
    _ellipse(img, (cx, my), (mw, mh), 0, (110, 40, 45))
    tx0, tx1 = cx - mw * 0.7, cx + mw * 0.7
    ty0, ty1 = my - mh * 0.6, my + mh * 0.15
    cv2.rectangle(img, (int(tx0), int(ty0)), (int(tx1), int(ty1)), (238, 235, 222), -1)
    n_teeth = 6
    for i in range(1, n_teeth):
        x = int(tx0 + (tx1 - tx0) * i / n_teeth)
        cv2.line(img, (x, int(ty0)), (x, int(ty1)), (120, 110, 100), 1, cv2.LINE_AA)
    return img


def _draw_landscape(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    horizon = h * rng.uniform(0.35, 0.55)
    sky_top = np.array(rng.uniform([60, 110, 170], [140, 180, 240]), np.float32)
    sky_bot = np.array(rng.uniform([170, 190, 200], [235, 235, 245]), np.float32)
    t = np.clip(yy / horizon, 0, 1)[..., None]
    img = sky_top * (1 - t) + sky_bot * t
    clouds = np.clip(_fbm(rng, h, w, w / 4, 5) * 2.2 - 0.2, 0, 1)
    img = img * (1 - clouds[..., None] * 0.8) + 245 * clouds[..., None] * 0.8
    # mountain ridges, far to near
    for layer in range(int(rng.integers(2, 4))):
        base = horizon + layer * h * 0.06
        ridge = base - h * (0.08 + 0.1 * rng.random()) * (1 + _fbm(rng, 1, w, w / 3, 5)[0])
        col = np.array(_col(rng, 40, 150), np.float32) * (0.7 + 0.15 * layer)
        region = yy > ridge[None, :]
        tex = 1 + 0.18 * _fbm(rng, h, w, 12, 4)
        img[region] = col * tex[region, None]
    # meadow with grass texture
    g = yy > horizon + h * 0.15
    grass = np.array(rng.uniform([50, 90, 30], [120, 170, 80]), np.float32)
    gtex = 1 + 0.25 * _fbm(rng, h, w, 3, 3) + 0.1 * _fbm(rng, h, w, 40)
    img[g] = grass * gtex[g, None]
    # trees: dark canopies with leafy texture and trunks
    for _ in range(int(rng.integers(3, 9))):
        tx = rng.uniform(0, w)
        ty = horizon + h * rng.uniform(0.12, 0.4)
        r = w * rng.uniform(0.03, 0.07)
        cv2.rectangle(
            img,
            (int(tx - r * 0.15), int(ty)),
            (int(tx + r * 0.15), int(ty + r * 1.5)),
            (60, 45, 30),
            -1,
        )
        m = np.zeros((h, w), np.uint8)
        _ellipse(m, (tx, ty - r * 0.3), (r, r * 1.3), 0, 255)
        leaf = np.array(rng.uniform([20, 50, 15], [70, 110, 50]), np.float32)
        ltex = 1 + 0.35 * _fbm(rng, h, w, 2.5, 2)
        img[m > 0] = leaf * ltex[m > 0, None]
    # sometimes a small house with windows
    if rng.random() < 0.5:
        hx, hy = rng.uniform(0.1, 0.6) * w, horizon + h * 0.1
        hw, hh = w * 0.25, h * 0.16
        cv2.rectangle(
            img, (int(hx), int(hy)), (int(hx + hw), int(hy + hh)), _col(rng, 150, 230), -1
        )
        roof = np.array([[hx - 5, hy], [hx + hw / 2, hy - hh * 0.6], [hx + hw + 5, hy]], np.int32)
        cv2.fillPoly(img, [roof], _col(rng, 60, 140))
        for k in range(2):
            wx = int(hx + hw * (0.15 + 0.5 * k))
            cv2.rectangle(
                img,
                (wx, int(hy + hh * 0.25)),
                (wx + int(hw * 0.2), int(hy + hh * 0.65)),
                (40, 45, 55),
                -1,
            )
            cv2.rectangle(
                img,
                (wx, int(hy + hh * 0.25)),
                (wx + int(hw * 0.2), int(hy + hh * 0.65)),
                (235, 235, 230),
                2,
            )
    return img


def _draw_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    # split the frame into 2-4 patches of different materials
    n = int(rng.integers(2, 5))
    cuts = np.sort(rng.uniform(0.15, 0.85, n - 1)) * w
    edges = [0.0, *cuts, float(w)]
    warp = 8 * _fbm(rng, h, w, 60)
    for i in range(n):
        region = (xx + warp >= edges[i]) & (xx + warp < edges[i + 1])
        col = np.array(_col(rng, 50, 220), np.float32)
        kind = rng.integers(0, 4)
        p = rng.uniform(3.0, 9.0)
        if kind == 0:  # plain weave
            tex = 0.18 * np.sin(xx * 2 * np.pi / p) * np.sin(yy * 2 * np.pi / p)
            tex += 0.08 * _fbm(rng, h, w, 2, 2)
        elif kind == 1:  # twill
            tex = 0.2 * np.sin((xx + yy) * 2 * np.pi / p) + 0.06 * _fbm(rng, h, w, 2, 2)
        elif kind == 2:  # plaid
            c2 = np.array(_col(rng, 50, 220), np.float32)
            band = (np.sin(xx * 2 * np.pi / (p * 6)) > 0.6) | (
                np.sin(yy * 2 * np.pi / (p * 6)) > 0.6
            )
            tex = 0.1 * np.sin(xx * 2 * np.pi / p)
            sub = region & band
            img[sub] = c2 * (1 + tex[sub, None])
            region = region & ~band
        else:  # wood grain
            tex = 0.2 * np.sin((yy + 15 * _fbm(rng, h, w, 80)) * 2 * np.pi / (p * 2))
            tex += 0.05 * _fbm(rng, h, w, 3, 2)
        img[region] = col * (1 + tex[region, None])
    # folds: broad shading
    img *= (1 + 0.25 * _fbm(rng, h, w, w / 3, 2))[..., None]
    return img


_WORDS = (
    "family",
    "summer",
    "1923",
    "garden",
    "letter",
    "dear",
    "house",
    "station",
    "harbour",
    "mother",
    "wedding",
    "school",
    "photograph",
    "Sunday",
    "the",
    "and",
    "of",
    "street",
)


def _draw_text(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    paper = np.array(rng.uniform([215, 210, 195], [250, 248, 240]), np.float32)
    img = np.ones((h, w, 3), np.float32) * paper
    img *= (1 + 0.04 * _fbm(rng, h, w, 50))[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)  # putText draws on 8-bit images only
    ink = tuple(float(v) for v in rng.uniform([10, 10, 20], [60, 50, 90]))
    fonts = [
        cv2.FONT_HERSHEY_SIMPLEX,
        cv2.FONT_HERSHEY_DUPLEX,
        cv2.FONT_HERSHEY_COMPLEX,
        cv2.FONT_HERSHEY_TRIPLEX,
        cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    ]
    scale = w / 700 * rng.uniform(0.6, 0.9)
    y = int(h * 0.12)
    title = " ".join(rng.choice(_WORDS, 2)).upper()
    cv2.putText(img, title, (int(w * 0.08), y), fonts[2], scale * 1.6, ink, 2, cv2.LINE_AA)
    cv2.line(img, (int(w * 0.08), y + 8), (int(w * 0.9), y + 8), ink, 1, cv2.LINE_AA)
    font = fonts[int(rng.integers(0, len(fonts)))]
    step = int(32 * scale) + 6
    y += step + 10
    while y < h * 0.92:
        line = " ".join(rng.choice(_WORDS, int(rng.integers(3, 8))))
        cv2.putText(img, line, (int(w * 0.08), y), font, scale, ink, 1, cv2.LINE_AA)
        y += step
    return img.astype(np.float32)


def _draw_windows(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    wall = np.array(_col(rng, 120, 220), np.float32)
    img = np.ones((h, w, 3), np.float32) * wall
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.5:  # brick courses
        bh = rng.uniform(6, 10)
        mortar = (yy % bh) < 1.2
        img[mortar] *= 1.15
        img *= (1 + 0.08 * _fbm(rng, h, w, 4, 2))[..., None]
    else:  # plaster
        img *= (1 + 0.1 * _fbm(rng, h, w, 20, 4))[..., None]
    cols, rows = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    frame = tuple(float(v) for v in rng.choice([(245, 245, 240), (40, 35, 30), (90, 60, 40)]))
    glass = np.array(_col(rng, 20, 90), np.float32)
    for r in range(rows):
        for c in range(cols):
            x0 = int(w * (0.08 + c * 0.9 / cols))
            y0 = int(h * (0.08 + r * 0.9 / rows))
            ww, hh = int(w * 0.55 / cols), int(h * 0.6 / rows)
            ramp = 1 + 0.4 * (yy[y0 : y0 + hh, x0 : x0 + ww] - y0) / max(hh, 1)
            img[y0 : y0 + hh, x0 : x0 + ww] = ramp[..., None] * glass
            t = int(rng.integers(2, 5))
            cv2.rectangle(img, (x0, y0), (x0 + ww, y0 + hh), frame, t)
            # muntins: thin glazing bars
            cv2.line(img, (x0 + ww // 2, y0), (x0 + ww // 2, y0 + hh), frame, max(1, t - 1))
            for k in (1, 2):
                yk = y0 + hh * k // 3
                cv2.line(img, (x0, yk), (x0 + ww, yk), frame, max(1, t - 2))
            cv2.rectangle(img, (x0 - 4, y0 + hh), (x0 + ww + 4, y0 + hh + 5), frame, -1)
    return img


_DRAW = {
    "face": _draw_face,
    "landscape": _draw_landscape,
    "texture": _draw_texture,
    "text": _draw_text,
    "windows": _draw_windows,
}


def make_clean(
    kind: str, size: tuple[int, int] = (384, 384), seed: int = 0, monochrome: bool = False
) -> np.ndarray:
    """A clean, sharp, well-exposed picture of `kind` (one of KINDS), uint8 RGB (h, w, 3)."""
    if kind not in _DRAW:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    h, w = size
    rng = np.random.default_rng(seed)
    img = _DRAW[kind](rng, h, w).astype(np.float32)
    # optics of a good camera: a touch of softness and a little fine grain
    img = cv2.GaussianBlur(img, (0, 0), 0.6)
    img += rng.normal(0, 1.2, img.shape[:2])[..., None].astype(np.float32)
    if monochrome:
        y = img @ np.array([0.299, 0.587, 0.114], np.float32)
        img = np.repeat(y[..., None], 3, axis=2)
    # well exposed: spread to nearly the full range
    lo, hi = np.percentile(img, [0.5, 99.5])
    img = (img - lo) * (240.0 / max(hi - lo, 1.0)) + 8.0
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# ageing

_LEVEL = {"light": 0, "medium": 1, "severe": 2}


def _jagged_polyline(rng, p0, p1, n, wiggle):
    t = np.linspace(0, 1, n)[:, None]
    pts = p0[None] * (1 - t) + p1[None] * t
    d = p1 - p0
    normal = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-6)
    bend = rng.uniform(-1, 1) * np.linalg.norm(d) * 0.08 * np.sin(np.pi * t)
    jitter = np.cumsum(rng.normal(0, wiggle, (n, 1)), axis=0)
    jitter -= jitter[-1] * t
    return pts + normal[None] * (bend + jitter)


def _draw_paths(shape, paths, width) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    for pts in paths:
        cv2.polylines(m, [np.round(pts * 16).astype(np.int32)], False, 255, width, cv2.LINE_AA, 4)
    return m.astype(np.float32) / 255.0


def _crack_paths(rng, h, w, start, depth=0):
    paths = []
    p = np.array(start, np.float64)
    ang = rng.uniform(0, 2 * np.pi)
    pts = [p.copy()]
    steps = int(rng.integers(8, 20)) // (depth + 1) + 3
    seg = max(h, w) * rng.uniform(0.012, 0.025)
    for _ in range(steps):
        ang += rng.normal(0, 0.45)
        p = p + seg * np.array([np.cos(ang), np.sin(ang)])
        pts.append(p.copy())
        if depth < 2 and rng.random() < 0.12:
            paths += _crack_paths(rng, h, w, p, depth + 1)
    paths.append(np.array(pts))
    return paths


def degrade(
    clean: np.ndarray, level: str = "medium", seed: int = 0, monochrome: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Age `clean` (uint8 RGB). Returns (degraded uint8 RGB, damage mask bool)."""
    if level not in _LEVEL:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    lv = _LEVEL[level]
    rng = np.random.default_rng(seed)
    h, w = clean.shape[:2]
    s = max(h, w) / 512.0
    img = clean.astype(np.float32)
    if monochrome is None:
        monochrome = bool(np.abs(img - img.mean(axis=2, keepdims=True)).max() < 3)

    # the print softens and the film adds grain
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 0.9) + 0.2 * lv)
    grain_sigma = rng.uniform(3, 6) + 2.5 * lv
    grain = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7) * 1.8
    img += grain_sigma * grain[..., None]
    if not monochrome:
        img += 0.4 * grain_sigma * rng.standard_normal((h, w, 3)).astype(np.float32)

    # fading: blacks lift, whites dim, colours lose saturation and drift
    lo = rng.uniform(18, 35) + 12 * lv
    hi = rng.uniform(228, 245) - 8 * lv
    img = lo + img * (hi - lo) / 255.0
    if monochrome:
        tint = np.array([1.0, rng.uniform(0.86, 0.93), rng.uniform(0.66, 0.8)], np.float32)
        y = img.mean(axis=2, keepdims=True)
        img = y * tint + (1 - tint) * 40  # sepia/yellowing, stronger in the light tones
    else:
        y = img.mean(axis=2, keepdims=True)
        img = y + (img - y) * rng.uniform(0.45, 0.75)
        cast = rng.uniform([0.98, 0.85, 0.65], [1.05, 0.98, 0.9]).astype(np.float32)
        img = img * cast + rng.uniform(-4, 12, 3).astype(np.float32)

    mask = np.zeros((h, w), np.float32)

    def apply(alpha: np.ndarray, value) -> None:
        nonlocal img, mask
        a = np.clip(alpha, 0, 1)[..., None]
        img = img * (1 - a) + np.asarray(value, np.float32) * a
        mask = np.maximum(mask, alpha)

    paper = np.array([rng.uniform(235, 250)] * 3, np.float32) * np.array([1, 0.98, 0.93])

    # stains (severe): a brown blot with a darker tide line
    if lv >= 2:
        for _ in range(int(rng.integers(1, 3))):
            blob = _fbm(rng, h, w, max(h, w) / 6, 3)
            cy, cx = rng.uniform(0.1, 0.9) * h, rng.uniform(0.1, 0.9) * w
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            r = max(h, w) * rng.uniform(0.07, 0.14)
            dist = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2) / r + 0.5 * blob
            inside = np.clip((1.0 - dist) * 6, 0, 1)
            rim = np.exp(-(((dist - 1.0) * 12) ** 2))
            factor = 1 - inside[..., None] * np.array([0.12, 0.2, 0.35]) * rng.uniform(0.7, 1.2)
            factor -= rim[..., None] * np.array([0.15, 0.2, 0.28])
            img *= factor.astype(np.float32)
            mask = np.maximum(mask, np.maximum(inside, rim * 0.9))

    # scratches and a crease (medium, severe)
    if lv >= 1:
        paths = []
        for _ in range(int(rng.integers(2, 5)) + lv):
            p0 = rng.uniform([0, 0], [w, h])
            ang = rng.uniform(0, np.pi)
            length = rng.uniform(0.25, 0.8) * max(h, w)
            p1 = p0 + length * np.array([np.cos(ang), np.sin(ang)])
            paths.append(_jagged_polyline(rng, p0, p1, 40, 0.15 * s))
        bright = rng.random(len(paths)) < 0.75
        for pts, b in zip(paths, bright, strict=True):
            width = int(rng.integers(1, 3)) if s < 1.5 else int(round(s * rng.uniform(1, 2.5)))
            a = _draw_paths((h, w), [pts], width) * rng.uniform(0.75, 1.0)
            apply(a, paper if b else paper * 0.15)
        if rng.random() < 0.7:  # a crease: a bright fold line with flaking along it
            p0 = np.array([rng.uniform(0, w), 0.0])
            p1 = np.array([rng.uniform(0, w), float(h)])
            if rng.random() < 0.5:
                p0, p1 = p0[::-1].copy(), p1[::-1].copy()
                p0[0], p1[0] = 0.0, float(w)
            pts = _jagged_polyline(rng, p0, p1, 80, 0.4 * s)
            a = _draw_paths((h, w), [pts], max(2, int(round(2 * s))))
            flakes = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 1.5 * s) > 0.53
            near = cv2.dilate(a, np.ones((5, 5), np.uint8)) > 0.5
            a = np.maximum(a, (flakes & near).astype(np.float32))
            apply(a, paper)

    # branching cracks, missing corners (severe)
    if lv >= 2:
        paths = []
        for _ in range(int(rng.integers(1, 3))):
            paths += _crack_paths(rng, h, w, rng.uniform([0, 0], [w, h]))
        apply(_draw_paths((h, w), paths, max(1, int(round(1.4 * s)))), paper)
        if rng.random() < 0.75:
            corner = int(rng.integers(0, 4))
            a, b = rng.uniform(0.08, 0.22) * w, rng.uniform(0.08, 0.22) * h
            edge = _jagged_polyline(rng, np.array([a, 0.0]), np.array([0.0, b]), 30, 0.6 * s)
            poly = np.vstack([[0, 0], edge]).astype(np.float32)
            if corner in (1, 2):
                poly[:, 0] = w - 1 - poly[:, 0]
            if corner in (2, 3):
                poly[:, 1] = h - 1 - poly[:, 1]
            m = np.zeros((h, w), np.uint8)
            cv2.fillPoly(m, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
            backing = paper if rng.random() < 0.6 else np.array([12, 12, 12], np.float32)
            apply(m.astype(np.float32) / 255.0, backing)

    # dust and lint on the scan (every level)
    n_dust = int((rng.integers(15, 40) + 40 * lv) * (h * w) / 512**2)
    dm_white = np.zeros((h, w), np.uint8)
    dm_black = np.zeros((h, w), np.uint8)
    for _ in range(n_dust):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        target = dm_white if rng.random() < 0.7 else dm_black
        if rng.random() < 0.15:  # a fibre
            pts = _jagged_polyline(
                rng, np.array([x, y]), np.array([x, y]) + rng.normal(0, 10 * s, 2), 8, 0.8 * s
            )
            cv2.polylines(
                target, [np.round(pts * 16).astype(np.int32)], False, 255, 1, cv2.LINE_AA, 4
            )
        else:
            r = rng.uniform(0.6, 2.2) * s
            _ellipse(target, (x, y), (r, r * rng.uniform(0.6, 1.0)), rng.uniform(0, 180), 255)
    apply(dm_white.astype(np.float32) / 255.0 * rng.uniform(0.8, 1.0), paper)
    apply(dm_black.astype(np.float32) / 255.0 * rng.uniform(0.8, 1.0), paper * 0.1)

    # scanning: a little blur and JPEG
    img = cv2.GaussianBlur(img, (0, 0), 0.4)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    quality = int(rng.integers(60, 90))
    ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if ok:
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
    return out, mask > 0.25


def make_case(
    seed: int,
    kind: str | None = None,
    level: str | None = None,
    size: tuple[int, int] = (384, 384),
    monochrome: bool | None = None,
) -> Case:
    """A complete case from one seed; `kind`, `level` and `monochrome` are drawn when None."""
    rng = np.random.default_rng(seed)
    kind = kind or str(rng.choice(KINDS))
    level = level or str(rng.choice(LEVELS))
    if monochrome is None:
        monochrome = bool(rng.random() < 0.5)
    sub = rng.integers(0, 2**31, 2)
    clean = make_clean(kind, size, int(sub[0]), monochrome)
    degraded, mask = degrade(clean, level, int(sub[1]), monochrome)
    return Case(clean, degraded, mask, kind, level, monochrome, seed)
