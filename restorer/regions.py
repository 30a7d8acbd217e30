"""Frames: which part of a stored picture a photo shows, turned how.

A frame is an affine map from the photo's pixels to the stored picture's (upright)
pixels, and the photo's size. A print found on a flatbed scan, a crop, a quarter turn
and a straightened horizon are all frames, so the scan is stored once and every edit
is a few numbers: the picture is made from the stored file when it is needed, and the
stored file never changes. No Django here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

MAX_STRAIGHTEN = 45.0
MIN_SIDE = 8  # a crop smaller than this many pixels across is no picture


class FrameError(ValueError):
    """An edit that makes no picture; the message is for the person."""


@dataclass(frozen=True)
class Frame:
    # photo (x, y) -> stored picture (a x + b y + c, d x + e y + f), in continuous
    # coordinates whose pixel (0, 0) spans [0, 1) x [0, 1)
    matrix: tuple[float, float, float, float, float, float]
    width: int
    height: int

    @classmethod
    def whole(cls, width: int, height: int) -> Frame:
        return cls((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), int(width), int(height))

    @classmethod
    def of_print(cls, cx: float, cy: float, width: float, height: float, angle: float) -> Frame:
        """A print `width` x `height` centred on (cx, cy), turned `angle` degrees
        counterclockwise on the scan: the photo shows it upright."""
        a = math.radians(angle)
        cos, sin = math.cos(a), math.sin(a)
        w, h = round(width), round(height)
        # the print's own x axis runs (cos, -sin) on the scan, its y axis (sin, cos)
        c = cx - (w / 2) * cos - (h / 2) * sin
        f = cy + (w / 2) * sin - (h / 2) * cos
        return cls((cos, sin, c, -sin, cos, f), w, h)

    @classmethod
    def from_json(cls, data: dict | None, width: int, height: int) -> Frame:
        if not data:
            return cls.whole(width, height)
        return cls(tuple(float(v) for v in data["matrix"]), int(data["width"]), int(data["height"]))

    def to_json(self) -> dict:
        return {"matrix": [round(v, 9) for v in self.matrix], "width": self.width,
                "height": self.height}  # fmt: skip

    @property
    def is_whole(self) -> bool:
        return self.matrix == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)

    def _m3(self) -> np.ndarray:
        a, b, c, d, e, f = self.matrix
        return np.array([[a, b, c], [d, e, f], [0, 0, 1]], float)

    def corners(self) -> np.ndarray:
        """The photo's four corners on the stored picture (top left, clockwise)."""
        w, h = self.width, self.height
        pts = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], float).T
        return (self._m3() @ pts)[:2].T

    def edited(self, rotate: int = 0, straighten: float = 0.0, crop=None) -> Frame:
        """This frame turned `rotate` degrees clockwise (a quarter turn at a time), then
        `straighten` degrees clockwise about its centre, then cropped to `crop`
        = (x, y, w, h) as fractions of that picture; no crop after straightening keeps
        the largest centred part with the same proportions and no empty corner.

        Raises FrameError for an angle out of range or a crop outside the picture.
        """
        if rotate not in (0, 90, 180, 270):
            raise FrameError("Rotate by 0, 90, 180 or 270 degrees.")
        if not math.isfinite(straighten) or abs(straighten) > MAX_STRAIGHTEN:
            raise FrameError(
                f"Straighten by at most {MAX_STRAIGHTEN:g} degrees either way (not {straighten:g})."
            )
        m = self._m3()
        w, h = self.width, self.height
        for _ in range(rotate // 90):
            # a quarter turn clockwise: the turned picture's (x, y) is the old (y, h - x)
            m = m @ np.array([[0, 1, 0], [-1, 0, h], [0, 0, 1]], float)
            w, h = h, w
        if straighten:
            t = math.radians(straighten)
            cos, sin = math.cos(t), math.sin(t)
            # canvas point q shows picture point c + R(-t)(q - c)
            cx, cy = w / 2, h / 2
            turn = np.array([[cos, sin, 0], [-sin, cos, 0], [0, 0, 1]], float)
            m = m @ _shift(cx, cy) @ turn @ _shift(-cx, -cy)
            if crop is None:
                crop = inscribed_crop(w, h, straighten)
        if crop is None:
            crop = (0.0, 0.0, 1.0, 1.0)
        x, y, cw, ch = _checked_crop(crop)
        out_w, out_h = round(cw * w), round(ch * h)
        if out_w < MIN_SIDE or out_h < MIN_SIDE:
            raise FrameError("The crop is too small: keep at least a few pixels of the photo.")
        m = m @ _shift(x * w, y * h)
        return Frame(tuple(float(v) for v in m[:2].ravel()), out_w, out_h)

    def render(self, picture: Image.Image | np.ndarray) -> np.ndarray:
        """The photo as a uint8 array, made from the stored picture."""
        rgb = np.asarray(picture) if isinstance(picture, Image.Image) else picture
        if self.is_whole and rgb.shape[1] == self.width and rgb.shape[0] == self.height:
            return rgb
        # cv2 samples at pixel centres: centre (x, y) is continuous (x + .5, y + .5)
        m = _shift(-0.5, -0.5) @ self._m3() @ _shift(0.5, 0.5)
        quarter = np.allclose(m[:2, :2], np.round(m[:2, :2])) and np.allclose(
            m[:2, 2], np.round(m[:2, 2])
        )
        return cv2.warpAffine(
            rgb,
            m[:2],
            (self.width, self.height),
            flags=(cv2.INTER_NEAREST if quarter else cv2.INTER_LINEAR) | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

    def render_image(self, picture: Image.Image) -> Image.Image:
        if self.is_whole and picture.size == (self.width, self.height):
            return picture
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        return Image.fromarray(self.render(picture))


def _shift(dx: float, dy: float) -> np.ndarray:
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], float)


def _checked_crop(crop) -> tuple[float, float, float, float]:
    try:
        x, y, w, h = (float(v) for v in crop)
    except (TypeError, ValueError):
        raise FrameError("Give the crop as x,y,w,h: four fractions of the picture.") from None
    eps = 1e-6
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise FrameError("Give the crop as x,y,w,h: four fractions of the picture.")
    if w <= 0 or h <= 0:
        raise FrameError("The crop must have a width and a height.")
    if x < -eps or y < -eps or x + w > 1 + eps or y + h > 1 + eps:
        raise FrameError(
            "The crop goes outside the picture: x and y from 0, x + w and y + h at most 1."
        )
    x, y = max(0.0, x), max(0.0, y)
    return x, y, min(w, 1 - x), min(h, 1 - y)


def inscribed_crop(width: int, height: int, degrees: float) -> tuple[float, float, float, float]:
    """The largest centred crop of the picture's proportions that a picture of this
    size, turned by `degrees`, fills without empty corners (as fractions)."""
    t = math.radians(abs(degrees))
    cos, sin = math.cos(t), math.sin(t)
    f = min(width / (width * cos + height * sin), height / (width * sin + height * cos))
    return ((1 - f) / 2, (1 - f) / 2, f, f)


def parse_crop(text: str) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise FrameError("Give the crop as x,y,w,h: four fractions of the picture.")
    return _checked_crop(parts)
