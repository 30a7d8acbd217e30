"""Several worker machines on one PostgreSQL database and one Redis, against the fake PicWish.

Each `qcluster` here is a separate process group, as a worker machine would be: two of
them share the pipeline (one create per photo, one request budget for both), and one
killed with SIGKILL in the middle of a batch leaves its work to the other, which finishes
every photo without creating any PicWish task again.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from restorer.models import Restoration
from tests import images
from tests.fakes.picwish_server import FakePicWish
from tests.helpers import require_scaled_out, start_qcluster, wait_until

ROOT = Path(__file__).resolve().parent.parent
QPS = 10  # the fake answers 429 to a key that makes more calls than this in any second
State = Restoration.State

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def scaled_out():
    require_scaled_out()


class Machine:
    """One worker machine: a `qcluster` in a process group of its own."""

    def __init__(self, name: str, settings, fake: FakePicWish, folder: Path):
        self.name = name
        self.log_path = folder / f"qcluster-{name}.log"
        self.process = start_qcluster(
            settings,
            self.log_path,
            fake=fake,
            PICWISH_QPS=QPS,
            PICWISH_FIRST_POLL=1.0,
            PICWISH_POLL_INTERVAL=0.3,
            Q_TIMEOUT=40,
            Q_RETRY=60,
            RESTORER_DISPATCH_SECONDS=10,
            RESTORER_LEASE_SECONDS=5,
        )

    def kill(self) -> None:
        """The machine dies: every process of the cluster at once, no clean-up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def upload(client, album, count: int) -> None:
    for first in range(0, count, 10):
        files = [
            SimpleUploadedFile(f"{n}.jpg", images.jpeg(320, 240, seed=n))
            for n in range(first, min(first + 10, count))
        ]
        response = client.post(
            f"/albums/{album.code}/upload/",
            {"photos": files},
            headers={"Accept": "application/json"},
        )
        assert all("code" in entry for entry in response.json()["photos"]), response.json()


def wait_for(condition, seconds: float, what: str, machines: list[Machine]):
    def explain() -> str:
        logs = "\n".join(f"--- {m.name}:\n{m.log()[-3000:]}" for m in machines)
        states = dict(Restoration.objects.values_list("code", "state"))
        return f"restorations: {states}\n{logs}"

    return wait_until(condition, seconds, what, interval=0.5, explain=explain)


def all_finished(count: int):
    def finished() -> bool:
        rows = Restoration.objects.all()
        failed = list(rows.filter(state=State.FAILED).values_list("error_code", "error_message"))
        assert not failed, failed
        return rows.filter(state=State.DONE).count() == count

    return finished


def assert_each_photo_paid_once(fake: FakePicWish, count: int) -> None:
    created = [record.task_id for record in fake.creates]
    assert len(created) == count  # one create per photo ...
    assert len(set(created)) == count
    stored = set(Restoration.objects.values_list("remote_task_id", flat=True))
    assert stored == set(created)  # ... and each restoration kept the task it paid for
    assert Restoration.objects.filter(state=State.DONE).exclude(result="").count() == count


def test_two_worker_machines_restore_fifty_photos_once_each_within_the_limit(
    settings, alice_client, album, tmp_path
):
    settings.RESTORER_PROVIDER = "picwish"
    with FakePicWish(latency=(1.0, 3.0), progress_steps=4, qps=QPS, seed=3) as fake:
        settings.PICWISH_API_KEY = fake.api_key
        machines = [Machine(name, settings, fake, tmp_path) for name in ("one", "two")]
        try:
            upload(alice_client, album, 50)
            wait_for(all_finished(50), 300, "50 restorations", machines)
        finally:
            for machine in machines:
                machine.stop()
        assert_each_photo_paid_once(fake, 50)
        # Both machines called PicWish through one budget, and it held: no 429 at all.
        assert fake.rate_limited_count() == 0
        assert not [r for r in fake.requests if r.status == 429]
    for machine in machines:
        # Both machines took part: each prepared photos (and logged which).
        assert "input prepared" in machine.log(), machine.log()[-3000:]
    status = alice_client.get(f"/albums/{album.code}/status.json").json()["photos"]
    assert len(status) == 50 and {photo["state"] for photo in status} == {"done"}


def test_a_worker_machine_killed_mid_batch_leaves_nothing_lost_or_paid_twice(
    settings, alice_client, album, tmp_path
):
    settings.RESTORER_PROVIDER = "picwish"
    count = 20
    # Results download slowly at first, so the doomed machine dies holding downloads.
    with FakePicWish(
        latency=(4.0, 6.0), progress_steps=4, qps=QPS, seed=5, result_delay=6.0
    ) as fake:
        settings.PICWISH_API_KEY = fake.api_key
        doomed = Machine("doomed", settings, fake, tmp_path)
        machines = [doomed]
        try:
            upload(alice_client, album, count)
            # Mid-batch: every photo sent to PicWish (their task ids are on record), and
            # the doomed machine, the only one so far, downloading the first results.
            wait_for(
                lambda: (
                    fake.create_count() == count
                    and Restoration.objects.filter(state=State.DOWNLOADING).exists()
                ),
                120,
                "every create and a download under way",
                machines,
            )
            survivor = Machine("survivor", settings, fake, tmp_path)
            machines.append(survivor)
            doomed.kill()
            fake.configure(result_delay=0.0)
            unfinished = Restoration.objects.exclude(state=State.DONE).count()
            assert unfinished > 0
            wait_for(all_finished(count), 420, "the survivor to finish", machines)
        finally:
            for machine in machines:
                machine.stop()
        assert_each_photo_paid_once(fake, count)
    # The download the dead machine held was taken from Redis and died with it: the
    # survivor's watchdog found it and queued it again.
    assert "queued again" in survivor.log(), survivor.log()[-3000:]
