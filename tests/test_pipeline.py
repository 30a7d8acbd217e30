"""The restoration pipeline against the fake PicWish server: every outcome, and never paying twice.

These tests run the real task code (prepare, dispatch, download, watchdog) against a real
HTTP server on 127.0.0.1. django-q2 runs tasks inline (`sync_tasks`) or not at all, and the
tests call the tasks themselves, so each step can be checked.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from restorer import tasks
from restorer.dispatcher import LEASE_NAME, Dispatcher
from restorer.models import (
    ApiBudget,
    Lease,
    ProviderHold,
    QuotaCharge,
    QuotaExceeded,
    Restoration,
    month_start,
)
from restorer.providers.base import RestoreOptions
from tests import images
from tests.fakes.picwish_server import FakePicWish

State = Restoration.State


@pytest.fixture
def fake(settings):
    with FakePicWish(latency=0.2, progress_steps=4) as server:
        settings.PICWISH_API_KEY = server.api_key
        settings.PICWISH_API_URL = server.url
        settings.PICWISH_ALLOWED_RESULT_HOSTS = [server.result_host]
        settings.RESTORER_PROVIDER = "picwish"
        settings.PICWISH_QPS = 50
        settings.PICWISH_FIRST_POLL = 0.15
        settings.PICWISH_POLL_INTERVAL = 0.05
        settings.PICWISH_REQUEST_TIMEOUT = 5
        settings.RESTORER_DISPATCH_SECONDS = 20
        settings.RESTORER_LEASE_SECONDS = 5
        yield server


def source(seed: int = 0, size=(320, 240)) -> tuple[str, str, int, int]:
    import hashlib

    data = images.jpeg(*size, seed=seed)
    name = default_storage.save(f"originals/test-{seed}.jpg", ContentFile(data))
    return name, hashlib.sha256(data).hexdigest(), size[0], size[1]


MEDIUM = RestoreOptions(restoration_type=1, model_type=1, change_color=False)


def start(owner, seed=0, options=MEDIUM, size=(320, 240)) -> Restoration:
    name, sha, width, height = source(seed, size)
    return Restoration.start(
        owner=owner,
        source_name=name,
        source_sha256=sha,
        source_width=width,
        source_height=height,
        options=options,
    )


def prepared(owner, **kwargs) -> Restoration:
    """A restoration whose input is ready, not yet sent anywhere."""
    job = start(owner, **kwargs)
    job.prepare_input()
    job.refresh_from_db()
    return job


def dispatcher(seconds=10.0, holder="test") -> Dispatcher:
    """A dispatcher holding the lease, as tasks.dispatch() would make it."""
    from restorer import clients

    limiter = clients.picwish_limiter()
    assert Lease.acquire(LEASE_NAME, holder, 5)
    return Dispatcher(
        clients.picwish_client(limiter, throttled=False),
        holder=holder,
        limiter=limiter,
        run_seconds=seconds,
    )


def finish(seconds=15.0) -> None:
    """Run the dispatcher and the downloads it hands out until nothing is in flight."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            outcome = dispatcher(seconds=deadline - time.monotonic()).run()
            downloading = Restoration.objects.filter(state=State.DOWNLOADING)
            for pk in downloading.values_list("pk", flat=True):
                tasks.download(pk)
            in_flight = Restoration.objects.filter(state__in=[State.SUBMITTED, State.DOWNLOADING])
            waiting = Restoration.objects.submittable(timezone.now() + timedelta(minutes=5))
            if outcome != "window" and not in_flight.exists() and not waiting.exists():
                return
            if outcome == "held":
                return
    finally:
        Lease.release(LEASE_NAME, "test")


def assert_valid_result(job: Restoration) -> None:
    job.refresh_from_db()
    assert job.state == State.DONE, (job.error_code, job.error_message)
    assert job.progress == 100
    with default_storage.open(job.result.name, "rb") as handle:
        Image.open(io.BytesIO(handle.read())).load()
    assert job.result_thumbnail.name and job.result_display.name
    assert job.finished_at is not None and job.remote_seconds is not None


