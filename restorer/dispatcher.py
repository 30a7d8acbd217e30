"""The dispatcher: the one place that calls PicWish's API for the pipeline.

PicWish allows a few requests per second per key, polls included, and a task
takes seconds. So instead of a worker per photo sleeping in a poll loop, one
dispatcher at a time (held by a database lease, so any worker machine can run
it) walks every restoration in flight:

- a poll is made when a task is expected to be finished: the first at the
  typical duration of recent tasks, later ones from the progress PicWish
  reports (progress p% after t seconds: about t x (100 - p) / p to go);
- new photos are submitted first; once polls are more than POLL_GRACE late, polls
  and submissions take turns, so neither waits for the other's whole backlog;
- every call waits for its slot in the shared budget (ratelimit.py), a 429
  pushes that budget back, 5xx and network errors back off per restoration,
  and a refused key or missing credits stop all submissions (ProviderHold).

Downloading and storing results is CPU and network work for ordinary workers
(tasks.download), so the dispatcher only ever waits on the API.

Never paying twice: a restoration is claimed (queued -> submitting) before its
create call, and its task id is written (submitting -> submitted) the moment the
call returns. A dispatcher killed in between leaves the row in "submitting" with
a heartbeat that stops, which the recovery sweep marks failed; nothing ever creates
again on its own.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Min
from django.utils import timezone

from restorer import recovery
from restorer.logs import job_context
from restorer.models import Lease, ProviderHold, Restoration, delete_stored, enqueue
from restorer.providers.errors import (
    CreateOutcomeUnknown,
    MalformedResponse,
    ProviderError,
    RateLimited,
)
from restorer.providers.picwish import PicWishClient, TaskStatus

log = logging.getLogger(__name__)

LEASE_NAME = "picwish-dispatcher"
IDLE_TICK = 0.25  # seconds between looks for new work while waiting
MAX_SUBMIT_ATTEMPTS = 6
MAX_MALFORMED_ANSWERS = 3  # status answers in a row that cannot be understood
MAX_BACKOFF = 60.0
ESTIMATE_REFRESH = 20.0  # seconds between re-reads of recent task durations
POLL_GRACE = timedelta(seconds=20)  # how late polls may be before they take turns with sends

State = Restoration.State


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Seconds before trying again: what the provider asked, else doubling from the
    poll interval (1, 2, 4 … 60 s with the default interval)."""
    if retry_after:
        return min(max(retry_after, 0.5), MAX_BACKOFF)
    return min(settings.PICWISH_POLL_INTERVAL * 2.0 ** max(attempt - 1, 0), MAX_BACKOFF)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


class DurationEstimate:
    """How long PicWish takes, learned from the last finished tasks."""

    def __init__(self, default: float):
        self.default = default
        self.value = default
        self.read_at = -math.inf

    def seconds(self) -> float:
        if time.monotonic() - self.read_at > ESTIMATE_REFRESH:
            recent = Restoration.objects.recent_remote_seconds(40)
            # Most tasks are done by the first poll; the rest get one more, soon after.
            self.value = percentile(recent, 0.8) if len(recent) >= 3 else self.default
            self.read_at = time.monotonic()
        return self.value


def remote_duration(status: TaskStatus, observed: float) -> float:
    """The task's duration by PicWish's own clock when it is plausible, else as we saw it."""
    if status.created_at and status.completed_at:
        reported = status.completed_at - status.created_at
        if 0 < reported < 3600:
            return min(reported, observed)
    return observed


