"""End to end with a real worker: upload, a `qcluster` process restores against the fake
PicWish server, the result is stored and shown."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from restorer.models import Restoration
from tests import images
from tests.conftest import subprocess_environment
from tests.fakes.picwish_server import FakePicWish

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def start_qcluster(settings, fake: FakePicWish, log_path: Path) -> subprocess.Popen:
    environment = subprocess_environment(
        settings,
        PICWISH_API_KEY=fake.api_key,
        PICWISH_API_URL=fake.url,
        PICWISH_ALLOWED_RESULT_HOSTS=fake.result_host,
        PICWISH_FIRST_POLL=0.5,
        PICWISH_POLL_INTERVAL=0.2,
        Q_WORKERS=2,
        Q_POLL=0.1,
        RESTORER_DISPATCH_SECONDS=20,
        RESTORER_LEASE_SECONDS=5,
    )
    log = log_path.open("w")
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, seconds: float, what: str, log_path: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log_path.read_text()[-4000:]}")


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
