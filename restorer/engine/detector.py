"""The learned damage detector: a small U-Net in ONNX, run by onnxruntime on the CPU.

It maps a photo to a per-pixel probability of physical damage (dust, specks, hairs,
scratches, cracks, creases, tears, missing areas, heavy stains). The model was trained by
`restorer.engine.training.train` on clean photographs aged with varied synthetic damage;
`models/damage_unet.json` records the exact command, data and SHA-256 of the file.

Large photos are searched on a copy at most WORK_SIDE pixels across (in one pass: about
0.3 s and 200 MB), small ones on a copy enlarged to MIN_SIDE, and the probability is brought
back to full size.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import cv2
import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_PATH = MODEL_DIR / "damage_unet.onnx"
MANIFEST_PATH = MODEL_DIR / "damage_unet.json"
WORK_SIDE = 1024  # the detector looks at photos at most this many pixels across
# and at least this many: it learnt on photos 320 to 1,280 pixels across, and on a smaller
# scan a hairline is a fraction of the pixel it learnt it as
MIN_SIDE = 512
THRESHOLD = 0.5

_lock = threading.Lock()
_session = None


def network_input(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB H x W x 3 -> float32 3 x H x W: luma and the two chroma differences.

    The same function prepares training crops, so the model sees at run time exactly what
    it learnt on.
    """
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32) * (1.0 / 255.0)
    ycc[..., 1:] -= 0.5
    return np.ascontiguousarray(ycc.transpose(2, 0, 1))


def manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text())


def sha256_of_model() -> str:
    return hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()


def _get_session():
    global _session
    with _lock:
        if _session is None:
            import onnxruntime as ort

            expected = manifest()["sha256"]
            data = MODEL_PATH.read_bytes()
            if hashlib.sha256(data).hexdigest() != expected:
                raise RuntimeError(
                    f"{MODEL_PATH} does not match the SHA-256 in {MANIFEST_PATH.name}; "
                    "reinstall the project or retrain the model"
                )
            opts = ort.SessionOptions()
            # the worker restores one photo per core: the detector must not take the others
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            _session = ort.InferenceSession(
                data, sess_options=opts, providers=["CPUExecutionProvider"]
            )
        return _session


def _run(x: np.ndarray) -> np.ndarray:
    """Probability for a 3 x H x W input whose sides are multiples of 16."""
    sess = _get_session()
    logits = sess.run(None, {"image": x[None]})[0][0, 0]
    return 1.0 / (1.0 + np.exp(-logits))


def _pad16(x: np.ndarray) -> tuple[np.ndarray, int, int]:
    _, h, w = x.shape
    ph, pw = (-h) % 16, (-w) % 16
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, ph), (0, pw)), mode="reflect")
    return x, h, w


def probability_small(rgb: np.ndarray) -> np.ndarray:
    """Damage probability (float32, same size) of a photo already at working size."""
    h, w = rgb.shape[:2]
    x, _, _ = _pad16(network_input(rgb))
    return _run(x)[:h, :w].astype(np.float32)


def work_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The copy the detector looks at, and its scale (working pixels per full-size pixel)."""
    h, w = rgb.shape[:2]
    side = max(h, w)
    scale = min(1.0, WORK_SIDE / side) if side > MIN_SIDE else MIN_SIDE / side
    if scale == 1.0:
        return rgb, 1.0
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(rgb, size, interpolation=interpolation), scale


def probability(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Damage probability on the working copy of `rgb`, and that copy's scale."""
    small, scale = work_copy(rgb)
    return probability_small(small), scale


def available() -> bool:
    return MODEL_PATH.is_file() and MANIFEST_PATH.is_file()