class Dispatcher:
    def __init__(
        self,
        client: PicWishClient,
        *,
        holder: str,
        limiter=None,
        run_seconds: float | None = None,
        sleep=time.sleep,
        stop: threading.Event | None = None,
    ):
        if client.throttle is not None:
            raise ValueError(
                "the dispatcher paces its calls itself: give it a client without throttle"
            )
        self.client = client
        self.limiter = limiter
        self.holder = holder
        self.sleep = sleep
        self.stop = stop
        seconds = settings.RESTORER_DISPATCH_SECONDS if run_seconds is None else run_seconds
        self.stop_at = time.monotonic() + seconds
        self.lease_seconds = settings.RESTORER_LEASE_SECONDS
        self.renewed_at = time.monotonic()
        self.estimate = DurationEstimate(settings.PICWISH_FIRST_POLL)
        self.calls = 0
        self.polled_last = False  # whether the last step was a poll (for the turns)

    # --- the loop ----------------------------------------------------------------------

    def run(self) -> str:
        """Work until the run's time is up ("window"), nothing is left ("idle"),
        submissions are on hold ("held"), the lease was lost ("lost") or the worker
        is stopping ("stopped")."""
        while time.monotonic() < self.stop_at:
            if self.stop is not None and self.stop.is_set():
                return "stopped"
            if not self._keep_lease():
                return "lost"
            if ProviderHold.current() is not None:
                return "held"
            now = timezone.now()
            due = Restoration.objects.polls_due(now).first()
            new = Restoration.objects.submittable(now).order_by("created_at", "pk").first()
            # A waiting photo goes first: PicWish then works on more photos at once, a
            # poll made a little later finds its task finished (one poll per photo), and
            # the batch does not end on the latency of tasks sent last. Polls long overdue
            # take turns with the photos waiting: given precedence they would hold every
            # send back until their backlog, as long as the sends that made it, was gone.
            # A result stays downloadable for an hour.
            overdue = due is not None and due.next_action_at <= now - POLL_GRACE
            if due is not None and (new is None or (overdue and not self.polled_last)):
                self.polled_last = True
                self._handle(self.poll, due)
                continue
            if new is not None:
                self.polled_last = False
                self._handle(self.submit, new)
                continue
            wait = self._seconds_to_next_event(now)
            if wait is None:
                return "idle"
            self.sleep(min(max(wait, 0.01), IDLE_TICK))
        return "window"

    def _handle(self, step, job: Restoration) -> None:
        """One poll or submission. Whatever PicWish answered, an answer this code did not
        foresee fails this photo alone: the dispatcher goes on with every other."""
        with job_context(job):
            try:
                step(job)
            except Exception as exc:
                log.exception("restoration %s: the dispatcher could not handle it", job.code)
                failed = job.mark_failed(
                    "unexpected_answer",
                    "PicWish's answer for this photo could not be handled, so it was stopped "
                    "here. Try again; if it happens again, tell the person who runs this site.",
                    from_states=[State.QUEUED, State.SUBMITTING, State.SUBMITTED],
                )
                if not failed:  # never spin on the same row
                    Restoration.objects.filter(pk=job.pk).update(
                        next_action_at=timezone.now() + timedelta(seconds=MAX_BACKOFF)
                    )
                log.error("restoration %s stopped after %s", job.code, type(exc).__name__)

    def _keep_lease(self) -> bool:
        if time.monotonic() - self.renewed_at < self.lease_seconds / 3:
            return True
        self.renewed_at = time.monotonic()
        return Lease.acquire(LEASE_NAME, self.holder, self.lease_seconds)

    def _seconds_to_next_event(self, now) -> float | None:
        """Until the next due poll or retry; None when nothing is in flight."""
        in_flight = Restoration.objects.for_dispatcher()
        waiting = in_flight.exclude(state=State.SUBMITTING).aggregate(
            earliest=Min("next_action_at")
        )["earliest"]
        if waiting is None:
            if in_flight.exclude(state=State.QUEUED).exists():
                return 1.0
            return None
        return (waiting - now).total_seconds()

    # --- submitting --------------------------------------------------------------------

    def submit(self, job: Restoration) -> None:
        try:
            with default_storage.open(job.input.name, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            job.mark_failed(
                "input_missing",
                "The prepared copy of this photo is missing. Try again to prepare it anew.",
                from_states=[State.QUEUED],
            )
            log.error("restoration %s: cannot read its input: %s", job.code, exc)
            return
        # The slot first, the claim after: "submitting" then covers the create call
        # alone, so a worker that dies while waiting leaves the photo queued, not failed.
        self._wait_turn()
        if not job.start_submitting():
            return
        # The row's heartbeat says the create call is alive however long it takes; once
        # it stops, the sweep knows the call died with its worker.
        with recovery.heartbeat(Restoration, job.pk):
            self._create(job, data)

    def _create(self, job: Restoration, data: bytes) -> None:
        try:
            task_id = self.client.create_task(
                data, filename=f"{job.code}.jpg", content_type="image/jpeg", options=job.options
            )
        except CreateOutcomeUnknown as exc:
            self._count_call(job)
            job.mark_failed(exc.code, exc.message, from_states=[State.SUBMITTING])
            return
        except ProviderError as exc:
            self._count_call(job)
            self._submit_failed(job, exc)
            return
        # Written before anything else can happen: this id is what was paid for.
        claimed = job.mark_submitted(task_id, first_poll_in=self.estimate.seconds())
        self.calls += 1
        if not claimed:
            log.error("restoration %s vanished after PicWish task %s was created", job.pk, task_id)
        else:
            log.info("restoration %s submitted as PicWish task %s", job.code, task_id)

    def _submit_failed(self, job: Restoration, exc: ProviderError) -> None:
        if exc.stops_submissions:
            ProviderHold.place(exc.code, exc.message)
            job.requeue()
            return
        if isinstance(exc, RateLimited) and self.limiter is not None:
            self.limiter.pause(exc.retry_after or 1.0)
        attempts = job.attempts + 1
        if exc.retryable and attempts < MAX_SUBMIT_ATTEMPTS:
            delay = backoff(attempts, exc.retry_after)
            job.requeue(delay=delay, attempts=attempts, error_code=exc.code)
            log.warning("restoration %s: create %s, again in %.1fs", job.code, exc.code, delay)
            return
        job.mark_failed(exc.code, exc.message, from_states=[State.SUBMITTING])

    # --- polling -----------------------------------------------------------------------

    def poll(self, job: Restoration) -> None:
        now = timezone.now()
        elapsed = (now - job.submitted_at).total_seconds() if job.submitted_at else 0.0
        if elapsed > settings.PICWISH_POLL_TIMEOUT:
            minutes = settings.PICWISH_POLL_TIMEOUT / 60
            job.mark_failed(
                "deadline_exceeded",
                f"PicWish did not finish this photo within {minutes:g} minutes. Try again later.",
                from_states=[State.SUBMITTED],
            )
            return
        self._wait_turn()
        try:
            status = self.client.get_task(job.remote_task_id)
        except ProviderError as exc:
            self._count_call(job)
            self._poll_failed(job, exc)
            return
        self._count_call(job)
        if status.is_pending:
            self._pending(job, status, elapsed)
        elif status.is_failed:
            failure = status.failure()
            job.mark_failed(failure.code, failure.message, from_states=[State.SUBMITTED])
        else:
            self._finished(job, status, elapsed)

    def _pending(self, job: Restoration, status: TaskStatus, elapsed: float) -> None:
        progress = status.progress
        if 0 < progress < 100 and elapsed > 0:
            delay = elapsed * (100 - progress) / progress
        else:
            delay = settings.PICWISH_POLL_INTERVAL
        delay = min(max(delay, settings.PICWISH_POLL_INTERVAL), 15.0)
        job.record_progress(progress, next_poll_in=delay)

    def _finished(self, job: Restoration, status: TaskStatus, elapsed: float) -> None:
        fields = {"remote_seconds": remote_duration(status, elapsed)}
        if status.result_base64:
            # The picture came inside the answer: keep it for a worker to check and store.
            try:
                data = self.client.fetch_result(status)
            except ProviderError as exc:
                job.mark_failed(exc.code, exc.message, from_states=[State.SUBMITTED])
                return
            name = default_storage.save(
                f"restorations/incoming/{job.code}-{int(time.time())}.bin", ContentFile(data)
            )
            fields["staged_result"] = name
        elif status.result_url:
            fields["result_url"] = status.result_url
        else:
            job.mark_failed(
                "invalid_result",
                "PicWish said the photo was restored but sent no picture. Try again.",
                from_states=[State.SUBMITTED],
            )
            return
        if job.start_downloading(**fields):
            enqueue("restorer.tasks.download", job.pk, task_name=f"download-{job.code}")
        elif fields.get("staged_result"):
            delete_stored([fields["staged_result"]])

    def _poll_failed(self, job: Restoration, exc: ProviderError) -> None:
        if exc.stops_submissions:
            ProviderHold.place(exc.code, exc.message)
            job.poll_later(30)
            return
        if isinstance(exc, RateLimited) and self.limiter is not None:
            self.limiter.pause(exc.retry_after or 1.0)
        if isinstance(exc, MalformedResponse) and job.attempts + 1 >= MAX_MALFORMED_ANSWERS:
            job.mark_failed(
                "malformed_response",
                f"PicWish answered {MAX_MALFORMED_ANSWERS} times in a row with something that "
                "could not be understood, so this photo was stopped. Try again later.",
                from_states=[State.SUBMITTED],
            )
            return
        if exc.retryable:
            attempts = job.attempts + 1
            delay = backoff(attempts, exc.retry_after)
            job.poll_later(delay, attempts=attempts)
            log.warning("restoration %s: poll %s, again in %.1fs", job.code, exc.code, delay)
            return
        job.mark_failed(exc.code, exc.message, from_states=[State.SUBMITTED])

    def _wait_turn(self) -> None:
        """Wait for this call's slot in the budget every process shares."""
        if self.limiter is not None:
            self.limiter.acquire()

    def _count_call(self, job: Restoration) -> None:
        self.calls += 1
        job.count_call()


def has_work() -> bool:
    """Anything the dispatcher could act on now or later (a hold pauses it all)."""
    if ProviderHold.current() is not None:
        return False
    return Restoration.objects.for_dispatcher().exists()
