"""The copy of an original that members and link visitors download, made once.

An original is the owner's alone: exactly as uploaded, EXIF, GPS and all. Everyone
else gets it upright, re-encoded from the pixels, without metadata. Re-encoding a
100-megapixel scan takes seconds and a gigabyte of memory, so it is done the first
time somebody needs it, stored beside the original, and served from storage after
that; one request at a time makes it, the others are told to come back.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from albums.models import Photo
from restorer import imaging
from restorer.storage import delete_stored, random_name

MAKING_SECONDS = 300  # how long one request may hold the right to make a copy


class CopyInProgress(Exception):
    """Another request is making this photo's copy right now."""


def shared_copy(photo: Photo) -> str:
    """The storage name of the photo's shared copy, made now if there is none.

    Raises imaging.ImageRejected when the original cannot be read, and
    CopyInProgress while another request is making the copy.
    """
    if photo.shared_copy.name:
        return photo.shared_copy.name
    lock = f"albums:shared-copy:{photo.pk}"
    if not cache.add(lock, 1, MAKING_SECONDS):
        raise CopyInProgress
    try:
        with default_storage.open(photo.original.name, "rb") as handle:
            picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
        if photo.frame:  # others get the print or the edit, not the whole scan
            picture = photo.picture_frame().render_image(picture)
        content = imaging.upright_jpeg(picture).content
        del picture
        name = default_storage.save(random_name("shared", "jpg"), ContentFile(content))
        old = photo.shared_copy.name
        updated = Photo.objects.filter(pk=photo.pk, shared_copy=old).update(shared_copy=name)
        if not updated:  # the photo was deleted meanwhile, or another copy won
            delete_stored([name])
            photo.refresh_from_db(fields=["shared_copy"])
            if not photo.shared_copy.name:
                raise imaging.ImageRejected("was deleted.")
            return photo.shared_copy.name
        photo.shared_copy.name = name
        return name
    finally:
        cache.delete(lock)
