"""Colorization with an ONNX model that follows the contract in restorer/engine/colorize.py."""

from __future__ import annotations

import numpy as np
import pytest

from restorer.engine import restore
from restorer.engine.colorize import load_colorizer
from tests.engine import synth

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def _save(model, path):
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _tiny_colorizer(path, fixed: int | None = None):
    """a* = 0.4 (L - 50), b* = 30: warm light tones, cool shadows. Made on the spot."""
    dim = [1, 1, fixed, fixed] if fixed else [1, 1, "h", "w"]
    out_dim = [1, 2, fixed, fixed] if fixed else [1, 2, "h", "w"]
    inp = helper.make_tensor_value_info("L", TensorProto.FLOAT, dim)
    out = helper.make_tensor_value_info("ab", TensorProto.FLOAT, out_dim)
    consts = [
        helper.make_tensor("fifty", TensorProto.FLOAT, [], [50.0]),
        helper.make_tensor("gain", TensorProto.FLOAT, [], [0.4]),
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("thirty", TensorProto.FLOAT, [], [30.0]),
    ]
    nodes = [
        helper.make_node("Sub", ["L", "fifty"], ["centred"]),
        helper.make_node("Mul", ["centred", "gain"], ["a"]),
        helper.make_node("Mul", ["L", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "thirty"], ["b"]),
        helper.make_node("Concat", ["a", "b"], ["ab"], axis=1),
    ]
    graph = helper.make_graph(nodes, "tiny_colorizer", [inp], [out], initializer=consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return _save(model, path)


@pytest.fixture()
def bw_photo():
    grey = synth.make_clean("face", (128, 112), seed=9, monochrome=True)
    return np.clip(grey.astype(np.float32) * np.array([1.0, 0.92, 0.78]), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("fixed", [None, 64])
def test_a_black_and_white_photo_is_colorized_with_a_model(tmp_path, bw_photo, fixed):
    colorizer = load_colorizer(_tiny_colorizer(tmp_path / "c.onnx", fixed))
    result = restore(bw_photo, restoration_type=1, change_color=True, colorizer=colorizer)
    assert result.colorized is True
    assert result.image.shape == bw_photo.shape
    img = result.image.astype(int)
    assert (img[..., 0] - img[..., 2]).mean() > 15  # b* = 30 is a warm yellow
    assert any("colorized" in n for n in result.notes)
    assert not any("not colorized" in n for n in result.notes)


def test_the_colorizer_is_only_used_with_change_color(tmp_path, bw_photo):
    colorizer = load_colorizer(_tiny_colorizer(tmp_path / "c.onnx"))
    result = restore(bw_photo, restoration_type=1, change_color=False, colorizer=colorizer)
    assert result.colorized is False


def test_a_colour_photo_is_not_colorized(tmp_path):
    colorizer = load_colorizer(_tiny_colorizer(tmp_path / "c.onnx"))
    photo = synth.make_case(
        4, kind="landscape", level="light", size=(128, 128), monochrome=False
    ).degraded
    result = restore(photo, restoration_type=0, change_color=True, colorizer=colorizer)
    assert result.colorized is False


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_colorizer(tmp_path / "nothing.onnx")


def test_a_model_with_the_wrong_input_is_refused(tmp_path):
    inp = helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, "h", "w"])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, "h", "w"])
    graph = helper.make_graph([helper.make_node("Identity", ["rgb"], ["y"])], "g", [inp], [out])
    path = _save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), tmp_path / "bad.onnx"
    )
    with pytest.raises(ValueError, match=r"\(1, 1, H, W\)"):
        load_colorizer(path)


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="could not load"):
        load_colorizer(path)