pytestmark = pytest.mark.django_db


def test_a_photo_is_restored_with_its_options_sent_explicitly(fake, alice):
    job = prepared(alice, options=RestoreOptions(restoration_type=2, model_type=3))
    light = prepared(alice, seed=1, options=RestoreOptions(restoration_type=0, model_type=2))
    finish()
    assert_valid_result(job)
    assert_valid_result(light)
    params = {record.task_id: record.params for record in fake.creates}
    assert params[job.remote_task_id] == {
        "sync": "0",
        "restoration_type": "2",
        "model_type": "3",
        "change_color": "0",
    }
    # model_type means nothing for a light restoration, and PicWish would reject it.
    assert params[light.remote_task_id] == {
        "sync": "0",
        "restoration_type": "0",
        "change_color": "0",
    }
    assert fake.create_count() == 2
    assert job.api_calls >= 2


def test_the_prepared_input_is_a_jpeg_within_2048(fake, alice):
    job = prepared(alice, size=(3000, 1500))
    assert (job.input_width, job.input_height) == (2048, 1024)
    assert job.scaled_down
    with default_storage.open(job.input.name, "rb") as handle:
        picture = Image.open(handle)
        assert picture.format == "JPEG" and picture.size == (2048, 1024)
    finish()
    job.refresh_from_db()
    assert job.state == State.DONE
    assert not job.input  # removed once the result is stored
    assert fake.creates[0].content_type == "image/jpeg"


@pytest.mark.parametrize("mode, field", [("base64", "image"), ("url", "image_url")])
def test_results_as_base64_or_under_either_field_name(fake, alice, mode, field):
    fake.configure(result_mode=mode, result_field=field)
    job = prepared(alice)
    finish()
    assert_valid_result(job)
    assert not job.staged_result


@pytest.mark.parametrize(
    "state, code, words",
    [(-7, "task_invalid_image", "could not read the photo"), (-10, "task_prohibited_content", "")],
)
def test_a_task_failure_is_shown_with_its_reason(fake, alice, state, code, words):
    fake.fail_next(1, state=state)
    job = prepared(alice)
    finish()
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert job.error_code == code
    assert job.error_message and words in job.error_message.lower()
    assert fake.create_count() == 1


def test_a_5xx_burst_is_ridden_out_without_a_second_create(fake, alice):
    job = prepared(alice)
    fake.error_burst(3, statuses=(500, 502, 503))
    finish()
    assert_valid_result(job)
    assert fake.create_count() == 1


def test_an_outage_while_polling_backs_off_then_finishes(fake, alice):
    job = prepared(alice)
    d = dispatcher(seconds=0.1)
    d.submit(job)
    fake.error_burst(4, statuses=(503,))
    finish()
    assert_valid_result(job)
    assert fake.create_count() == 1


def test_429_and_retry_after_are_honoured(fake, alice, settings):
    # Our budget thinks it may send 20 a second; PicWish allows 2: it must slow down.
    fake.configure(qps=2, latency=0.3)
    settings.PICWISH_QPS = 20
    jobs = [prepared(alice, seed=seed) for seed in range(4)]
    finish(seconds=30)
    for job in jobs:
        assert_valid_result(job)
    log = fake.log()
    assert fake.create_count() == 4
    assert log["rate_limited"] > 0
    assert ApiBudget.objects.get(name="picwish").calls > 8


def test_the_shared_budget_keeps_below_the_limit(fake, alice, settings):
    fake.configure(qps=2, latency=0.3)
    settings.PICWISH_QPS = 2
    jobs = [prepared(alice, seed=seed) for seed in range(4)]
    finish(seconds=30)
    for job in jobs:
        assert_valid_result(job)
    assert fake.log()["rate_limited"] == 0


