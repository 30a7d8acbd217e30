"""The `local` provider: the embedded engine behind the same options as PicWish.

Runs in the worker that asks for it, on the prepared input, and gives back a
JPEG and the engine's notes for the person (for example, that a black-and-white
photo was not colorized). No Django here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from restorer.providers.base import RestoreOptions


@dataclass(frozen=True)
class LocalResult:
    content: bytes
    notes: list[str]
    colorized: bool = False
    toning_removed: bool = False


def restore_picture(
    picture: Image.Image,
    options: RestoreOptions,
    *,
    progress: Callable[[int], None] | None = None,
    colorizer=None,
    max_pixels: int = 100_000_000,
    damage_detector: str = "classical",
) -> LocalResult:
    from restorer.engine import restore

    rgb = np.asarray(picture.convert("RGB"))
    result = restore(
        rgb,
        restoration_type=options.restoration_type,
        model_type=options.model_type,
        change_color=options.change_color,
        remove_toning=options.remove_toning,
        colorizer=colorizer,
        progress=progress,
        max_pixels=max_pixels,
        damage_detector=damage_detector,
    )
    buffer = io.BytesIO()
    Image.fromarray(result.image).save(buffer, "JPEG", quality=94, optimize=True)
    notes = list(result.notes)
    if options.remove_toning and not result.toning_removed and not result.colorized:
        # asked for, but the engine found no toned black-and-white print to make neutral
        notes.append(
            "No toning was removed: this was taken for a colour photo, and its colours were kept."
        )
    elif options.remove_toning and result.colorized:
        notes.append("Colour was added, so removing the toning did not apply.")
    return LocalResult(buffer.getvalue(), notes, result.colorized, result.toning_removed)
