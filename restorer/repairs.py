"""The repair brush: a person's mask filled by the engine, and the engine's own mask to
start from. The engine's internals stay theirs: this module only calls `repair.fill`
and the detectors. No Django here.
"""

from __future__ import annotations

import cv2
import numpy as np

WIDE_RADIUS = 6  # a painted piece this many pixels thick (half-width) is an area, not a line


def mask_for(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """A painted mask (any size, nonzero or light = repair) as uint8 0/255 at `width` x
    `height`: a mask of another size is scaled to the picture."""
    if mask.ndim == 3:
        mask = mask.max(axis=2)
    binary = (mask > 127).astype(np.uint8) * 255
    if binary.shape != (height, width):
        binary = cv2.resize(binary, (width, height), interpolation=cv2.INTER_NEAREST)
    return binary


def fill(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`rgb` with exactly the pixels of `mask` (uint8 0/255, same size) painted out.

    Thin strokes follow the surrounding shading (Telea); thick painted areas are
    reconstructed from their surroundings first (the engine's wide fill). Every pixel
    outside the mask is the input's.
    """
    from restorer.engine import repair

    if not mask.any():
        return rgb
    dist = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 3)
    n, labels = cv2.connectedComponents((mask > 0).astype(np.uint8), connectivity=8)
    radius = np.zeros(n, np.float32)
    np.maximum.at(radius, labels.ravel(), dist.ravel())
    is_wide = radius >= WIDE_RADIUS
    is_wide[0] = False
    wide = is_wide[labels].astype(np.uint8) * 255
    out = repair.fill(rgb, mask, wide if wide.any() else None)
    keep = mask == 0
    out = out.copy() if out is rgb else out
    out[keep] = rgb[keep]  # nothing outside the painted mask moves
    return out


def damage_mask(rgb: np.ndarray, detector: str = "classical") -> np.ndarray:
    """What the engine takes for damage on `rgb` (uint8 RGB), as uint8 0/255 of the
    same size, found the way the chosen detector finds it when restoring."""
    from restorer.engine import analysis, damage, faces, repair
    from restorer.engine import detector as learned

    h, w = rgb.shape[:2]
    preview, _ = analysis.make_preview(rgb)
    face = faces.face_mask(analysis.luma_u8(preview))
    if detector == "learned" and learned.available():
        prob, scale = learned.probability(rgb)
        chosen = repair.select(prob, 2, scale, face).mask
        return cv2.resize(chosen, (w, h), interpolation=cv2.INTER_NEAREST)
    y = analysis.luma_u8(rgb)
    sigma = analysis.estimate_noise(rgb)
    protect = None
    if face is not None:
        protect = cv2.resize(face, (w, h), interpolation=cv2.INTER_NEAREST)
    mask, _ = damage.detect(y, 2, sigma * 0.35, max(h, w) / 512.0, protect)
    return mask
