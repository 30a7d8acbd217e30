"""Synthetic ageing for training the damage detector, with the mask of what is damage.

Every kind of damage is drawn with randomised shape, width, brightness, opacity, halo and
count, on pictures faded, toned, grained, blurred and JPEG-compressed at random, at whatever
scale the crop was taken. The mask is where the damage changed the picture by more than a few
grey levels, halo included; global ageing (fade, toning, grain, blur, JPEG) is not damage.

Content that looks like damage is drawn too, and labelled clean: ropes and wires, window
bars, lines of text, catch-lights in dark eyes. Without it a detector learns that every thin
dark line is a scratch.
"""

from __future__ import annotations

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
SS = 2  # damage is drawn at twice the size and reduced, for sub-pixel widths and soft edges


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _fbm(rng: np.random.Generator, h: int, w: int, base: float, octaves: int = 4) -> np.ndarray:
    """Smooth random field in [0, 1]: noise at several scales, coarsest `base` pixels."""
    out = np.zeros((h, w), np.float32)
    amp, total, scale = 1.0, 0.0, base
    for _ in range(octaves):
        gh, gw = max(2, int(h / scale) + 2), max(2, int(w / scale) + 2)
        g = rng.standard_normal((gh, gw)).astype(np.float32)
        out += amp * cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
        scale /= 2.0
    out /= total
    lo, hi = np.percentile(out, (1, 99))
    return np.clip((out - lo) / max(hi - lo, 1e-6), 0, 1)


class _Canvas:
    """An alpha layer drawn at SS times the picture's size."""

    def __init__(self, h: int, w: int):
        self.h, self.w = h, w
        self.a = np.zeros((h * SS, w * SS), np.float32)
        self.halo_strength = 0.3

    def line(self, pts: np.ndarray, width: float, opacity: float = 1.0) -> None:
        p = np.round(pts * SS * 16).astype(np.int32).reshape(-1, 1, 2)
        t = max(1, int(round(width * SS)))
        cv2.polylines(self.a, [p], False, float(opacity), t, cv2.LINE_AA, shift=4)

    def blob(self, center, axes, angle: float, opacity: float = 1.0) -> None:
        c = (int(center[0] * SS * 16), int(center[1] * SS * 16))
        ax = (max(1, int(axes[0] * SS * 16)), max(1, int(axes[1] * SS * 16)))
        cv2.ellipse(self.a, c, ax, angle, 0, 360, float(opacity), -1, cv2.LINE_AA, shift=4)

    def polygon(self, pts: np.ndarray, opacity: float = 1.0) -> None:
        p = np.round(pts * SS * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(self.a, [p], float(opacity), cv2.LINE_AA, shift=4)

    def result(self, halo: float = 0.0, soft: float = 0.0) -> np.ndarray:
        a = cv2.resize(self.a, (self.w, self.h), interpolation=cv2.INTER_AREA)
        if soft > 0:
            a = cv2.GaussianBlur(a, (0, 0), soft)
        if halo > 0:  # a faint glow or shadow around the defect
            a = np.maximum(a, self.halo_strength * cv2.GaussianBlur(a, (0, 0), halo))
        return np.clip(a, 0, 1)


def _walk(rng, start, angle, length, step, turn, jag=0.0) -> np.ndarray:
    """A random-walk polyline: `turn` radians of drift per step, `jag` of sudden kinks."""
    pts = [np.array(start, np.float32)]
    a = angle
    n = max(2, int(length / step))
    drift = rng.normal(0, turn)
    for _ in range(n):
        a += drift + rng.normal(0, turn)
        if jag and rng.random() < 0.3:
            a += rng.normal(0, jag)
        pts.append(pts[-1] + step * np.array([np.cos(a), np.sin(a)], np.float32))
    return np.array(pts)


def _value(rng: np.random.Generator, bright: bool, colour: bool) -> np.ndarray:
    """What a defect shows: paper or base (bright) or dirt and emulsion (dark)."""
    v = _u(rng, 0.78, 1.0) if bright else _u(rng, 0.0, 0.25)
    rgb = np.full(3, v, np.float32)
    if colour and rng.random() < 0.5:
        rgb *= rng.uniform(0.9, 1.05, 3).astype(np.float32)
    return np.clip(rgb, 0, 1)


class _Layers:
    def __init__(self, h: int, w: int, colour: bool):
        self.h, self.w, self.colour = h, w, colour
        self.items: list[tuple[np.ndarray, np.ndarray]] = []  # (alpha HxW, value HxWx3 or 3)
        self.stains: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, alpha: np.ndarray, value: np.ndarray) -> None:
        if alpha.max() > 0.01:
            self.items.append((alpha, value))