def test_a_create_whose_answer_is_lost_is_never_sent_again(fake, alice, settings):
    settings.PICWISH_REQUEST_TIMEOUT = 0.5
    fake.configure(response_delay=1.5)
    job = prepared(alice)
    finish(seconds=4)
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert job.error_code == "create_outcome_unknown"
    assert "not sent again" in job.error_message or "twice" in job.error_message
    fake.configure(response_delay=0)
    finish(seconds=2)
    assert fake.create_count() == 1


def test_a_slow_status_answer_is_retried(fake, alice, settings):
    settings.PICWISH_REQUEST_TIMEOUT = 0.5
    job = prepared(alice)
    dispatcher(seconds=0.1).submit(job)
    fake.configure(response_delay=1.0)
    dispatcher(seconds=1.5).run()
    job.refresh_from_db()
    assert job.state == State.SUBMITTED and job.attempts >= 1
    fake.configure(response_delay=0)
    finish()
    assert_valid_result(job)
    assert fake.create_count() == 1


def test_an_expired_result_url_is_refreshed_by_polling_not_by_a_new_task(fake, alice):
    fake.configure(url_expiry=0.2)
    job = prepared(alice)
    d = dispatcher(seconds=3)
    d.submit(job)
    time.sleep(0.3)
    job.refresh_from_db()
    d.poll(job)
    job.refresh_from_db()
    assert job.state == State.DOWNLOADING
    time.sleep(0.4)  # the signed URL is now dead
    tasks.download(job.pk)
    job.refresh_from_db()
    assert job.state == State.SUBMITTED
    polls_before = fake.poll_count(job.remote_task_id)
    fake.configure(url_expiry=3600)
    finish()
    assert_valid_result(job)
    assert fake.create_count() == 1
    assert fake.poll_count(job.remote_task_id) == polls_before + 1


def test_a_refused_key_stops_submissions_without_a_retry_storm(fake, alice, settings):
    settings.PICWISH_API_KEY = "a-revoked-key"
    jobs = [prepared(alice, seed=seed) for seed in range(3)]
    for _ in range(3):
        finish(seconds=2)
    hold = ProviderHold.current()
    assert hold is not None and hold.code == "auth_failed"
    assert "key" in hold.message.lower()
    assert "a-revoked-key" not in hold.message
    assert len([r for r in fake.requests if not r.path.startswith("/_fake")]) == 1
    for job in jobs:
        job.refresh_from_db()
        assert job.state == State.QUEUED
    # A new key lifts the hold: the queued photos go on.
    settings.PICWISH_API_KEY = fake.api_key
    assert ProviderHold.current() is None
    finish()
    for job in jobs:
        assert_valid_result(job)


def test_duplicate_delivery_of_every_task_creates_once(fake, alice, sync_tasks):
    job = start(alice)
    tasks.prepare(job.pk)  # inline: prepares, dispatches, downloads
    tasks.prepare(job.pk)
    tasks.dispatch()
    tasks.download(job.pk)
    assert_valid_result(job)
    assert fake.create_count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_create_once(fake, alice):
    jobs = [prepared(alice, seed=seed) for seed in range(3)]
    outcomes = []

    def run():
        outcomes.append(tasks.dispatch())

    from django.db import connection

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connection.close()
    assert "another dispatcher is running" in outcomes
    finish()
    for job in jobs:
        assert_valid_result(job)
    assert fake.create_count() == 3


def test_a_dispatcher_killed_after_create_resumes_by_polling(fake, alice):
    fake.configure(latency=0.5)
    job = prepared(alice)
    d = dispatcher(seconds=1, holder="doomed")
    d.submit(job)  # ... and its worker is killed here: the lease is never released.
    Lease.acquire(LEASE_NAME, "doomed", 60)
    job.refresh_from_db()
    assert job.state == State.SUBMITTED and job.remote_task_id
    assert tasks.dispatch() == "another dispatcher is running"
    Lease.objects.filter(name=LEASE_NAME).update(expires_at=timezone.now() - timedelta(seconds=1))
    tasks.dispatch()
    tasks.download(job.pk)
    assert_valid_result(job)
    assert fake.create_count() == 1


