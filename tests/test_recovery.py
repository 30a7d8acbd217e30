"""The recovery sweep (tasks.watchdog, run by every cluster's supervisor): work whose
worker's heartbeat stopped is queued again, a step abandoned too often is failed with a
message, live work is left alone, and a dead cluster's unclaimed work is queued again.

The tasks run inline here (sync_tasks); tests/test_worker_deaths.py does the same with
real processes and real SIGKILLs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from albums.models import Photo
from restorer import recovery, tasks
from restorer.models import Lease, Restoration
from tests import images
from tests.test_pipeline import fake, prepared  # noqa: F401 (fake is a fixture)

State = Restoration.State

pytestmark = pytest.mark.django_db


def downloading(owner, *, beat_seconds_ago: float, recoveries: int = 0) -> Restoration:
    """A finished PicWish task whose result waits, staged, for a worker to store it."""
    job = prepared(owner)
    staged = default_storage.save("restorations/incoming/t.bin", ContentFile(images.jpeg(320, 240)))
    Restoration.objects.filter(pk=job.pk).update(
        state=State.DOWNLOADING,
        remote_task_id="task-1",
        staged_result=staged,
        heartbeat_at=timezone.now() - timedelta(seconds=beat_seconds_ago),
        recoveries=recoveries,
    )
    return job


def test_a_download_whose_worker_died_is_stored_by_the_next_sweep(fake, alice, sync_tasks):  # noqa: F811
    job = downloading(alice, beat_seconds_ago=recovery.STALE_SECONDS + 5)
    moved = tasks.watchdog()
    job.refresh_from_db()
    assert job.state == State.DONE, (job.error_code, job.error_message)
    assert job.recoveries == 1 and moved["requeued"] == 1
    assert fake.create_count() == 0  # stored from what PicWish sent; nothing created


def test_work_with_a_live_heartbeat_is_left_alone(fake, alice, sync_tasks):  # noqa: F811
    job = downloading(alice, beat_seconds_ago=1)
    tasks.watchdog()
    job.refresh_from_db()
    assert job.state == State.DOWNLOADING and job.recoveries == 0


def test_a_step_abandoned_again_and_again_fails_with_a_message(fake, alice, sync_tasks):  # noqa: F811
    job = downloading(
        alice, beat_seconds_ago=recovery.STALE_SECONDS + 5, recoveries=recovery.MAX_RECOVERIES
    )
    tasks.watchdog()
    job.refresh_from_db()
    assert job.state == State.FAILED and job.error_code == "worker_stopped"
    assert "storing the restored photo stopped 4 times" in job.error_message


def test_a_create_whose_heartbeat_stopped_is_failed_and_never_sent_again(fake, alice):  # noqa: F811
    job = prepared(alice)
    Restoration.objects.filter(pk=job.pk).update(
        state=State.SUBMITTING, heartbeat_at=timezone.now() - timedelta(seconds=60)
    )
    tasks.watchdog()
    job.refresh_from_db()
    assert job.state == State.FAILED and job.error_code == "submit_interrupted"
    assert fake.create_count() == 0


def test_a_dead_clusters_unclaimed_previews_are_made(settings, alice, album, sync_tasks):
    settings.UPLOAD_INLINE_MAX_PIXELS = 0
    from django_q.conf import Conf

    Conf.SYNC = False  # the upload queues its previews; the dead cluster took them
    photo = album.add_photo(SimpleUploadedFile("a.jpg", images.jpeg(900, 700)))
    Conf.SYNC = True
    assert Photo.objects.get(pk=photo.pk).preparation == Photo.Preparation.PENDING
    tasks.watchdog()  # no dead cluster yet: the task may still be in a live queue
    assert Photo.objects.get(pk=photo.pk).preparation == Photo.Preparation.PENDING
    Lease.objects.create(
        name=recovery.CLUSTER_PREFIX + "gone", holder="host:1:gone", expires_at=timezone.now()
    )
    tasks.watchdog()
    photo.refresh_from_db()
    assert photo.preparation == Photo.Preparation.READY
    assert photo.display.name and photo.thumbnail.name
    assert not Lease.objects.filter(name__startswith=recovery.CLUSTER_PREFIX).exists()
