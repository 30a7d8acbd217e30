"""From a client's picture (sent, or fetched from its image_url) to a queued restoration."""

from __future__ import annotations

import hashlib
import io
import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from restorer import imaging, net
from restorer.api import keeping, states
from restorer.api.models import ApiTask
from restorer.models import QuotaCharge, Restoration, check_quota
from restorer.storage import delete_stored, random_name

log = logging.getLogger(__name__)

MAX_SIDE = 2048  # PicWish's limit, which clients written for it respect
ACCEPTED = {"JPEG", "PNG"}
API_FORMATS = "JPG, JPEG or PNG"
FETCH_CONNECT_TIMEOUT = 5.0


class _AlreadyStarted(Exception):
    pass


def max_bytes() -> int:
    """Files must be smaller than this (PicWish: less than 20 MB)."""
    return settings.API_MAX_FILE_SIZE


def accept_picture(task: ApiTask, data: bytes) -> Restoration | None:
    """Check the picture, keep it and start its restoration; None when it was refused.

    A refused picture fails the task with PicWish's state for it (-5 or -7).
    Raises restorer.models.QuotaExceeded, having kept nothing.
    """
    if len(data) >= max_bytes():
        task.fail_early(states.TOO_LARGE, f"The image is {len(data)} bytes; the limit is less "
                        f"than {max_bytes()} bytes.")  # fmt: skip
        return None
    try:
        info = imaging.inspect(io.BytesIO(data), max_pixels=settings.MAX_IMAGE_PIXELS)
    except imaging.ImageRejected as exc:
        # The gallery's reasons list the formats the gallery takes; the API takes fewer.
        reason = exc.reason.replace(imaging.ACCEPTED_LABEL, API_FORMATS)
        state = states.TOO_LARGE if exc.too_large else states.INVALID_IMAGE
        task.fail_early(state, f"The image file {reason}")
        return None
    if info.format not in ACCEPTED:
        task.fail_early(states.INVALID_IMAGE, f"The image must be a {API_FORMATS} file.")
        return None
    if info.width > MAX_SIDE or info.height > MAX_SIDE:
        task.fail_early(
            states.TOO_LARGE,
            f"The image is {info.width} x {info.height} pixels; at most {MAX_SIDE} x "
            f"{MAX_SIDE} is accepted.",
        )
        return None
    # Either way the monthly quota applies: PicWish restorations are charged as they start,
    # and a task on the embedded engine is charged here, once it has a restoration.
    engine = settings.RESTORER_PROVIDER != Restoration.Provider.PICWISH
    if engine:
        check_quota(task.key.owner)
    if task.key.album_code and keeping.keeper() is not None:
        try:
            with transaction.atomic():
                kept = _keep_in_album(task, data, info.extension)
                if kept is not None and engine:
                    _charge(task.key.owner, kept)
        except _AlreadyStarted:
            return None
        if kept is not None:
            return kept
    name = default_storage.save(random_name("api/inputs", info.extension), ContentFile(data))
    try:
        with transaction.atomic():
            restoration = Restoration.start(
                owner=task.key.owner,
                source_name=name,
                source_sha256=hashlib.sha256(data).hexdigest(),
                source_width=info.width,
                source_height=info.height,
                options=task.options,
            )
            linked = ApiTask.objects.filter(pk=task.pk, restoration__isnull=True).update(
                source=name, restoration=restoration
            )
            if not linked:  # another delivery of the same task got there first
                raise _AlreadyStarted
            if engine:
                _charge(task.key.owner, restoration)
    except _AlreadyStarted:
        delete_stored([name])
        return None
    except BaseException:
        delete_stored([name])
        raise
    task.source, task.restoration = name, restoration
    return restoration


def _charge(owner, restoration: Restoration) -> None:
    """Count an embedded-engine task in its owner's monthly quota, once (the check was made
    before anything was kept; a restoration charged already is not charged again)."""
    if not QuotaCharge.objects.filter(restoration=restoration).exists():
        QuotaCharge.objects.create(owner=owner, restoration=restoration)


def _keep_in_album(task: ApiTask, data: bytes, extension: str) -> Restoration | None:
    """The picture as a photo of the key's album (its files are the album's); None when
    the album is gone, and the task goes on as any other."""
    with transaction.atomic():
        restoration = keeping.keeper().keep(
            owner=task.key.owner,
            album_code=task.key.album_code,
            data=data,
            extension=extension,
            options=task.options,
        )
        if restoration is None:
            return None
        linked = ApiTask.objects.filter(pk=task.pk, restoration__isnull=True).update(
            restoration=restoration, kept_in_album=True
        )
        if not linked:
            raise _AlreadyStarted
    task.restoration, task.kept_in_album = restoration, True
    return restoration


def fetch_image(pk: int) -> None:
    """django-q2 task: download a task's image_url, then start its restoration.

    The URL is the client's, so it is untrusted: the same checks as PicWish's result
    URLs (public addresses only, every redirect hop checked, a byte limit), and 10 s in all.
    """
    from restorer.models import QuotaExceeded

    task = (
        ApiTask.objects.select_related("key__owner")
        .filter(pk=pk, restoration__isnull=True, failure_state__isnull=True, purged_at=None)
        .first()
    )
    if task is None or not task.image_url:
        return
    started = time.monotonic()
    try:
        data = net.fetch_result(
            task.image_url,
            max_bytes=max_bytes() - 1,
            allowed_hosts=settings.API_IMAGE_URL_ALLOWED_HOSTS,
            allowed_schemes=("http", "https"),
            timeout=(FETCH_CONNECT_TIMEOUT, settings.API_IMAGE_URL_TIMEOUT),
            total_timeout=settings.API_IMAGE_URL_TIMEOUT,
        )
    except net.TooLarge as exc:
        task.fail_early(states.TOO_LARGE, f"The image at image_url is too large: {exc}")
        return
    except net.NetError as exc:
        log.info("api task %s: image_url refused or failed: %s", task.task_id, exc)
        task.fail_early(states.DOWNLOAD_FAILED, f"The image_url could not be downloaded: {exc}")
        return
    elapsed_ms = int((time.monotonic() - started) * 1000)
    ApiTask.objects.filter(pk=task.pk).update(download_ms=elapsed_ms)
    # Another delivery of this task may have got there first.
    if ApiTask.objects.filter(pk=task.pk, restoration__isnull=True).exists():
        try:
            accept_picture(task, data)
        except QuotaExceeded as exc:
            task.fail_early(states.FAILED, exc.message)
