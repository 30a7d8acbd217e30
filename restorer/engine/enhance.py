"""Grain removal, sharpening, local contrast and the Ultra HD upscale."""

from __future__ import annotations

import cv2
import numpy as np


def denoise_luma(
    y: np.ndarray, sigma: float, strength: float = 1.0, search: int = 11
) -> np.ndarray:
    """Reduce film grain in a uint8 luminance tile with non-local means, without painting.

    The filter strength follows the measured grain; a photo without grain (under 1.5 levels,
    which clean digital scans measure) is returned as is, so it keeps its fine texture.
    Non-local means run hot flattens skin to wax and wood to brush strokes, so the filter
    may move a pixel only as far as grain could have (twice its level), and a fifth of the
    grain is left: a photo keeps the texture of its film. On a large scan, where grain is as
    fine as its pixels, a smaller `search` window does as well in a third of the time.
    """
    if sigma < 1.5:
        return y
    h = float(np.clip(sigma * 1.1 * strength, 2.0, 30.0))
    den = cv2.fastNlMeansDenoising(y, None, h, 5, search)
    yf = y.astype(np.float32)
    limit = 2.0 * sigma
    # yf + 0.8 * clip(den - yf) + 0.5, in place
    step = den.astype(np.float32)
    del den
    step -= yf
    np.clip(step, -limit, limit, out=step)
    step *= 0.8
    step += yf
    del yf
    step += 0.5
    return np.clip(step, 0, 255, out=step).astype(np.uint8)


def smooth_chroma(ch: np.ndarray, sigma: float) -> np.ndarray:
    """Colour grain is coarse and the eye forgives soft colour: blur chroma by the grain level."""
    if sigma < 2.0:
        return ch
    s = float(np.clip(0.3 * sigma, 1.0, 4.0))
    return cv2.GaussianBlur(ch, (0, 0), s)


def unsharp(y: np.ndarray, amount: float, radius: float, threshold: float = 0.0) -> np.ndarray:
    """Unsharp mask on a float32 luminance; differences under `threshold` are left alone."""
    if amount <= 0:
        return y
    # y + amount * detail, with as few whole-size temporaries as can be: detail is made in
    # the blur's plane, the weight in one more, and the result in detail's
    detail = cv2.GaussianBlur(y, (0, 0), radius)
    np.subtract(y, detail, out=detail)
    if threshold > 0:
        weight = np.abs(detail)
        weight -= threshold
        weight /= max(threshold, 1e-3)
        np.clip(weight, 0.0, 1.0, out=weight)
        detail *= weight
        del weight
    detail *= amount
    detail += y
    return detail


def local_contrast(y: np.ndarray, clip: float = 1.6, mix: float = 0.5) -> np.ndarray:
    """CLAHE on a uint8 luminance, mixed with the original so it never looks posterised."""
    tiles = max(2, min(8, min(y.shape) // 96))
    clahe = cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles, tiles))
    eq = clahe.apply(y).astype(np.float32)
    return y.astype(np.float32) * (1 - mix) + eq * mix


def upscale(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Enlarge with detail enhancement rather than plain interpolation.

    Lanczos interpolation, then the luminance is split by an edge-aware guided filter into a
    base and a detail layer; edges are re-steepened by boosting the detail layer where it is
    above the grain, and strong edges steepened, which interpolation alone would leave soft.
    """
    h, w = rgb.shape[:2]
    size = (int(round(w * factor)), int(round(h * factor)))
    up = cv2.resize(rgb, size, interpolation=cv2.INTER_LANCZOS4)
    ycc = cv2.cvtColor(up, cv2.COLOR_RGB2YCrCb)
    del up
    y = ycc[..., 0].astype(np.float32)
    base = cv2.ximgproc.guidedFilter(y, y, max(2, int(round(factor * 2))), 60.0)
    # y = base + detail * (1 + 1.3 * clip((|detail| - 1) / 2, 0, 1)), in place: on a band of
    # Ultra HD each float plane is tens of megabytes
    detail = np.subtract(y, base, out=y)
    weight = np.abs(detail)
    weight -= 1.0
    weight /= 2.0
    np.clip(weight, 0.0, 1.0, out=weight)
    weight *= 1.3
    weight += 1.0
    detail *= weight
    del weight
    y = np.add(base, detail, out=detail)
    del base
    # the guided filter keeps strong edges in its base, so strokes of text and outlines gain
    # nothing above: steepen them by a modest unsharp mask at the enlargement's own scale
    y = unsharp(y, 0.5, 0.5 * factor, threshold=2.0)
    y += 0.5
    ycc[..., 0] = np.clip(y, 0, 255, out=y)
    del y
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB, dst=ycc)
