"""Names and clean-up of stored files, whichever storage backend is configured."""

from __future__ import annotations

import logging
import uuid

from django.core.files.storage import default_storage

log = logging.getLogger(__name__)


def random_name(folder: str, extension: str, suffix: str = "") -> str:
    """A new name under `folder`, random so nothing about the photo shows in it."""
    token = uuid.uuid4().hex
    return f"{folder}/{token[:2]}/{token}{suffix}.{extension}"


def delete_stored(names: list[str]) -> None:
    """Delete files, logging (not raising) what could not be deleted."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            log.exception("could not delete stored file %s", name)
