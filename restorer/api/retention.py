"""Deleting what clients sent and got after API_RESULT_RETENTION (run by the watchdog)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from restorer.api.models import ApiTask
from restorer.api.states import DOWNLOAD_FAILED
from restorer.storage import delete_stored

log = logging.getLogger(__name__)


def purge_expired(now=None, *, limit: int = 500) -> int:
    """Delete the files and restorations of tasks past the retention time; how many."""
    now = now or timezone.now()
    purged = 0
    for task in ApiTask.objects.past_retention(now).select_related("restoration")[:limit]:
        job = task.restoration
        if job is not None and not job.is_final:
            continue  # still running: deleted once it ends, at a later round
        with transaction.atomic():
            claimed = ApiTask.objects.filter(pk=task.pk, purged_at__isnull=True).update(
                purged_at=now, restoration=None
            )
            if not claimed:
                continue
            ApiTask.objects.filter(pk=task.pk).update(source="")
            names = [task.source] if task.source else []
            if job is not None and not task.kept_in_album:
                # Its own signal deletes its files, keeping a result another row reuses.
                job.delete()
        transaction.on_commit(lambda names=names: delete_stored(names))
        purged += 1
    if purged:
        log.info("api: deleted the files of %d tasks past their retention time", purged)
    return purged


def fail_lost_fetches(now=None) -> int:
    """image_url tasks no worker fetched in time (a worker died, the queue lost it)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.API_IMAGE_URL_TIMEOUT + 2 * settings.Q_RETRY)
    lost = ApiTask.objects.filter(
        created_at__lt=cutoff,
        restoration__isnull=True,
        failure_state__isnull=True,
        purged_at__isnull=True,
    ).exclude(image_url="")
    failed = 0
    for task in lost:
        task.fail_early(DOWNLOAD_FAILED, "The image_url was not downloaded in time; try again.")
        failed += 1
    return failed
