"""Optional colorization of black-and-white photos with an ONNX model (run by onnxruntime).

The engine never downloads a model: a site that wants colorization puts an ONNX file on disk and
passes `load_colorizer(path)` to `restore(..., colorizer=...)`.

Model contract (what a colorization model must look like to be used here)
-----------------------------------------------------------------------
- Exactly one input: float32, shape (1, 1, H, W) - the CIE L* channel of the photo in its
  natural range 0..100 (0 black, 100 white). H and W may be fixed in the model or dynamic;
  when dynamic the engine sends the photo with its longest side at `DEFAULT_SIDE` pixels
  (a multiple of 16, aspect ratio kept).
- First output: float32, shape (1, 2, H', W') - the CIE a* and b* channels, in their natural
  units (roughly -110..110; 0 is neutral). H' and W' may differ from H and W (for instance a
  quarter-resolution head): the engine resizes a*b* smoothly to the photo's full size.
- The engine keeps the photo's own full-resolution L*, so a model only predicts colour, never
  detail. Colour spaces follow OpenCV's float Lab conversion (D65 white, sRGB primaries).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

DEFAULT_SIDE = 256


class Colorizer:
    """A loaded colorization model. Use `load_colorizer` to make one."""

    def __init__(self, session, input_name: str, fixed_hw: tuple[int, int] | None):
        self._session = session
        self._input_name = input_name
        self._fixed_hw = fixed_hw

    def _model_size(self, h: int, w: int) -> tuple[int, int]:
        if self._fixed_hw is not None:
            return self._fixed_hw
        scale = DEFAULT_SIDE / max(h, w)
        return (max(16, int(round(h * scale / 16)) * 16), max(16, int(round(w * scale / 16)) * 16))

    def predict_ab(self, lightness: np.ndarray) -> np.ndarray:
        """a*b* (H x W x 2 float32) for a full-size L* image (H x W float32, 0..100)."""
        h, w = lightness.shape
        mh, mw = self._model_size(h, w)
        small = cv2.resize(lightness, (mw, mh), interpolation=cv2.INTER_AREA)
        outputs = self._session.run(None, {self._input_name: small[None, None].astype(np.float32)})
        ab = np.asarray(outputs[0], dtype=np.float32)
        if ab.ndim != 4 or ab.shape[0] != 1 or ab.shape[1] != 2:
            raise ValueError(
                f"the colorization model returned shape {ab.shape}; expected (1, 2, H, W)"
            )
        ab = np.transpose(ab[0], (1, 2, 0))
        ab = cv2.resize(ab, (w, h), interpolation=cv2.INTER_CUBIC)
        return np.clip(ab, -127.0, 127.0)

    def colorize(self, rgb: np.ndarray) -> np.ndarray:
        """Colorize a uint8 RGB photo (treated as black-and-white); returns uint8 RGB."""
        f = rgb.astype(np.float32) / 255.0
        lab = cv2.cvtColor(f, cv2.COLOR_RGB2Lab)
        ab = self.predict_ab(lab[..., 0])
        lab[..., 1:] = ab
        out = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
        return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)


def load_colorizer(path: str | os.PathLike, threads: int = 1) -> Colorizer:
    """Load an ONNX colorization model that follows the contract in this module's docstring.

    Raises ValueError when the file is missing or the model does not fit the contract.
    """
    import onnxruntime as ort

    p = Path(path)
    if not p.is_file():
        raise ValueError(f"colorization model not found: {p}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types for bad files
        raise ValueError(f"could not load the colorization model {p}: {exc}") from exc
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise ValueError(f"the colorization model must have one input, it has {len(inputs)}")
    shape = inputs[0].shape
    if len(shape) != 4 or shape[1] not in (1, "1"):
        raise ValueError(
            f"the colorization model's input has shape {shape}; expected (1, 1, H, W) L* values"
        )
    if "float" not in inputs[0].type or "16" in inputs[0].type:
        raise ValueError(f"the colorization model's input is {inputs[0].type}; expected float32")
    fixed = None
    if isinstance(shape[2], int) and isinstance(shape[3], int) and shape[2] > 0 and shape[3] > 0:
        fixed = (int(shape[2]), int(shape[3]))
    return Colorizer(session, inputs[0].name, fixed)
