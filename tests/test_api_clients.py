"""Clients written for PicWish, in Python and in Node, against a live server.

gunicorn (two workers) and a real qcluster share this test's database and files, with
the embedded engine restoring. The clients (tests/clients/) are written the way PicWish's
own examples are and read only fields PicWish documents; they change nothing but the
base URL and the key.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from restorer.api.models import ApiKey, ApiTask
from restorer.models import Restoration
from tests import images
from tests.helpers import ROOT, start_qcluster, stop_process, subprocess_environment, wait_until
from tests.test_up_command import free_port

CLIENTS = Path(__file__).resolve().parent / "clients"
NODE = shutil.which("node")


def start_gunicorn(settings, log_path, port: int, **overrides) -> subprocess.Popen:
    values = {"BIND": f"127.0.0.1:{port}", "WEB_WORKERS": 2, "WEB_THREADS": 1}
    values.update(overrides)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:restorer.gunicorn_config",
         "restorer.wsgi"],
        cwd=ROOT, env=subprocess_environment(settings, **values),
        stdout=Path(log_path).open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


@pytest.fixture
def site(settings, tmp_path, transactional_db):
    """A live server: gunicorn with two workers and a worker cluster."""
    port = free_port()
    web = start_gunicorn(settings, tmp_path / "web.log", port, RESTORER_PROVIDER="local")
    worker = start_qcluster(settings, tmp_path / "worker.log", RESTORER_PROVIDER="local")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/api/openapi.json"), 60, "gunicorn to answer",
                   explain=lambda: (tmp_path / "web.log").read_text()[-2000:])  # fmt: skip
        yield base
    finally:
        stop_process(web)
        stop_process(worker)


@pytest.fixture
def key(alice) -> str:
    return ApiKey.issue(alice, "example client")[1]


@pytest.fixture
def picture(tmp_path) -> Path:
    path = tmp_path / "old.jpg"
    path.write_bytes(images.jpeg(320, 240, seed=3))
    return path


@pytest.fixture
def not_a_picture(tmp_path) -> Path:
    path = tmp_path / "notes.jpg"
    path.write_bytes(b"a shopping list, not a photo")
    return path


def run_client(language: str, *args) -> dict:
    if language == "node":
        if NODE is None:
            pytest.skip("the machine's node is not installed")
        command = [NODE, str(CLIENTS / "picwish_example.mjs"), *map(str, args)]
    else:
        command = [sys.executable, str(CLIENTS / "picwish_example.py"), *map(str, args)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, (finished.stdout, finished.stderr)
    return json.loads(finished.stdout.strip().splitlines()[-1])


LANGUAGES = ["python", "node"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_async_create_poll_and_download_without_key(site, key, picture, tmp_path, language):
    out = tmp_path / "restored.jpg"
    report = run_client(language, site, key, "async", picture, out)
    assert report["state"] == 1 and report["progress"] == 100
    assert report["polls"] >= 1
    assert report["image_is_url"] and report["download_status"] == 200
    assert Image.open(out).size == (320, 240)
    task = ApiTask.objects.get(task_id=report["task_id"])
    assert task.restoration.state == Restoration.State.DONE


@pytest.mark.parametrize("language", LANGUAGES)
def test_sync_with_base64(site, key, picture, tmp_path, language):
    out = tmp_path / "restored.jpg"
    report = run_client(language, site, key, "sync-base64", picture, out)
    assert report["state"] == 1 and not report["image_is_url"]
    assert Image.open(out).size == (320, 240)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failure_state(site, key, not_a_picture, language):
    report = run_client(language, site, key, "expect-failure", not_a_picture)
    assert report["state"] == -7


def test_the_rate_limit_holds_across_gunicorn_workers(settings, tmp_path, transactional_db,
                                                      alice):  # fmt: skip
    """Two gunicorn workers, one thread each, share one budget: a key allowed one request
    every 10 s gets exactly one answer out of eight sent at once, whichever worker takes it."""
    key = ApiKey.issue(alice, "burst")[1]
    port = free_port()
    web = start_gunicorn(settings, tmp_path / "web.log", port, API_QPS=0.1)
    base = f"http://127.0.0.1:{port}"
    statuses: list[int] = []
    retry_after: list[str] = []
    try:
        wait_until(lambda: _answers(f"{base}/api/openapi.json"), 60, "gunicorn to answer")
        start = threading.Barrier(8)

        def ask():
            request = urllib.request.Request(
                f"{base}/api/tasks/visual/restoration-old-photo/"
                "00000000-0000-4000-8000-000000000000",
                headers={"X-API-KEY": key},
            )
            start.wait()
            try:
                urllib.request.urlopen(request, timeout=30)
            except urllib.error.HTTPError as answer:
                statuses.append(answer.code)
                if answer.code == 429:
                    retry_after.append(answer.headers["Retry-After"])
                    assert json.load(answer)["status"] == 429

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        stop_process(web)
    assert sorted(statuses) == [404] + [429] * 7
    assert all(int(value) >= 1 for value in retry_after)


def test_base64_of_a_sync_answer_is_the_stored_result(site, key, picture):
    """sync=1 over real HTTP, read with nothing but the standard library."""
    boundary = "----picwish"
    parts = []
    for name, value in (("sync", "1"), ("return_type", "2"), ("change_color", "0")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())  # fmt: skip
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image_file"; '
        f'filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + picture.read_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        f"{site}/api/tasks/visual/restoration-old-photo",
        data=b"".join(parts),
        headers={"X-API-KEY": key, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    answer = json.load(urllib.request.urlopen(request, timeout=120))
    assert answer["status"] == 200 and answer["data"]["state"] == 1, answer
    task = ApiTask.objects.get(task_id=answer["data"]["task_id"])
    from django.core.files.storage import default_storage

    with default_storage.open(task.restoration.result.name, "rb") as handle:
        assert base64.b64decode(answer["data"]["image"]) == handle.read()
