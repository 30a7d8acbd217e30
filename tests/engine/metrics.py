"""Image quality figures used by the tests and the benchmark (luminance PSNR and SSIM)."""

from __future__ import annotations

import cv2
import numpy as np


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of a uint8 (or float) RGB image as float64."""
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Luminance PSNR in dB between two RGB images, optionally only where `mask` is true."""
    d = luminance(a) - luminance(b)
    if mask is not None:
        if not mask.any():
            return float("nan")
        d = d[mask]
    mse = float(np.mean(d * d))
    return 99.0 if mse < 1e-10 else 10.0 * np.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean luminance SSIM (Gaussian window, sigma 1.5, as in Wang et al. 2004)."""
    x, y = luminance(a), luminance(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    num = (2 * mx * my + c1) * (2 * sxy + c2)
    den = (mx * mx + my * my + c1) * (sxx + syy + c2)
    return float(np.mean(num / den))