def test_the_watchdog_fails_an_interrupted_submission_and_never_resends_it(fake, alice):
    job = prepared(alice)
    Restoration.objects.filter(pk=job.pk).update(
        state=State.SUBMITTING, updated_at=timezone.now() - timedelta(minutes=10)
    )
    moved = tasks.watchdog()
    job.refresh_from_db()
    assert moved["failed"] == 1
    assert job.state == State.FAILED and job.error_code == "submit_interrupted"
    finish(seconds=2)
    assert fake.create_count() == 0


def test_the_watchdog_ends_tasks_past_their_deadline(fake, alice, settings):
    fake.configure(latency=30)
    settings.PICWISH_POLL_TIMEOUT = 0.5
    job = prepared(alice)
    finish(seconds=3)
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert job.error_code == "deadline_exceeded"
    assert fake.create_count() == 1


def test_an_identical_photo_is_not_paid_for_twice(fake, alice, bob):
    first = prepared(alice)
    finish()
    assert_valid_result(first)
    again = start(alice)  # the same bytes, the same options
    assert again.state == State.DONE and again.reused_from == first
    assert again.result.name == first.result.name
    other_options = start(alice, options=RestoreOptions(2, 1, False))
    assert other_options.state == State.QUEUED
    someone_else = start(bob)
    assert someone_else.state == State.QUEUED
    assert fake.create_count() == 1


def test_a_reused_result_outlives_the_restoration_it_came_from(
    fake, alice, media_root, django_capture_on_commit_callbacks
):
    first = prepared(alice)
    finish()
    again = start(alice)
    with django_capture_on_commit_callbacks(execute=True):
        Restoration.objects.filter(pk=first.pk).delete()
    again.refresh_from_db()
    assert default_storage.exists(again.result.name)
    with django_capture_on_commit_callbacks(execute=True):
        again.delete()
    assert not default_storage.exists(again.result.name)


def test_the_monthly_quota_counts_paid_and_pending_tasks(fake, alice, settings):
    settings.RESTORER_MONTHLY_QUOTA = 2
    prepared(alice, seed=1)
    prepared(alice, seed=2)
    with pytest.raises(QuotaExceeded) as refused:
        start(alice, seed=3)
    assert "You have used all 2 restorations of" in refused.value.message
    settings.RESTORER_PROVIDER = "local"
    assert start(alice, seed=3).provider == "local"  # the embedded engine costs nothing


def test_a_queued_restoration_can_be_cancelled_and_is_never_sent(fake, alice):
    job = prepared(alice)
    assert job.cancel()
    finish(seconds=2)
    job.refresh_from_db()
    assert job.state == State.CANCELLED
    assert fake.create_count() == 0
    assert not job.cancel()


def test_an_explicit_retry_is_a_new_paid_task(fake, alice, sync_tasks):
    fake.fail_next(1, state=-8)
    job = prepared(alice)
    finish()
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert job.retry()
    job.refresh_from_db()
    tasks.prepare(job.pk)
    assert_valid_result(job)
    assert fake.create_count() == 2


def test_a_paid_retry_is_charged_and_the_failed_paid_attempt_stays_charged(fake, alice, settings):
    settings.RESTORER_MONTHLY_QUOTA = 3
    used = lambda: QuotaCharge.objects.used_by(alice, month_start())  # noqa: E731
    fake.fail_next(1, state=-8)
    job = prepared(alice)
    finish()
    job.refresh_from_db()
    assert job.state == State.FAILED and job.remote_task_id  # it reached PicWish: paid
    assert used() == 1
    assert job.retry()
    assert used() == 2  # the failed task and the new one
    assert job.mark_failed("gave_up", "Failed before it was sent.")
    assert used() == 1  # the retry was never sent; the first task still counts
    assert job.retry()
    assert used() == 2  # its own charge counts again, once
    other = prepared(alice, seed=2)
    assert used() == 3
    with pytest.raises(QuotaExceeded):
        start(alice, seed=3)
    assert other.mark_failed("gave_up", "Failed before it was sent.")
    assert used() == 2
    assert other.retry()  # it had not been paid: the retry is its one charge
    assert used() == 3
    assert job.retry() is False  # not failed: nothing to retry, nothing charged
    assert used() == 3


