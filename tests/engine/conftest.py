"""Shared helpers for the engine's tests: small generated pictures, no database."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine import synth

SIZE = (160, 160)


@pytest.fixture(scope="session")
def clean_pictures() -> dict[str, np.ndarray]:
    """One clean picture of each kind, in colour, 160 x 160."""
    return {kind: synth.make_clean(kind, SIZE, seed=11 + i) for i, kind in enumerate(synth.KINDS)}
