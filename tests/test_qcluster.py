"""End to end with a real worker: upload, a `qcluster` process restores against the fake
PicWish server, the result is stored and shown."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from restorer.models import Restoration
from tests import helpers, images
from tests.fakes.picwish_server import FakePicWish

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def start_qcluster(settings, fake: FakePicWish, log_path: Path, **extra) -> subprocess.Popen:
    timings = {
        "PICWISH_FIRST_POLL": 0.5,
        "PICWISH_POLL_INTERVAL": 0.2,
        "RESTORER_DISPATCH_SECONDS": 20,
        "RESTORER_LEASE_SECONDS": 3,
    }
    return helpers.start_qcluster(settings, log_path, fake=fake, **{**timings, **extra})


stop = helpers.stop_process


def wait_for(condition, seconds: float, what: str, log_path: Path):
    return helpers.wait_until(
        condition, seconds, what, explain=lambda: f"worker log:\n{log_path.read_text()[-4000:]}"
    )


def test_upload_restore_store_and_show_with_a_real_worker(
    settings, alice, alice_client, album, tmp_path
):
    settings.RESTORER_PROVIDER = "picwish"
    with FakePicWish(latency=1.0, progress_steps=4) as fake:
        settings.PICWISH_API_KEY = fake.api_key
        log_path = tmp_path / "qcluster.log"
        worker = start_qcluster(settings, fake, log_path)
        try:
            files = [
                SimpleUploadedFile(f"{n}.jpg", images.jpeg(400, 300, seed=n)) for n in range(3)
            ]
            response = alice_client.post(
                f"/albums/{album.code}/upload/",
                {"photos": files},
                headers={"Accept": "application/json"},
            )
            assert all("code" in entry for entry in response.json()["photos"])
            status_url = f"/albums/{album.code}/status.json"

            def all_done():
                photos = alice_client.get(status_url).json()["photos"]
                states = {photo["state"] for photo in photos}
                assert "failed" not in states, photos
                return photos if states == {"done"} else None

            photos = wait_for(all_done, 60, "three restorations", log_path)
        finally:
            stop(worker)
        assert fake.create_count() == 3
        for photo in photos:
            assert photo["progress"] == 100
            result = alice_client.get(photo["result_url"])
            assert result.status_code == 200
            assert result["Content-Type"] == "image/jpeg"
            page = alice_client.get(photo["url"])
            assert b"Restored" in page.content
        assert Restoration.objects.filter(state="done").count() == 3


def test_a_worker_killed_between_create_and_first_poll_never_pays_twice(
    settings, alice, album, tmp_path
):
    """SIGKILL the whole cluster once PicWish has the task but before anyone polled it."""
    import os

    settings.RESTORER_PROVIDER = "picwish"
    with FakePicWish(latency=4.0, progress_steps=2) as fake:
        settings.PICWISH_API_KEY = fake.api_key
        first_log = tmp_path / "first.log"
        environment_extra = {"PICWISH_FIRST_POLL": 3.5}
        worker = start_qcluster(settings, fake, first_log, **environment_extra)
        try:
            photo = album.add_photo(SimpleUploadedFile("a.jpg", images.jpeg(300, 200)))
            restoration = photo.latest_version.restoration

            def submitted():
                restoration.refresh_from_db()
                return restoration.remote_task_id and restoration.state == "submitted"

            wait_for(submitted, 30, "the create call", first_log)
            assert fake.poll_count() == 0
            os.killpg(worker.pid, signal.SIGKILL)  # the worker and every process it started
            worker.wait(10)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        second_log = tmp_path / "second.log"
        replacement = start_qcluster(settings, fake, second_log, **environment_extra)
        try:

            def done():
                restoration.refresh_from_db()
                assert restoration.state != "failed", restoration.error_message
                return restoration.state == "done"

            wait_for(done, 60, "the restoration to finish", second_log)
        finally:
            stop(replacement)
        assert fake.create_count() == 1
        assert fake.poll_count() >= 1