def test_the_api_key_never_reaches_the_rows_or_the_log(fake, alice, settings, caplog):
    fake.configure(echo_key_in_errors=True)
    settings.PICWISH_API_KEY = "secret-key-4711"
    job = prepared(alice)
    finish(seconds=2)
    job.refresh_from_db()
    assert "secret-key-4711" not in caplog.text
    assert "secret-key-4711" not in job.error_message
    assert "secret-key-4711" not in ProviderHold.objects.get().message


def test_a_dispatcher_that_dies_waiting_for_its_turn_leaves_the_photo_queued(fake, alice):
    """The rate-limit wait comes before the claim: nothing is 'submitting' during it."""
    job = prepared(alice)
    d = dispatcher(seconds=1)
    states = []

    class Dies(Exception):
        pass

    def die_while_waiting():
        job.refresh_from_db()
        states.append(job.state)
        raise Dies

    d.limiter.acquire = die_while_waiting
    with pytest.raises(Dies):
        d.submit(job)
    job.refresh_from_db()
    assert states == [State.QUEUED] and job.state == State.QUEUED
    tasks.watchdog()
    job.refresh_from_db()
    assert job.state == State.QUEUED
    finish()
    assert_valid_result(job)
    assert fake.create_count() == 1


def test_sends_go_first_and_take_turns_with_polls_once_those_are_long_overdue(fake, alice):
    """Polls that are long overdue and photos waiting to be sent take turns: neither the
    photos sent last nor the results of the first wait for the other's whole backlog."""
    from restorer.dispatcher import POLL_GRACE

    waiting = [prepared(alice, seed=seed) for seed in range(4)]
    now = timezone.now()
    recent, late = [prepared(alice, seed=10 + n) for n in range(2)]
    overdue = [prepared(alice, seed=20 + n) for n in range(3)]
    for job, due in [(recent, now)] + [(job, now - POLL_GRACE * 2) for job in overdue]:
        Restoration.objects.filter(pk=job.pk).update(
            state=State.SUBMITTED, remote_task_id=f"t-{job.code}", submitted_at=due,
            next_action_at=due,
        )  # fmt: skip
    Restoration.objects.filter(pk=late.pk).update(state=State.FAILED)  # not in the way
    steps = []

    class Recording(Dispatcher):
        def poll(self, job):
            steps.append(("poll", job.code))
            Restoration.objects.filter(pk=job.pk).update(state=State.DONE)

        def submit(self, job):
            steps.append(("send", job.code))
            Restoration.objects.filter(pk=job.pk).update(
                state=State.SUBMITTED, remote_task_id=f"t-{job.code}",
                submitted_at=timezone.now(), next_action_at=timezone.now() + timedelta(hours=1),
            )  # fmt: skip

    d = dispatcher(seconds=5)
    recording = Recording(d.client, holder="test", limiter=d.limiter, run_seconds=5)
    recording.stop_at = time.monotonic() + 5
    # The run ends waiting for the polls an hour away; stop it after the backlog.
    recording.stop = threading.Event()
    original_handle = recording._handle

    def handle(step, job):
        original_handle(step, job)
        if len(steps) == 8:
            recording.stop.set()

    recording._handle = handle
    recording.run()
    kinds = [kind for kind, _ in steps]
    # Three overdue polls and four photos: turns while both last, the photos first when
    # the polls are merely due (the recent one), the leftover polls at the end.
    assert kinds == ["poll", "send", "poll", "send", "poll", "send", "send", "poll"]
    sent = [code for kind, code in steps if kind == "send"]
    assert sent == [job.code for job in waiting]  # in the order they came
    assert steps[-1] == ("poll", recent.code)
