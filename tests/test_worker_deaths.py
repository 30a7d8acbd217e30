"""A worker cluster SIGKILLed at each stage of the pipeline: nothing stalls, nothing is lost.

Each test starts real `qcluster` processes (each in a process group of its own, as a
worker machine) on this test's database, broker and files, waits until a worker is inside
one stage (its row carries a fresh heartbeat), kills the whole process group, starts a
replacement and waits for every photo to end done, with no PicWish task created twice.

The broker is the one this run is configured with: django-q2's ORM broker in the default
run, Redis in the scaled-out run (REDIS_URL), so both runs together cover both brokers.
Each test prints how long the work took to resume after the kill ("recovery: …", also
appended to test-artifacts/recovery-times.txt). They are figures, not assertions.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from albums.models import Photo
from restorer.dispatcher import LEASE_NAME
from restorer.models import Lease, Restoration
from tests import images
from tests.fakes.picwish_server import FakePicWish
from tests.helpers import start_qcluster, stop_process, wait_until

State = Restoration.State

pytestmark = pytest.mark.django_db(transaction=True)

BROKER = "redis" if django_settings.REDIS_URL else "orm"
ROOT = Path(__file__).resolve().parent.parent


class Cluster:
    """One worker machine: a `qcluster` in a process group of its own."""

    def __init__(self, name: str, settings, folder: Path, fake: FakePicWish | None, **extra):
        self.name = name
        self.log_path = folder / f"qcluster-{name}.log"
        timings = {
            "PICWISH_FIRST_POLL": 1.0,
            "PICWISH_POLL_INTERVAL": 0.3,
            "PICWISH_QPS": 10,
            "RESTORER_LEASE_SECONDS": 4,
        }
        self.process = start_qcluster(settings, self.log_path, fake=fake, **{**timings, **extra})

    def kill(self) -> float:
        """The machine dies: every process of the cluster at once. Returns the moment."""
        os.killpg(self.process.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        self.process.wait(10)
        return killed_at

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_process(self.process, 30)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # anything it left behind
        except ProcessLookupError:
            pass

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for(condition, seconds: float, what: str, clusters: list[Cluster]):
    def explain() -> str:
        rows = Restoration.objects.values_list("code", "state", "heartbeat_at", "error_message")
        logs = "\n".join(f"--- {c.name}:\n{c.log()[-3000:]}" for c in clusters)
        return f"restorations: {list(rows)}\n{logs}"

    return wait_until(condition, seconds, what, interval=0.05, explain=explain)


def report(stage: str, seconds: float) -> None:
    """Print the figure, and keep it in test-artifacts/recovery-times.txt."""
    line = f"recovery: stage={stage} broker={BROKER} {seconds:.1f} s after the SIGKILL"
    print("\n" + line)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with (artifacts / "recovery-times.txt").open("a") as figures:
        figures.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {line}\n")


def claimed(queryset) -> bool:
    return queryset.filter(heartbeat_at__gt=timezone.now() - timedelta(seconds=5)).exists()


def all_done(clusters: list[Cluster]):
    def done() -> bool:
        rows = Restoration.objects.all()
        failed = list(rows.filter(state=State.FAILED).values_list("error_code", "error_message"))
        assert not failed, failed
        pending = Photo.objects.exclude(preparation=Photo.Preparation.READY)
        return not rows.exclude(state=State.DONE).exists() and not pending.exists()

    return done


@pytest.fixture
def picwish(settings):
    settings.RESTORER_PROVIDER = "picwish"
    settings.UPLOAD_INLINE_MAX_PIXELS = 0  # every upload's previews are background work
    with FakePicWish(latency=(2.0, 3.0), progress_steps=4, seed=11) as fake:
        settings.PICWISH_API_KEY = fake.api_key
        yield fake


def upload(album, count: int, size=(3000, 2200)) -> list[Photo]:
    return [
        album.add_photo(SimpleUploadedFile(f"{n}.jpg", images.noise_jpeg(*size)))
        for n in range(count)
    ]


def kill_inside(stage: str, rows, settings, tmp_path, fake, clusters, *, progressed, **extra):
    """Start a cluster, SIGKILL it while one of `rows` is claimed, start a replacement,
    and report how long until `progressed()` held again."""
    doomed = Cluster("doomed", settings, tmp_path, fake, **extra)
    clusters.append(doomed)
    wait_for(lambda: claimed(rows), 120, f"a worker inside {stage}", clusters)
    killed_at = doomed.kill()
    clusters.append(Cluster("replacement", settings, tmp_path, fake, **extra))
    wait_for(progressed, 90, f"{stage} to resume", clusters)
    report(stage, time.monotonic() - killed_at)


def test_killed_while_preparing_inputs(settings, picwish, album, tmp_path):
    upload(album, 3)
    clusters: list[Cluster] = []
    preparing = Restoration.objects.filter(state=State.QUEUED, input_ready=False)
    try:
        kill_inside(
            "preparing", preparing, settings, tmp_path, picwish, clusters,
            progressed=lambda: not preparing.exists(),
        )  # fmt: skip
        wait_for(all_done(clusters), 120, "every photo", clusters)
    finally:
        for cluster in clusters:
            cluster.stop()
    assert picwish.create_count() == 3


def test_killed_while_making_previews(settings, picwish, album, tmp_path):
    upload(album, 3, size=(5000, 4000))
    clusters: list[Cluster] = []
    pending = Photo.objects.filter(preparation=Photo.Preparation.PENDING)
    try:
        kill_inside(
            "previews", pending, settings, tmp_path, picwish, clusters,
            progressed=lambda: not pending.exists(),
        )  # fmt: skip
        wait_for(all_done(clusters), 120, "every photo", clusters)
    finally:
        for cluster in clusters:
            cluster.stop()
    assert picwish.create_count() == 3
    for photo in Photo.objects.all():
        assert photo.display.name and photo.thumbnail.name


def test_killed_while_downloading_results(settings, picwish, album, tmp_path):
    picwish.configure(result_delay=6.0)  # the doomed cluster dies holding downloads
    upload(album, 3, size=(800, 600))
    clusters: list[Cluster] = []
    downloading = Restoration.objects.filter(state=State.DOWNLOADING)
    try:
        doomed = Cluster("doomed", settings, tmp_path, picwish)
        clusters.append(doomed)
        wait_for(lambda: claimed(downloading), 120, "a download under way", clusters)
        killed_at = doomed.kill()
        picwish.configure(result_delay=0.0)
        clusters.append(Cluster("replacement", settings, tmp_path, picwish))
        wait_for(all_done(clusters), 120, "every photo", clusters)
        report("downloading", time.monotonic() - killed_at)
    finally:
        for cluster in clusters:
            cluster.stop()
    assert picwish.create_count() == 3
    assert len({record.task_id for record in picwish.creates}) == 3


def test_the_dispatcher_moves_to_the_other_cluster_within_seconds(
    settings, picwish, album, tmp_path
):
    """Two clusters; the one running the dispatcher dies while photos are being sent and
    polled. The other takes its lease over; no photo is created twice."""
    picwish.configure(latency=(3.0, 5.0))
    upload(album, 8, size=(800, 600))
    clusters = [Cluster(name, settings, tmp_path, picwish) for name in ("one", "two")]
    try:
        in_flight = Restoration.objects.filter(state__in=[State.SUBMITTED, State.SUBMITTING])
        wait_for(lambda: in_flight.exists(), 120, "photos sent to PicWish", clusters)
        holder = Lease.objects.get(name=LEASE_NAME).holder
        doomed = next(c for c in clusters if f":{c.process.pid}:" in holder)
        killed_at = doomed.kill()

        def taken_over() -> bool:
            lease = Lease.objects.filter(name=LEASE_NAME, expires_at__gt=timezone.now()).first()
            return lease is not None and lease.holder not in ("", holder)

        wait_for(taken_over, 60, "another cluster to run the dispatcher", clusters)
        report("dispatcher (submitting and polling)", time.monotonic() - killed_at)
        # A create under way at the kill cannot be known to have been paid for: that photo
        # alone may fail, with a message saying so; every other finishes.
        wait_for(
            lambda: not Restoration.objects.exclude(state__in=Restoration.FINAL_STATES).exists(),
            180,
            "every photo to end",
            clusters,
        )
    finally:
        for cluster in clusters:
            cluster.stop()
    failed = Restoration.objects.filter(state=State.FAILED)
    assert set(failed.values_list("error_code", flat=True)) <= {"submit_interrupted"}
    assert Restoration.objects.filter(state=State.DONE).count() >= 7
    created = [record.task_id for record in picwish.creates]
    assert len(created) == len(set(created)) <= 8
    stored = set(
        Restoration.objects.exclude(remote_task_id="").values_list("remote_task_id", flat=True)
    )
    assert stored <= set(created)


def test_killed_while_the_embedded_engine_restores(settings, album, tmp_path):
    settings.RESTORER_PROVIDER = "local"
    settings.PICWISH_API_KEY = ""
    album.add_photo(SimpleUploadedFile("a.jpg", images.jpeg(1600, 1200, seed=4)))
    clusters: list[Cluster] = []
    processing = Restoration.objects.filter(state=State.PROCESSING)
    try:
        kill_inside(
            "embedded restoration", processing, settings, tmp_path, None, clusters,
            progressed=lambda: Restoration.objects.filter(
                recoveries=1, state__in=[State.PROCESSING, State.DONE]
            ).exists(),
            RESTORER_PROVIDER="local", PICWISH_API_KEY="",
        )  # fmt: skip
        wait_for(all_done(clusters), 300, "the restoration", clusters)
    finally:
        for cluster in clusters:
            cluster.stop()
    job = Restoration.objects.get()
    assert job.state == State.DONE and job.recoveries == 1


def test_the_sweep_runs_while_every_worker_is_busy(settings, alice, tmp_path):
    """The watchdog does not wait in the task queue: with the cluster's only worker busy
    for a minute, a create interrupted long ago is still found and failed."""
    from django_q.tasks import async_task

    from tests.test_pipeline import prepared

    settings.RESTORER_PROVIDER = "picwish"
    with FakePicWish() as fake:
        settings.PICWISH_API_KEY = fake.api_key
        job = prepared(alice)
        long_ago = timezone.now() - timedelta(minutes=10)
        Restoration.objects.filter(pk=job.pk).update(state=State.SUBMITTING)
        Restoration.objects.filter(pk=job.pk).update(updated_at=long_ago)
        cluster = Cluster("busy", settings, tmp_path, fake, Q_WORKERS=1, Q_TIMEOUT=120, Q_RETRY=200)
        try:
            async_task("time.sleep", 60)  # the only worker's next minute
            wait_for(lambda: "Process-" in cluster.log(), 60, "the cluster", [cluster])

            def failed() -> bool:
                job.refresh_from_db()
                return job.state == State.FAILED

            wait_for(failed, 40, "the sweep to find the interrupted create", [cluster])
        finally:
            cluster.stop()
    assert job.error_code == "submit_interrupted"
    assert "not sent again" in job.error_message
    from django_q.models import Task

    assert not Task.objects.filter(func="time.sleep").exists()  # still asleep: it did not wait
