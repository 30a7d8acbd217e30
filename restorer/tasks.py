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

from restorer import clients, imaging, recovery
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
    if not recovery.claim(Restoration.objects.filter(state=State.QUEUED), pk):
        return  # done meanwhile, or a live worker is on it
    job = Restoration.objects.filter(pk=pk).first()
    if job is None:
        return
    with job_context(job):
        with recovery.heartbeat(Restoration, pk):
            ready = _prepare(job)
        if not ready:
            return
        log.info("restoration %s: input prepared, for %s", job.code, job.provider)
        if job.provider == Restoration.Provider.LOCAL:
            run_local(job.pk)
        else:
            kick_dispatcher()


def _prepare(job: Restoration) -> bool:
    """Make the job's input; True when it is ready for its provider. A repair by hand is
    done here and then, and is never sent on."""
    if job.repair_mask:
        _run_repair(job)
        return False
    if job.input_ready:
        return True
    try:
        job.prepare_input()
    except imaging.ImageRejected as exc:
        job.mark_failed("unreadable", f"This photo {exc.reason}", from_states=[State.QUEUED])
        return False
    except FileNotFoundError:
        job.mark_failed(
            "source_missing",
            "The original of this photo is no longer stored.",
            from_states=[State.QUEUED],
        )
        return False
    return True


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
    with recovery.heartbeat(Restoration, job.pk):
        _restore_locally(job)


def _restore_locally(job: Restoration) -> None:
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
            toning_removed=result.toning_removed,
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
        # PNG whatever the source: a JPEG would move every pixel outside the painted mask
        # a little, and a repair changes the painted pixels only
        buffer = io.BytesIO()
        Image.fromarray(repaired).save(buffer, "PNG", compress_level=3)
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
    """Make sure a dispatcher runs (a running one sees new work by itself). Where a
    cluster's supervisor is alive it starts one within a tick (restorer/supervisor.py);
    a task is queued only where none is."""
    if not Lease.held(LEASE_NAME) and not recovery.live_clusters():
        enqueue("restorer.tasks.dispatch", task_name=f"dispatch-{uuid.uuid4().hex[:8]}")


def dispatch() -> str:
    """Run the dispatcher for one window; hand over to a fresh task if work remains."""
    if recovery.live_clusters():
        return "a cluster's supervisor runs the dispatcher"  # restorer/supervisor.py
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not Lease.acquire(LEASE_NAME, holder, settings.RESTORER_LEASE_SECONDS):
        return "another dispatcher is running"
    limiter = clients.picwish_limiter()
    client = clients.picwish_client(limiter, throttled=False)  # the dispatcher paces
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
    if not recovery.claim(Restoration.objects.filter(state=State.DOWNLOADING), pk):
        return  # stored meanwhile, or a live worker is on it
    job = Restoration.objects.filter(pk=pk).first()
    if job is None:
        return
    with job_context(job), recovery.heartbeat(Restoration, pk):
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
    """Move on restorations whose task was lost or whose worker died.

    Run every few seconds by each cluster's supervisor thread (restorer/supervisor.py),
    and every minute by a django-q2 schedule; every move is a compare-and-set, so two
    runs at once move each row once.
    """
    now = timezone.now()
    moved = {"failed": 0, "requeued": 0}
    rows = Restoration.objects
    stalled = now - timedelta(seconds=settings.Q_TIMEOUT + 60)
    lost_after = timedelta(seconds=2 * settings.Q_RETRY)

    # A create was under way when its dispatcher died: it may have been paid for, so it
    # is not sent again blindly.
    interrupted = now - timedelta(seconds=settings.PICWISH_REQUEST_TIMEOUT + 60)
    for job in rows.interrupted_submissions(now, interrupted):
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

    # A worker died in the middle of a step: its heartbeat stopped.
    for job in rows.abandoned(now):
        moved[_recover(job)] += 1

    # A cluster died: the steps it had taken from the broker but not begun are gone.
    if recovery.dead_clusters(now):
        for job in rows.unclaimed_steps():
            recovery.requeue(_STEP[job.state], job.pk, "its cluster stopped")
            moved["requeued"] += 1
        for sweeper in recovery.other_sweepers():
            moved["requeued"] += sweeper(now, dead_cluster=True)
    for sweeper in recovery.other_sweepers():
        moved["requeued"] += sweeper(now, dead_cluster=False)

    # Rows from before heartbeats, or whose task never reached any broker.
    for job in rows.lost_downloads(now - lost_after):
        recovery.requeue("restorer.tasks.download", job.pk, "its download was lost")
        job.touch()
        moved["requeued"] += 1

    for job in rows.lost_preparations(now - lost_after):
        job.touch()
        recovery.requeue("restorer.tasks.prepare", job.pk, "its preparation was lost")
        moved["requeued"] += 1

    for job in rows.stalled(stalled):
        if job.attempts >= MAX_LOCAL_ATTEMPTS:
            moved["failed"] += job.mark_failed(
                "engine_stopped",
                "The restoration engine stopped several times on this photo.",
                from_states=[State.PROCESSING],
            )
        elif job.requeue_stalled():
            recovery.requeue("restorer.tasks.prepare", job.pk, "its worker stopped")
            moved["requeued"] += 1

    if has_work():
        kick_dispatcher()
    moved["api_purged"] = purge_expired(now)
    moved["failed"] += fail_lost_fetches(now)
    if any(moved.values()):
        log.warning("watchdog moved restorations on: %s", moved)
    return moved


# The task that carries a row on from each state its workers claim.
_STEP = {
    State.QUEUED: "restorer.tasks.prepare",
    State.PROCESSING: "restorer.tasks.prepare",
    State.DOWNLOADING: "restorer.tasks.download",
}
_STEP_NAMES = {
    State.QUEUED: "preparing this photo",
    State.PROCESSING: "restoring this photo",
    State.DOWNLOADING: "storing the restored photo",
}


def _recover(job: Restoration) -> str:
    """Queue again the step a dead worker left, or fail the row if that keeps happening."""
    with job_context(job):
        if job.recoveries >= recovery.MAX_RECOVERIES:
            failed = job.mark_failed(
                "worker_stopped",
                f"The worker {_STEP_NAMES[job.state]} stopped {job.recoveries + 1} times. "
                "Try again; if it happens again, tell the person who runs this site.",
                from_states=[job.state],
            )
            return "failed" if failed else "requeued"
        if not recovery.take_back(Restoration, job):
            return "requeued"  # another sweep got there first
        if job.state == State.PROCESSING and not job.requeue_stalled():
            return "requeued"
        recovery.requeue(_STEP[job.state], job.pk, f"its worker stopped {_STEP_NAMES[job.state]}")
        return "requeued"
