"""Background work for albums (run by django-q2; every task is safe to run twice)."""

import logging

from django.conf import settings
from django.core.files.storage import default_storage

from albums.models import Photo
from restorer import imaging, recovery
from restorer.storage import delete_stored

log = logging.getLogger(__name__)


def make_renditions(photo_pk: int) -> None:
    """Thumbnail and display size for a picture too large to do in the upload request."""
    pending = Photo.objects.filter(preparation=Photo.Preparation.PENDING)
    if not recovery.claim(pending, photo_pk):
        return  # deleted meanwhile, done by an earlier delivery, or a live worker is on it
    photo = Photo.objects.filter(pk=photo_pk).first()
    if photo is None:
        return
    with recovery.heartbeat(Photo, photo_pk):
        _make_renditions(photo)


def _make_renditions(photo: Photo) -> None:
    try:
        with default_storage.open(photo.original.name, "rb") as handle:
            if photo.frame:  # a print of a scan, or an edit: made from the full picture
                picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
                picture = photo.picture_frame().render_image(picture)
            else:
                picture = imaging.load(
                    handle, max_pixels=settings.MAX_IMAGE_PIXELS, draft_side=imaging.DISPLAY_SIDE
                )
            thumbnail, display = imaging.renditions(picture)
            # Only a JPEG is decoded scaled down; any other picture is here upright at
            # full size, with an orientation the upload's header may not have shown.
            upright = picture.size if photo.mime_type != "image/jpeg" else None
            if photo.frame:
                upright = None
    except imaging.ImageRejected as exc:
        log.warning("photo %s unreadable: %s", photo.code, exc.reason)
        Photo.objects.filter(pk=photo.pk, preparation=Photo.Preparation.PENDING).update(
            preparation=Photo.Preparation.FAILED, error=f"This file {exc.reason}"[:500]
        )
        return
    saved: list[str] = []
    photo.set_renditions(thumbnail, display, saved)
    updated = Photo.objects.filter(pk=photo.pk, preparation=Photo.Preparation.PENDING).update(
        thumbnail=photo.thumbnail.name,
        thumbnail_width=photo.thumbnail_width,
        thumbnail_height=photo.thumbnail_height,
        display=photo.display.name,
        display_width=photo.display_width,
        display_height=photo.display_height,
        preparation=Photo.Preparation.READY,
        error="",
        **({"width": upright[0], "height": upright[1]} if upright else {}),
    )
    if not updated:  # a concurrent delivery won, or the photo was deleted
        delete_stored(saved)


def recover_renditions(now, *, dead_cluster: bool) -> int:
    """Queue again the renditions a dead worker left (restorer/recovery.py registers this)."""
    pending = Photo.objects.filter(preparation=Photo.Preparation.PENDING)
    moved = 0
    if dead_cluster:
        for pk in pending.filter(heartbeat_at__isnull=True).values_list("pk", flat=True):
            recovery.requeue("albums.tasks.make_renditions", pk, "its cluster stopped")
            moved += 1
        return moved
    for photo in pending.filter(recovery.abandoned(now)):
        if photo.recoveries >= recovery.MAX_RECOVERIES:
            moved += Photo.objects.filter(
                pk=photo.pk, preparation=Photo.Preparation.PENDING
            ).update(
                preparation=Photo.Preparation.FAILED,
                heartbeat_at=None,
                error=f"The worker making this photo's previews stopped {photo.recoveries + 1} "
                "times on it. Delete it and upload it again, or tell the person who runs "
                "this site.",
            )
            log.warning("photo %s: previews abandoned too often, marked failed", photo.code)
        elif recovery.take_back(Photo, photo):
            recovery.requeue("albums.tasks.make_renditions", photo.pk, "its worker stopped")
            moved += 1
    return moved
