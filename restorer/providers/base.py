"""What every restoration provider shares: the options a person picks for a restoration."""

from __future__ import annotations

from dataclasses import dataclass

RESTORATION_TYPES = {0: "light", 1: "medium", 2: "severe"}
MODEL_TYPES = {1: "realistic restoration", 2: "smart enhancement", 3: "Ultra HD restoration"}


@dataclass(frozen=True)
class RestoreOptions:
    """How to restore a photo.

    ``restoration_type``: 0 light, 1 medium, 2 severe. ``model_type`` (1 realistic, 2 smart
    enhancement, 3 Ultra HD) applies only when ``restoration_type`` > 0: a light restoration's
    is always 1, whatever was asked, so equal options mean the same restoration.
    ``change_color`` colorizes the photo. ``remove_toning`` makes a sepia (or otherwise
    toned) black-and-white print neutral black and white; it does nothing to a colour photo
    nor to one that is colorized, and only the embedded engine can do it (PicWish has no
    such option: see restorer.models.Restoration.options_for).
    """

    restoration_type: int = 0
    model_type: int = 1
    change_color: bool = False
    remove_toning: bool = False

    def __post_init__(self) -> None:
        if type(self.restoration_type) is not int or self.restoration_type not in RESTORATION_TYPES:
            raise ValueError(
                f"restoration_type must be one of {sorted(RESTORATION_TYPES)}, "
                f"not {self.restoration_type!r}"
            )
        if type(self.model_type) is not int or self.model_type not in MODEL_TYPES:
            raise ValueError(
                f"model_type must be one of {sorted(MODEL_TYPES)}, not {self.model_type!r}"
            )
        if type(self.change_color) is not bool:
            raise ValueError(f"change_color must be True or False, not {self.change_color!r}")
        if type(self.remove_toning) is not bool:
            raise ValueError(f"remove_toning must be True or False, not {self.remove_toning!r}")
        if not self.uses_model:
            # Light damage has no model (PicWish ignores one): this is the one place that says so.
            object.__setattr__(self, "model_type", 1)

    @property
    def uses_model(self) -> bool:
        return self.restoration_type > 0

    @property
    def label(self) -> str:
        """What was asked for: 'Severe, smart enhancement, colorize'."""
        return self.describe()

    def describe(self, colorized: bool | None = None, toning_removed: bool | None = None) -> str:
        """The label of a result: "colorized" only when colour was added (`colorized`),
        "toning removed" only when a toned print was made neutral (`toning_removed`); while
        those are not known (None), they say what was asked for."""
        label = RESTORATION_TYPES[self.restoration_type].capitalize()
        if self.uses_model:
            label += f", {MODEL_TYPES[self.model_type]}"
        if colorized:
            label += ", colorized"
        elif self.change_color and colorized is None:
            label += ", colorize"
        if toning_removed:
            label += ", toning removed"
        elif self.remove_toning and toning_removed is None:
            label += ", remove toning"
        return label

    @classmethod
    def of(cls, stored) -> RestoreOptions:
        """The options a model keeps in fields of these names (an album, a restoration)."""
        return cls(
            restoration_type=stored.restoration_type,
            model_type=stored.model_type,
            change_color=stored.change_color,
            remove_toning=stored.remove_toning,
        )

    def fields(self) -> dict:
        """The options as the fields of a model that stores them."""
        return {
            "restoration_type": self.restoration_type,
            "model_type": self.model_type,
            "change_color": self.change_color,
            "remove_toning": self.remove_toning,
        }
