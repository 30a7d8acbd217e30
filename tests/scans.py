"""Flatbed scans made by the tests: clean pictures laid at known angles on a plain lid.

Each print is a picture with detail up to its edges (gradients, shapes, stripes) and a
margin that differs from the lid; the scan records exactly where each print's corners are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Placed:
    cx: float
    cy: float
    width: int
    height: int
    angle: float  # degrees counterclockwise

    def corners(self) -> np.ndarray:
        """Top left, top right, bottom right, bottom left, on the scan."""
        a = math.radians(self.angle)
        ux = np.array([math.cos(a), -math.sin(a)])
        uy = np.array([math.sin(a), math.cos(a)])
        c = np.array([self.cx, self.cy])
        w, h = self.width / 2, self.height / 2
        return np.array([c - w * ux - h * uy, c + w * ux - h * uy,
                         c + w * ux + h * uy, c - w * ux + h * uy])  # fmt: skip


def print_picture(width: int, height: int, seed: int) -> np.ndarray:
    """A clean photo-like picture: a tinted gradient, discs, bars, a few lines."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(60, 170, 3)
    slope = rng.uniform(-60, 60, 3)
    img = base + slope * (xx / width)[..., None] + 0.5 * slope[::-1] * (yy / height)[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(6):
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        radius = int(rng.uniform(0.05, 0.2) * min(width, height))
        cv2.circle(img, centre, radius, tuple(int(v) for v in rng.uniform(20, 235, 3)), -1)
    for _ in range(4):
        p = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        q = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        cv2.line(img, p, q, tuple(int(v) for v in rng.uniform(0, 255, 3)), max(1, width // 150))
    return img


def make_scan(
    size: tuple[int, int],
    placed: list[Placed],
    *,
    background: int = 245,
    seed: int = 0,
    noise: float = 2.0,
    margin: tuple[int, int] | None = None,
) -> np.ndarray:
    """A scan (H x W x 3 uint8) of `size` = (width, height) with the prints placed on it;
    with `margin` = (pixels, grey level), each print has a plain margin like an old print's
    white border."""
    w, h = size
    rng = np.random.default_rng(seed)
    scan = np.full((h, w, 3), background, np.float32)
    for i, p in enumerate(placed):
        picture = print_picture(p.width, p.height, seed * 100 + i).astype(np.float32)
        if margin:
            side, level = margin
            picture[:side] = picture[-side:] = level
            picture[:, :side] = picture[:, -side:] = level
        src = np.array([[0, 0], [p.width, 0], [p.width, p.height]], np.float32)
        m = cv2.getAffineTransform(src, p.corners()[:3].astype(np.float32))
        # half-pixel: cv2 maps pixel centres
        m[:, 2] += m[:, 0] * 0.5 + m[:, 1] * 0.5 - 0.5
        warped = cv2.warpAffine(picture, m, (w, h), flags=cv2.INTER_LINEAR)
        cover = cv2.warpAffine(
            np.ones((p.height, p.width), np.float32), m, (w, h), flags=cv2.INTER_LINEAR
        )[..., None]
        scan = scan * (1 - cover) + warped * cover
    if noise:
        scan += rng.normal(0, noise, scan.shape).astype(np.float32)
    return np.clip(scan, 0, 255).astype(np.uint8)


def layout(size: tuple[int, int], angles: list[float], *, gap: float = 0.04, seed: int = 0,
           fill: float = 0.8) -> list[Placed]:  # fmt: skip
    """Prints in a grid of cells across the scan, one per angle, each as large as its
    cell allows once turned; `gap` is the space between neighbouring prints as a
    fraction of the scan's width (0.002 is nearly touching)."""
    w, h = size
    rng = np.random.default_rng(seed)
    n = len(angles)
    cols = 2 if n > 1 else 1
    rows = math.ceil(n / cols)
    margin = 0.02 * w  # prints lie a little way in from the scanner's edges
    cell_w, cell_h = (w - 2 * margin) / cols, (h - 2 * margin) / rows
    placed = []
    for i, angle in enumerate(angles):
        r, c = divmod(i, cols)
        aspect = rng.uniform(0.65, 0.85)
        a = math.radians(abs(angle))
        # largest print of this aspect whose turned bounding box fits the cell less the gap
        room_w, room_h = cell_w - gap * w, cell_h - gap * w
        k = min(room_w / (math.cos(a) + aspect * math.sin(a)),
                room_h / (math.sin(a) + aspect * math.cos(a)))  # fmt: skip
        k *= fill
        pw, ph = int(k), int(k * aspect)
        centre = (margin + (c + 0.5) * cell_w, margin + (r + 0.5) * cell_h)
        placed.append(Placed(*centre, pw, ph, angle))
    return placed