def _specks(rng, L: _Layers, n: int, s: float) -> None:
    for bright in (True, False):
        m = n if bright else int(n * _u(rng, 0.2, 1.2))
        c = _Canvas(L.h, L.w)
        k = 0
        while k < m:
            cx, cy = _u(rng, 0, L.w), _u(rng, 0, L.h)
            cluster = int(rng.integers(3, 15)) if rng.random() < 0.15 else 1
            spread = _u(rng, 3, 20) * s
            for _ in range(cluster):
                r = float(np.exp(rng.uniform(np.log(0.4), np.log(4.0)))) * s
                x, y = (
                    cx + rng.normal(0, spread) * (cluster > 1),
                    cy + rng.normal(0, spread) * (cluster > 1),
                )
                if rng.random() < 0.25:  # irregular grain of dirt
                    ang = rng.uniform(0, 2 * np.pi, 7)
                    rad = r * rng.uniform(0.5, 1.3, 7)
                    pts = np.stack(
                        [x + rad * np.cos(np.sort(ang)), y + rad * np.sin(np.sort(ang))], 1
                    )
                    c.polygon(pts, _u(rng, 0.6, 1.0))
                else:
                    c.blob((x, y), (r, r * _u(rng, 0.5, 1.0)), _u(rng, 0, 180), _u(rng, 0.5, 1))
                k += 1
        alpha = c.result(halo=_u(rng, 1, 3) * s if rng.random() < 0.4 else 0, soft=_u(rng, 0, 0.6))
        L.add(alpha, _value(rng, bright, L.colour))


def _fibres(rng, L: _Layers, n: int, s: float) -> None:
    for _ in range(n):
        c = _Canvas(L.h, L.w)
        start = (_u(rng, 0, L.w), _u(rng, 0, L.h))
        pts = _walk(rng, start, _u(rng, 0, 6.3), _u(rng, 10, 150) * s, 2.0 * s, _u(rng, 0.05, 0.3))
        c.line(pts, _u(rng, 0.6, 2.5) * s, _u(rng, 0.5, 1.0))
        L.add(c.result(soft=_u(rng, 0, 0.7)), _value(rng, rng.random() < 0.4, L.colour))


def _scratches(rng, L: _Layers, n: int, s: float) -> None:
    size = max(L.h, L.w)
    for _ in range(n):
        c = _Canvas(L.h, L.w)
        bright = rng.random() < 0.7
        group = int(rng.integers(2, 5)) if rng.random() < 0.25 else 1
        angle = _u(rng, 0, np.pi)
        start = np.array((_u(rng, 0, L.w), _u(rng, 0, L.h)), np.float32)
        length = _u(rng, 0.1, 1.3) * size
        width = float(np.exp(rng.uniform(np.log(0.6), np.log(5.0)))) * s
        for g in range(group):
            off = g * _u(rng, 3, 12) * s * np.array((-np.sin(angle), np.cos(angle)))
            pts = _walk(
                rng,
                start - 0.5 * length * np.array((np.cos(angle), np.sin(angle))) + off,
                angle,
                length,
                4.0 * s,
                _u(rng, 0.0, 0.02),
            )
            if rng.random() < 0.4:  # interrupted: the stylus lifted
                keep = rng.random(len(pts) - 1) < _u(rng, 0.4, 0.9)
                for i in np.flatnonzero(keep):
                    c.line(pts[i : i + 2], width, _u(rng, 0.4, 1.0))
            else:
                c.line(pts, width, _u(rng, 0.35, 1.0))
        halo = _u(rng, 1, 4) * s if rng.random() < 0.35 else 0
        L.add(c.result(halo=halo, soft=_u(rng, 0, 0.8)), _value(rng, bright, L.colour))


def _crack_tree(rng, c: _Canvas, start, angle, length, width, depth, s) -> None:
    pts = _walk(rng, start, angle, length, _u(rng, 2, 6) * s, 0.08, jag=0.8)
    c.line(pts, width, _u(rng, 0.6, 1.0))
    if depth >= 3:
        return
    for _ in range(int(rng.integers(0, 4))):
        i = int(rng.integers(1, len(pts)))
        _crack_tree(
            rng,
            c,
            pts[i],
            angle + rng.choice((-1, 1)) * _u(rng, 0.4, 1.4),
            length * _u(rng, 0.3, 0.7),
            max(0.6 * s, width * _u(rng, 0.5, 0.9)),
            depth + 1,
            s,
        )


