"""What every restoration provider shares: the options a person picks for a restoration."""

from __future__ import annotations

from dataclasses import dataclass

RESTORATION_TYPES = {0: "light", 1: "medium", 2: "severe"}
MODEL_TYPES = {1: "realistic restoration", 2: "smart enhancement", 3: "Ultra HD restoration"}


@dataclass(frozen=True)
class RestoreOptions:
    """How to restore a photo.

    ``restoration_type``: 0 light, 1 medium, 2 severe. ``model_type`` (1 realistic, 2 smart
    enhancement, 3 Ultra HD) applies only when ``restoration_type`` > 0. ``change_color``
    colorizes the photo.
    """

    restoration_type: int = 0
    model_type: int = 1
    change_color: bool = False

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
