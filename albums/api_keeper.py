"""API results kept in an album, for keys whose owner asked for it (restorer/api/keeping.py)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Album, DuplicatePhoto
from restorer.models import QuotaExceeded


def album_choices(owner) -> list[tuple[str, str]]:
    return list(Album.objects.owned_by(owner).order_by("title").values_list("code", "title"))


def keep(*, owner, album_code: str, data: bytes, extension: str, options):
    album = Album.objects.owned_by(owner).filter(code=album_code).first()
    if album is None:
        return None
    upload = SimpleUploadedFile(f"API upload.{extension}", data)
    try:
        photo = album.add_photo(upload, options=options)
    except DuplicatePhoto as duplicate:
        version = duplicate.existing.restore(options)  # raises QuotaExceeded
    else:
        if getattr(photo, "restore_refusal", ""):
            raise QuotaExceeded(photo.restore_refusal)
        version = photo.latest_version
    return version.restoration if version is not None else None