def _cracks(rng, L: _Layers, n: int, s: float) -> None:
    size = max(L.h, L.w)
    for _ in range(n):
        c = _Canvas(L.h, L.w)
        width = _u(rng, 0.8, 4.0) * s
        if rng.random() < 0.3:  # crazing: a mesh of short cracks over an area
            cx, cy, r = _u(rng, 0, L.w), _u(rng, 0, L.h), _u(rng, 0.1, 0.4) * size
            for _ in range(int(rng.integers(10, 40))):
                p = (cx + rng.normal(0, r), cy + rng.normal(0, r))
                pts = _walk(rng, p, _u(rng, 0, 6.3), _u(rng, 10, 60) * s, 3 * s, 0.2, jag=1.0)
                c.line(pts, width * _u(rng, 0.5, 1), _u(rng, 0.5, 1))
        else:
            start = (_u(rng, 0, L.w), _u(rng, 0, L.h))
            _crack_tree(rng, c, start, _u(rng, 0, 6.3), _u(rng, 0.2, 0.9) * size, width, 0, s)
        bright = rng.random() < 0.75
        halo = _u(rng, 1, 3) * s if rng.random() < 0.4 else 0
        L.add(c.result(halo=halo, soft=_u(rng, 0, 0.7)), _value(rng, bright, L.colour))


def _crease(rng, L: _Layers, s: float) -> None:
    size = max(L.h, L.w)
    angle = _u(rng, 0, np.pi)
    centre = np.array((_u(rng, 0, L.w), _u(rng, 0, L.h)), np.float32)
    d = np.array((np.cos(angle), np.sin(angle)), np.float32)
    pts = _walk(rng, centre - d * size, angle, 2 * size, 8 * s, 0.01)
    width = _u(rng, 1.5, 8) * s
    core = _Canvas(L.h, L.w)
    core.line(pts, width, _u(rng, 0.5, 1.0))
    L.add(core.result(soft=_u(rng, 0.3, 1.5) * s), _value(rng, True, L.colour))
    if rng.random() < 0.7:  # the fold's shadowed shoulder
        shoulder = _Canvas(L.h, L.w)
        off = np.array((-d[1], d[0])) * (width * 0.5 + _u(rng, 1, 4) * s)
        shoulder.line(pts + off, width * _u(rng, 0.6, 1.5), _u(rng, 0.2, 0.6))
        L.add(shoulder.result(soft=_u(rng, 0.5, 2) * s), _value(rng, False, L.colour))


def _paper(rng, h: int, w: int, colour: bool) -> np.ndarray:
    """What shows where the emulsion is gone: white, cream, grey board or black card."""
    kind = rng.random()
    if kind < 0.55:
        base = np.array((_u(rng, 0.85, 1), _u(rng, 0.82, 0.98), _u(rng, 0.7, 0.95)), np.float32)
    elif kind < 0.8:
        base = np.full(3, _u(rng, 0.45, 0.8), np.float32)
    else:
        base = np.full(3, _u(rng, 0.02, 0.2), np.float32)
    if not colour:
        base = np.full(3, float(base @ LUMA), np.float32)
    tex = (_fbm(rng, h, w, 16, 3) - 0.5) * _u(rng, 0, 0.12)
    return np.clip(base[None, None, :] + tex[..., None], 0, 1)


def _missing(rng, L: _Layers, s: float) -> None:
    """A torn corner or edge, or a hole in the emulsion."""
    h, w = L.h, L.w
    c = _Canvas(h, w)
    if rng.random() < 0.6:
        corner = int(rng.integers(0, 4))
        cx, cy = (0 if corner in (0, 3) else w), (0 if corner in (0, 1) else h)
        a, b = _u(rng, 0.08, 0.4) * w, _u(rng, 0.08, 0.4) * h
        p0 = np.array((abs(cx - a), cy), np.float32)
        p1 = np.array((cx, abs(cy - b)), np.float32)
        n = 30
        t = np.linspace(0, 1, n)[:, None]
        edge = p0 * (1 - t) + p1 * t
        normal = np.array((p1[1] - p0[1], p0[0] - p1[0]), np.float32)
        normal /= np.linalg.norm(normal) + 1e-6
        edge += normal * np.cumsum(rng.normal(0, 2.5 * s, (n, 1)), 0) * 0.5
        pts = np.vstack([edge, [[cx, cy]]])
        c.polygon(pts)
    else:
        cx, cy = _u(rng, 0, w), _u(rng, 0, h)
        r = _u(rng, 5, 40) * s
        ang = np.sort(rng.uniform(0, 2 * np.pi, 14))
        rad = r * rng.uniform(0.5, 1.3, 14)
        c.polygon(np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1))
    L.add(c.result(soft=_u(rng, 0, 1.0)), _paper(rng, h, w, L.colour))


