"""Clean photographs that install from the package registries, split for training and judging.

Everything here is a real photograph (drawings, charts and star fields are left out: a star
field is white specks on black, which the detector must learn to call damage elsewhere):

- scikit-image (`skimage/data/`): astronaut, camera, chelsea, coffee, rocket, motorcycle
  (left and right views), brick, grass, gravel, coins, moon, page, text.
- scikit-learn (`sklearn/datasets/images/`): china, flower.
- matplotlib (`mpl-data/sample_data/`): grace_hopper.
- Debian's mate-backgrounds (`/usr/share/backgrounds/mate/nature/`): twelve nature photos.
- Debian's lomiri-wallpapers-16.04 and -20.04 (`/usr/share/backgrounds/`): thirteen photos
  (the packages' drawings and renders are left out).
- Debian's plasma-workspace-wallpapers (`/usr/share/wallpapers/NAME/contents/images/`): nine
  photos (the rest of the package is artwork).

The Debian packages are optional: training uses whichever of them are installed, and the
manifest names every photo it learnt from.

HELD_OUT are never trained on; the benchmark judges the engine on them. A person's own clean
photos can be added with `train --extra DIR`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

MATE_NATURE = Path("/usr/share/backgrounds/mate/nature")
LOMIRI = Path("/usr/share/backgrounds")
PLASMA = Path("/usr/share/wallpapers")

SKIMAGE = (
    "astronaut.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "motorcycle_left.png",
    "motorcycle_right.png",
    "brick.png",
    "grass.png",
    "gravel.png",
    "coins.png",
    "moon.png",
    "page.png",
    "text.png",
)
SKLEARN = ("china.jpg", "flower.jpg")
MATPLOTLIB = ("grace_hopper.jpg",)
MATE = (
    "Aqua.jpg",
    "Blinds.jpg",
    "Dune.jpg",
    "FreshFlower.jpg",
    "Garden.jpg",
    "GreenMeadow.jpg",
    "LadyBird.jpg",
    "RainDrops.jpg",
    "Storm.jpg",
    "TwoWings.jpg",
    "Wood.jpg",
    "YellowFlower.jpg",
)
# photographs only: Fossa, Infinite-Sea, Painting-Colors, analogpattern, free and umang in
# the same folder are drawings or renders
LOMIRI_PHOTOS = (
    "Bridge_by_Sander_Klootwijk.jpg",
    "Dragonfly_by_Bolly.jpg",
    "Kleiber_by_Lukas_Baubkus.jpg",
    "Picture_0B_by_freespace.jpg",
    "Picture_1A_by_freespace.jpg",
    "Wine_by_Jakkub_Mede.jpg",
    "aitzgorri_by_Aitzol_Berasategi.jpg",
    "friends_by_Aitzol_Berasategi.jpg",
    "greentock_by_Peter_Nerlich.jpg",
    "life_by_Aitzol_Berasategi.jpg",
    "picosdeeuropa_by_Aitzol_Berasategi.jpg",
    "seeding_by_Clements_Engelhardt.jpg",
    "sunset_by_Aitzol_Berasategi.jpg",
)
# (folder, image) of the photographs among Plasma's wallpapers
PLASMA_PHOTOS = (
    ("BytheWater", "2560x1600.jpg"),
    ("ColdRipple", "2560x1600.jpg"),
    ("ColorfulCups", "2560x1600.jpg"),
    ("EveningGlow", "2560x1600.jpg"),
    ("FallenLeaf", "2560x1600.jpg"),
    ("OneStandsOut", "2560x1600.jpg"),
    ("Path", "2560x1600.jpg"),
    ("Volna", "5120x2880.jpg"),
    ("summer_1am", "2560x1600.jpg"),
)
# a face, a still life, architecture with fine detail, a close-up on foliage, a landscape
HELD_OUT = ("astronaut", "coffee", "china", "LadyBird", "Storm")


@dataclass(frozen=True)
class Source:
    name: str  # the file's stem, e.g. "astronaut"
    path: Path
    package: str


def _package_dir(module: str, *parts: str) -> Path | None:
    try:
        mod = __import__(module, fromlist=["__file__"])
    except ImportError:
        return None
    return Path(os.path.dirname(mod.__file__), *parts)


def all_sources() -> list[Source]:
    """Every source photo that is installed here, in a fixed order."""
    found: list[Source] = []
    for package, folder, names in (
        ("scikit-image", _package_dir("skimage", "data"), SKIMAGE),
        ("scikit-learn", _package_dir("sklearn.datasets", "images"), SKLEARN),
        ("matplotlib", _package_dir("matplotlib", "mpl-data", "sample_data"), MATPLOTLIB),
        ("mate-backgrounds", MATE_NATURE, MATE),
    ):
        if folder is None:
            continue
        for name in names:
            path = folder / name
            if path.is_file():
                found.append(Source(Path(name).stem, path, package))
    for name in LOMIRI_PHOTOS:
        path = LOMIRI / name
        if path.is_file():
            found.append(Source(name.split("_by_")[0], path, "lomiri-wallpapers"))
    for folder, image in PLASMA_PHOTOS:
        path = PLASMA / folder / "contents" / "images" / image
        if path.is_file():
            found.append(Source(folder, path, "plasma-workspace-wallpapers"))
    return found


def training_sources(extra: Path | None = None) -> list[Source]:
    chosen = [s for s in all_sources() if s.name not in HELD_OUT]
    if extra is not None:
        for path in sorted(extra.iterdir()):
            if path.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"}:
                chosen.append(Source(path.stem, path, "extra"))
    return chosen


def held_out_sources() -> list[Source]:
    return [s for s in all_sources() if s.name in HELD_OUT]


def load_rgb(path: Path, max_side: int | None = None) -> np.ndarray:
    """uint8 RGB; greyscale sources become three equal channels."""
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read {path}")
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if max_side is not None and max(img.shape[:2]) > max_side:
        f = max_side / max(img.shape[:2])
        img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return img
