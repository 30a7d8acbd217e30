"""django-q2 tasks of the restoration pipeline.

django-q2 may deliver a task more than once: each task claims its row with a
conditional update first and does nothing when another delivery got there.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from restorer import clients, imaging
from restorer.api.retention import fail_lost_fetches, purge_expired
from restorer.dispatcher import LEASE_NAME, Dispatcher, has_work
from restorer.logs import job_context
from restorer.models import Lease, Restoration, delete_stored, enqueue
from restorer.providers.errors import ProviderError, ResultExpired
from restorer.providers.local import restore_picture
from restorer.providers.picwish import TaskStatus

log = logging.getLogger(__name__)
State = Restoration.State
MAX_LOCAL_ATTEMPTS = 3


def prepare(pk: int) -> None:
    """Make the prepared input, then hand the restoration to its provider."""
    job = Restoration.objects.filter(pk=pk, state=State.QUEUED).first()
    if job is None:
        return
    with job_context(job):
        _prepare(job)


def _prepare(job: Restoration) -> None:
    if job.repair_mask:
        _run_repair(job)
        return
    if not job.input_ready:
        try:
            job.prepare_input()
        except imaging.ImageRejected as exc:
            job.mark_failed("unreadable", f"This photo {exc.reason}", from_states=[State.QUEUED])
            return
        except FileNotFoundError:
            job.mark_failed(
                "source_missing",
                "The original of this photo is no longer stored.",
                from_states=[State.QUEUED],
            )
            return
    log.info("restoration %s: input prepared, for %s", job.code, job.provider)
    if job.provider == Restoration.Provider.LOCAL:
        run_local(job.pk)
    else:
        kick_dispatcher()


def run_local(pk: int) -> None:
    """Restore with the embedded engine, in this worker."""
    job = Restoration.objects.filter(pk=pk, state=State.QUEUED, input_ready=True).first()
    if job is None:
        return
    with job_context(job):
        _run_local(job)


def _run_local(job: Restoration) -> None:
    if not job.start_processing():
        return
    log.info("restoration %s: embedded engine, %s", job.code, job.options_label)
    last = {"at": 0.0, "progress": 0}

    def progress(percent: int) -> None:
        # A few writes per restoration, not one per step.
        now = time.monotonic()
        if percent - last["progress"] >= 5 and now - last["at"] >= 0.5:
            last.update(at=now, progress=percent)
            job.record_progress(percent)

    try:
        with default_storage.open(job.input.name, "rb") as handle:
            picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
        result = restore_picture(
            picture,
            job.options,
            progress=progress,
            colorizer=clients.colorizer(),
            max_pixels=settings.MAX_IMAGE_PIXELS,
            damage_detector=settings.RESTORER_DAMAGE_DETECTOR,
        )
        if job.store_result(
            result.content,
            from_state=State.PROCESSING,
            notes="\n".join(result.notes),
            colorized=result.colorized,
        ):
            log.info("restoration %s done", job.code)
    except Exception:
        log.exception("restoration %s: the embedded engine failed", job.code)
        job.mark_failed(
            "engine_error",
            "The restoration engine could not restore this photo. Try other options, or "
            "tell the person who runs this site.",
            from_states=[State.PROCESSING],
        )


def _run_repair(job: Restoration) -> None:
    """Paint out the person's mask with the embedded engine: a repair by hand.

    Works on the source itself (a finished version's result), at its size; no prepared
    copy is made and nothing goes to PicWish.
    """
    import io

    import numpy as np
    from PIL import Image

    from restorer import repairs

    if not job.start_processing():
        return
    log.info("restoration %s: repair by hand", job.code)
    try:
        with default_storage.open(job.source.name, "rb") as handle:
            picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
        with default_storage.open(job.repair_mask.name, "rb") as handle:
            painted = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
    except (FileNotFoundError, imaging.ImageRejected):
        job.mark_failed(
            "source_missing",
            "The version to repair is no longer stored, or cannot be read.",
            from_states=[State.PROCESSING],
        )
        return
    try:
        rgb = np.asarray(picture.convert("RGB"))
        mask = repairs.mask_for(np.asarray(painted.convert("L")), rgb.shape[1], rgb.shape[0])
        repaired = repairs.fill(rgb, mask)
        buffer = io.BytesIO()
        if job.source.name.lower().endswith(".png"):
            Image.fromarray(repaired).save(buffer, "PNG", compress_level=3)
        else:
            Image.fromarray(repaired).save(buffer, "JPEG", quality=95)
        share = 100.0 * np.count_nonzero(mask) / mask.size
        note = f"Repaired by hand: the painted {share:.2g}% of the picture was filled in."
        if job.store_result(
            buffer.getvalue(), from_state=State.PROCESSING, notes=note, colorized=False
        ):
            log.info("restoration %s done", job.code)
    except Exception:
        log.exception("restoration %s: the repair failed", job.code)
        job.mark_failed(
            "engine_error",
            "The engine could not repair this photo. Try a smaller area, or tell the "
            "person who runs this site.",
            from_states=[State.PROCESSING],
        )


def kick_dispatcher() -> None:
    """Make sure a dispatcher runs (a running one sees new work by itself)."""
    if not Lease.held(LEASE_NAME):
        enqueue("restorer.tasks.dispatch", task_name=f"dispatch-{uuid.uuid4().hex[:8]}")


def dispatch() -> str:
    """Run the dispatcher for one window; hand over to a fresh task if work remains."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not Lease.acquire(LEASE_NAME, holder, settings.RESTORER_LEASE_SECONDS):
        return "another dispatcher is running"
    limiter = clients.picwish_limiter()
    client = clients.picwish_client(throttled=False)  # the dispatcher paces its calls
    try:
        while True:
            outcome = Dispatcher(client, holder=holder, limiter=limiter).run()
            Lease.release(LEASE_NAME, holder)
            if outcome == "window" and has_work():
                kick_dispatcher()
                return outcome
            # Work may have arrived while this run was ending: look once more.
            if outcome == "idle" and has_work():
                if Lease.acquire(LEASE_NAME, holder, settings.RESTORER_LEASE_SECONDS):
                    continue
            return outcome
    finally:
        Lease.release(LEASE_NAME, holder)


def download(pk: int) -> None:
    """Fetch a finished result at once (its URL lives an hour), check it and store it."""
    job = Restoration.objects.filter(pk=pk, state=State.DOWNLOADING).first()
    if job is None:
        return
    with job_context(job):
        _download(job)


def _download(job: Restoration) -> None:
    try:
        if job.staged_result:
            with default_storage.open(job.staged_result, "rb") as handle:
                data = handle.read()
        else:
            client = clients.picwish_client()
            status = TaskStatus(task_id=job.remote_task_id, state=1, result_url=job.result_url)
            data = client.fetch_result(status)
    except ResultExpired:
        # Ask the status endpoint for a fresh URL: a poll, never a new task.
        log.info("restoration %s: result URL expired, refreshing it", job.code)
        if job.back_to_polling(delay=0):
            kick_dispatcher()
        return
    except ProviderError as exc:
        if exc.retryable and job.attempts < 5:
            if job.back_to_polling(delay=2.0**job.attempts, attempts=job.attempts + 1):
                kick_dispatcher()
            return
        job.mark_failed(exc.code, exc.message, from_states=[State.DOWNLOADING])
        return
    staged = job.staged_result
    try:
        stored = job.store_result(data, from_state=State.DOWNLOADING)
    except imaging.ImageRejected as exc:
        job.mark_failed(
            "invalid_result",
            f"The restored picture PicWish sent {exc.reason} Try again.",
            from_states=[State.DOWNLOADING],
        )
        stored = False
    if staged:
        delete_stored([staged])
    if stored:
        log.info("restoration %s done", job.code)


def watchdog() -> dict:
    """Move on restorations whose task was lost or whose worker died (every minute)."""
    now = timezone.now()
    moved = {"failed": 0, "requeued": 0}
    rows = Restoration.objects
    stalled = now - timedelta(seconds=settings.Q_TIMEOUT + 60)
    lost_after = timedelta(seconds=2 * settings.Q_RETRY)

    # A create was under way when its worker died: it may have been paid for, so it
    # is not sent again blindly.
    interrupted = now - timedelta(seconds=settings.PICWISH_REQUEST_TIMEOUT + 60)
    for job in rows.interrupted_submissions(interrupted):
        moved["failed"] += job.mark_failed(
            "submit_interrupted",
            "Sending this photo to PicWish was interrupted. To avoid paying twice it was not "
            "sent again; use “Try again” if no result appears.",
            from_states=[State.SUBMITTING],
        )

    overdue = now - timedelta(seconds=settings.PICWISH_POLL_TIMEOUT + 60)
    for job in rows.overdue(overdue):
        moved["failed"] += job.mark_failed(
            "deadline_exceeded",
            "PicWish did not finish this photo in time. Try again later.",
            from_states=[State.SUBMITTED],
        )

    for job in rows.lost_downloads(now - lost_after):
        with job_context(job):
            log.warning("restoration %s: its download was lost, queued again", job.code)
        enqueue("restorer.tasks.download", job.pk)
        moved["requeued"] += 1

    for job in rows.lost_preparations(now - lost_after):
        job.touch()
        with job_context(job):
            log.warning("restoration %s: its preparation was lost, queued again", job.code)
        enqueue("restorer.tasks.prepare", job.pk)
        moved["requeued"] += 1

    for job in rows.stalled(stalled):
        if job.attempts >= MAX_LOCAL_ATTEMPTS:
            moved["failed"] += job.mark_failed(
                "engine_stopped",
                "The restoration engine stopped several times on this photo.",
                from_states=[State.PROCESSING],
            )
        elif job.requeue_stalled():
            with job_context(job):
                log.warning("restoration %s: its worker stopped, queued again", job.code)
            enqueue("restorer.tasks.prepare", job.pk)
            moved["requeued"] += 1

    if has_work():
        kick_dispatcher()
    moved["api_purged"] = purge_expired(now)
    moved["failed"] += fail_lost_fetches(now)
    if any(moved.values()):
        log.warning("watchdog moved restorations on: %s", moved)
    return moved