def _stain(rng, L: _Layers, s: float) -> None:
    h, w = L.h, L.w
    field = _fbm(rng, h, w, _u(rng, 20, 80) * s, 4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, r = _u(rng, 0, w), _u(rng, 0, h), _u(rng, 0.1, 0.35) * max(h, w)
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / r + 0.5 * (field - 0.5)
    inside = np.clip((1 - d) * 6, 0, 1)
    rim = np.exp(-(((d - 1) / 0.04) ** 2)) * _u(rng, 0.3, 0.9)
    alpha = np.clip(inside * _u(rng, 0.15, 0.6) + rim, 0, 1)
    brown = np.array((_u(rng, 0.35, 0.6), _u(rng, 0.25, 0.45), _u(rng, 0.1, 0.3)), np.float32)
    if not L.colour:
        brown = np.full(3, float(brown @ LUMA), np.float32)
    L.stains.append((alpha, brown))


def _bright_things(rng, img: np.ndarray, s: float) -> None:
    """White walls with windows, shirts, signs: bright shapes that belong to the picture."""
    h, w = img.shape[:2]
    layer = np.zeros((h, w), np.float32)
    x0, y0 = int(_u(rng, -0.1, 0.8) * w), int(_u(rng, -0.1, 0.8) * h)
    bw, bh = int(_u(rng, 0.08, 0.5) * w), int(_u(rng, 0.08, 0.5) * h)
    white = np.full(3, _u(rng, 0.8, 1.0), np.float32) * rng.uniform(0.93, 1.0, 3).astype(np.float32)
    if rng.random() < 0.5:  # a wall or sign, with windows or letters
        cv2.rectangle(layer, (x0, y0), (x0 + bw, y0 + bh), 1.0, -1)
        shade = 1 - _u(rng, 0, 0.25) * np.linspace(0, 1, w, dtype=np.float32)[None, :]
        img[:] = img * (1 - layer[..., None]) + (white * shade[..., None]) * layer[..., None]
        dark = np.zeros((h, w), np.float32)
        cell = _u(rng, 6, 20) * s
        win = _u(rng, 0.3, 0.7)
        for yy in np.arange(y0 + cell * 0.3, y0 + bh - cell * 0.5, cell):
            for xx in np.arange(x0 + cell * 0.3, x0 + bw - cell * 0.5, cell):
                if rng.random() < 0.85:
                    cv2.rectangle(
                        dark,
                        (int(xx), int(yy)),
                        (int(xx + cell * win), int(yy + cell * win)),
                        1.0,
                        -1,
                    )
        tone = np.full(3, _u(rng, 0.05, 0.4), np.float32)
        img[:] = img * (1 - dark[..., None]) + tone * dark[..., None]
    else:  # a shirt, a sail, a cloud: a soft-edged bright shape with folds
        pts = np.stack([x0 + bw * rng.uniform(0, 1, 8), y0 + bh * rng.uniform(0, 1, 8)], 1).astype(
            np.int32
        )
        cv2.fillPoly(layer, [cv2.convexHull(pts)], 1.0, cv2.LINE_AA)
        layer = cv2.GaussianBlur(layer, (0, 0), _u(rng, 0.5, 2.0))
        folds = 1 - _u(rng, 0, 0.3) * _fbm(rng, h, w, _u(rng, 8, 30) * s, 3)
        img[:] = img * (1 - layer[..., None]) + (white * folds[..., None]) * layer[..., None]


def _content(rng, img: np.ndarray, s: float) -> None:
    """Draw damage-like content into the clean picture, in place (labelled clean)."""
    h, w = img.shape[:2]
    for _ in range(int(rng.integers(1, 5))):
        kind = rng.random()
        col = np.full(3, _u(rng, 0.0, 0.3) if rng.random() < 0.6 else _u(rng, 0.7, 1), np.float32)
        layer = np.zeros((h, w), np.float32)
        if kind < 0.3:
            _bright_things(rng, img, s)
            continue
        if kind < 0.4:  # ladders, lattices, railings: parallel rails with rungs
            a = _u(rng, 0, np.pi)
            d = np.array((np.cos(a), np.sin(a)))
            n = np.array((-d[1], d[0]))
            p0 = np.array((_u(rng, 0, w), _u(rng, 0, h)))
            length, gap = _u(rng, 0.2, 0.8) * max(h, w), _u(rng, 4, 16) * s
            t = max(1, int(round(_u(rng, 0.7, 2.5) * s)))
            for k in (0, 1):
                q = p0 + n * gap * k
                cv2.line(layer, tuple(np.int32(q)), tuple(np.int32(q + d * length)), 1.0, t)
            step = _u(rng, 4, 14) * s
            for j in range(int(length / step)):
                q = p0 + d * j * step
                cv2.line(layer, tuple(np.int32(q)), tuple(np.int32(q + n * gap)), 1.0, t)
        elif kind < 0.55:  # ropes, wires, rigging: smooth sagging curves, often in sets
            p0 = np.array((_u(rng, -0.2, 0.5) * w, _u(rng, 0, h)))
            p1 = np.array((_u(rng, 0.5, 1.2) * w, _u(rng, 0, h)))
            sag = _u(rng, -0.15, 0.25) * w
            width = max(1, int(round(_u(rng, 0.7, 3.5) * s)))
            for k in range(int(rng.integers(1, 5))):
                q1 = p1 + np.array((0, k * _u(rng, 4, 30) * s))
                t = np.linspace(0, 1, 60)[:, None]
                pts = p0 * (1 - t) + q1 * t + np.array((0, 1.0)) * sag * 4 * t * (1 - t)
                cv2.polylines(
                    layer,
                    [np.round(pts * 16).astype(np.int32)],
                    False,
                    1.0,
                    width,
                    cv2.LINE_AA,
                    shift=4,
                )
        elif kind < 0.65:  # window bars and frames
            x0, y0 = int(_u(rng, 0, w * 0.7)), int(_u(rng, 0, h * 0.7))
            x1, y1 = int(x0 + _u(rng, 0.1, 0.4) * w), int(y0 + _u(rng, 0.1, 0.4) * h)
            t = max(1, int(_u(rng, 1, 4) * s))
            nx, ny = int(rng.integers(1, 4)), int(rng.integers(1, 4))
            cv2.rectangle(layer, (x0, y0), (x1, y1), 1.0, t)
            for i in range(1, nx + 1):
                x = x0 + (x1 - x0) * i // (nx + 1)
                cv2.line(layer, (x, y0), (x, y1), 1.0, t)
            for j in range(1, ny + 1):
                y = y0 + (y1 - y0) * j // (ny + 1)
                cv2.line(layer, (x0, y), (x1, y), 1.0, t)
        elif kind < 0.8:  # a line or two of text
            font = int(rng.choice([0, 1, 2, 3, 4, 6, 7]))
            scale = _u(rng, 0.3, 1.2) * s
            letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,"
            y = int(_u(rng, 0.1, 0.9) * h)
            for _ in range(int(rng.integers(1, 4))):
                text = "".join(rng.choice(list(letters), int(rng.integers(5, 25))))
                cv2.putText(
                    layer,
                    text,
                    (int(_u(rng, 0, 0.5) * w), y),
                    font,
                    scale,
                    1.0,
                    max(1, int(scale * 1.5)),
                    cv2.LINE_AA,
                )
                y += int(30 * scale)
        else:  # eyes: a dark iris with a catch-light
            for _ in range(int(rng.integers(1, 3))):
                cx, cy = _u(rng, 0, w), _u(rng, 0, h)
                r = _u(rng, 2, 8) * s
                cv2.circle(layer, (int(cx), int(cy)), max(1, int(r)), 1.0, -1, cv2.LINE_AA)
                dark = np.full(3, _u(rng, 0.02, 0.25), np.float32)
                img[:] = img * (1 - layer[..., None]) + dark * layer[..., None]
                layer[:] = 0
                rr = max(1, int(r * _u(rng, 0.15, 0.35)))
                off = int(r * 0.35)
                cv2.circle(layer, (int(cx) + off, int(cy) - off), rr, 1.0, -1, cv2.LINE_AA)
                col = np.full(3, _u(rng, 0.85, 1), np.float32)
        img[:] = img * (1 - layer[..., None]) + col * layer[..., None]


def _defects(rng, L: _Layers, area: float, s: float) -> None:
    """Draw physical damage at a random severity; `area` is the crop's size in 256-px tiles
    of a 512-px photo."""
    severity = rng.random() ** 1.3
    if rng.random() < 0.9:
        _specks(rng, L, int(area * _u(rng, 2, 10 + 120 * severity)), s)
    if rng.random() < 0.6:
        _fibres(rng, L, int(rng.integers(1, 2 + int(6 * severity * area) + 1)), s)
    if rng.random() < 0.3 + 0.5 * severity:
        _scratches(rng, L, int(rng.integers(1, 2 + int(6 * severity))), s)
    if rng.random() < 0.15 + 0.6 * severity:
        _cracks(rng, L, int(rng.integers(1, 2 + int(3 * severity))), s)
    if rng.random() < 0.1 + 0.3 * severity:
        _crease(rng, L, s)
    if rng.random() < 0.05 + 0.35 * severity:
        _missing(rng, L, s)
    if rng.random() < 0.3 * severity + 0.05:
        _stain(rng, L, s)


def age(
    clean: np.ndarray, rng: np.random.Generator, scale: float = 1.0, defects: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Age a clean uint8 RGB crop. `scale` is the crop's pixels per pixel of a 512-px photo.

    With `defects` False the print only ages (fading, toning, blur, grain, JPEG, and the
    damage-like content): an undamaged example, whose mask is empty.
    Returns (aged uint8 RGB, damage mask bool).
    """
    h, w = clean.shape[:2]
    s = scale
    img = clean.astype(np.float32) / 255.0
    if rng.random() < 0.75:
        _content(rng, img, s)
    colour = rng.random() < 0.45
    if not colour:
        img = np.repeat((img @ LUMA)[..., None], 3, axis=2)

    # the print's age: fading, toning or a cast, softness
    lo, hi = _u(rng, 0, 0.25) ** 1.5, 1 - _u(rng, 0, 0.3) ** 1.5
    img = lo + img ** _u(rng, 0.8, 1.25) * (hi - lo)
    if colour:
        g = img @ LUMA
        img = g[..., None] + (img - g[..., None]) * _u(rng, 0.3, 1.1)
        img *= rng.uniform(0.85, 1.1, 3).astype(np.float32)
    elif rng.random() < 0.7:  # sepia, selenium or yellowed
        tone = np.array((1.0, _u(rng, 0.8, 1.0), _u(rng, 0.55, 1.0)), np.float32)
        img = img * tone
    if rng.random() < 0.3:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2
        img *= (1 - _u(rng, 0, 0.5) * r2)[..., None]
    img = np.clip(img, 0, 1)
    if rng.random() < 0.6:
        img = cv2.GaussianBlur(img, (0, 0), _u(rng, 0.2, 1.0))

    # damage, at a random severity
    L = _Layers(h, w, colour)
    if defects:
        _defects(rng, L, h * w / (256.0 * 256.0) / (s * s), s)

    damaged = img.copy()
    for alpha, value in L.stains:
        damaged = damaged * (1 - alpha[..., None]) + damaged * value * alpha[..., None]
    strong_stain = np.abs(damaged - img) @ LUMA > 0.12
    base = damaged.copy()
    for alpha, value in L.items:
        damaged = damaged * (1 - alpha[..., None]) + value * alpha[..., None]

    # the scan: a little blur, grain, then perhaps JPEG; the mask is measured through the
    # same blur, so halos the blur spreads are damage too
    blur = _u(rng, 0, 0.8) if rng.random() < 0.5 else 0.0
    diff = (damaged - base) @ LUMA
    if blur:
        damaged = cv2.GaussianBlur(damaged, (0, 0), blur)
        diff = cv2.GaussianBlur(diff, (0, 0), blur)
    mask = (np.abs(diff) > 4.0 / 255.0) | strong_stain
    sigma = _u(rng, 0, 0.04) * rng.random()
    if sigma > 0:
        noise = rng.standard_normal((h, w)).astype(np.float32)
        if rng.random() < 0.5:
            noise = cv2.GaussianBlur(noise, (0, 0), _u(rng, 0.5, 1.5))
            noise /= noise.std() + 1e-6
        damaged = damaged + sigma * noise[..., None]
        if colour:
            damaged += 0.3 * sigma * rng.standard_normal((h, w, 3)).astype(np.float32)
    out = np.clip(damaged * 255 + 0.5, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        q = int(rng.integers(40, 93))
        ok, buf = cv2.imencode(
            ".jpg", cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q]
        )
        out = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return out, mask
