"""Face protection: areas where only unmistakable defects are repaired.

Faces are found by the frontal-face Haar cascade that OpenCV ships with its Python wheels
(`cv2.data.haarcascades`): no model is downloaded, ever. (That is why the project pins the
opencv-contrib-python-headless 4.x wheels: the 5.0 wheel ships no cascades, and OpenCV's
newer detector, FaceDetectorYN, needs a model file from the internet.) Should an installed
OpenCV lack the cascade, no face is found and the damage detector's own shape tests are all
that keeps eyes, catch-lights and teeth intact.
"""

from __future__ import annotations

import functools
import os

import cv2
import numpy as np

CASCADE_NAME = "haarcascade_frontalface_default.xml"
# faces worth protecting are large enough to be found on a copy this many pixels across
DETECT_SIDE = 512


@functools.lru_cache(maxsize=1)
def _cascade():
    folder = getattr(getattr(cv2, "data", None), "haarcascades", "") or ""
    path = os.path.join(folder, CASCADE_NAME)
    if not os.path.isfile(path):
        return None
    c = cv2.CascadeClassifier(path)
    return None if c.empty() else c


def available() -> bool:
    return _cascade() is not None


def face_mask(gray: np.ndarray) -> np.ndarray | None:
    """uint8 mask (255 = face, a little enlarged) for a uint8 grey preview, or None.

    The cascade looks at a copy at most DETECT_SIDE pixels on its longer side: faces worth
    protecting are at least a twentieth of the picture's shorter side, and the search costs
    as many times less as the copy has fewer pixels."""
    cascade = _cascade()
    if cascade is None:
        return None
    h, w = gray.shape
    f = min(1.0, DETECT_SIDE / max(h, w))
    small = gray if f >= 1.0 else cv2.resize(gray, (round(w * f), round(h * f)), cv2.INTER_AREA)
    side = min(small.shape)
    faces = cascade.detectMultiScale(small, 1.2, 4, minSize=(max(16, side // 20),) * 2)
    if len(faces) == 0:
        return None
    mask = np.zeros(gray.shape, np.uint8)
    for x, y, fw, fh in np.asarray(faces, np.float64) / f:
        cx, cy = x + fw / 2, y + fh / 2
        axes = (int(fw * 0.6), int(fh * 0.75))
        cv2.ellipse(mask, (int(cx), int(cy)), axes, 0, 0, 360, 255, -1)
    return mask
