"""The embedded restoration engine: numpy, OpenCV and onnxruntime, no Django.

    from restorer.engine import restore, EngineResult
    result = restore(rgb_uint8, restoration_type=2, model_type=1, change_color=False)

Options mean what they mean at PicWish (see the project's picwish-api notes):
restoration_type 0 light (dust, specks, grain, faded tone, colour cast), 1 medium (also
scratches and creases), 2 severe (also cracks, tears, stains, missing corners); model_type 1
realistic, 2 smart enhancement, 3 Ultra HD (x2 within `max_pixels`), ignored for light;
change_color revives faded colour and colorizes black-and-white photos when a colorizer from
`restorer.engine.colorize.load_colorizer` is given. Nothing is ever downloaded.
"""

from .pipeline import MAX_PIXELS, EngineResult, restore

__all__ = ["MAX_PIXELS", "EngineResult", "restore"]
