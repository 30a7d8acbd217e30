"""Deleting what clients sent and got after API_RESULT_RETENTION (run by the watchdog)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from restorer.api.models import ApiTask
from restorer.models import Restoration
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
            names = [task.source] if task.source else []
            if job is not None and not task.kept_in_album:
                names += _files_only_this_job_uses(job)
                job.delete()
        transaction.on_commit(lambda names=names: delete_stored(names))
        purged += 1
    if purged:
        log.info("api: deleted the files of %d tasks past their retention time", purged)
    return purged


def _files_only_this_job_uses(job: Restoration) -> list[str]:
    """A later restoration of the same picture may reuse this result: then it keeps it."""
    if Restoration.objects.filter(reused_from=job).exists():
        return [name for name in (job.input.name, job.staged_result) if name]
    return job.stored_files()
