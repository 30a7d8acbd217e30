"""Slow readers do not hold the web server: 20 visitors reading a shared ZIP and shared
files a few bytes at a time, and the health probe still answers.

The server is the production one (`manage.py up --no-worker`: gunicorn with
restorer/gunicorn_config.py) on this test's database and files. Each reader asks for a
large download with a tiny receive window and then stops reading, so the thread serving it
blocks on a full socket, as with a visitor on a slow line. With gunicorn's threaded worker
and enough threads, other requests are still served; the control case shows the same
readers do block a server with one thread.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import ShareLink
from tests import images
from tests.helpers import stop_process, subprocess_environment
from tests.test_up_command import free_port

ROOT = Path(__file__).resolve().parent.parent
READERS = 20

pytestmark = pytest.mark.django_db(transaction=True)


def start_server(settings, tmp_path: Path, **web) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = subprocess_environment(settings, STATIC_ROOT=tmp_path / "static", **web)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "up", "--no-worker", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=(tmp_path / "web.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz?scope=web", timeout=5) as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.5)
    stop_process(process)
    raise AssertionError("the web server did not start:\n" + (tmp_path / "web.log").read_text())


def slow_reader(base: str, path: str) -> socket.socket:
    """Ask for `path`, read the first bytes of the answer, then read nothing more."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.settimeout(30)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    first = sock.recv(64)
    assert first.startswith(b"HTTP/1.1 200"), first
    return sock


def probe(base: str) -> int:
    with urllib.request.urlopen(f"{base}/healthz?scope=web", timeout=1) as answer:
        return answer.status


@pytest.fixture
def shared_downloads(alice, album):
    """An album of large pictures, shared by a link that allows downloads: the paths of
    its ZIP and of each photo's file."""
    photos = [
        album.add_photo(SimpleUploadedFile(f"{n}.jpg", images.noise_jpeg(1800, 1400)))
        for n in range(3)
    ]
    link, token = ShareLink.create(album, label="family", allow_download=True)
    files = [f"/s/{token}/photos/{photo.code}/file/download/" for photo in photos]
    return f"/s/{token}/zip/", files


def hold_readers(base: str, zip_path: str, files: list[str]) -> list[socket.socket]:
    # The first reader makes the clean shared copies once; the rest find them made.
    with urllib.request.urlopen(base + zip_path, timeout=120) as answer:
        assert len(answer.read()) > 4 * 1024 * 1024
    # On S3 a file is a redirect to the bucket, which then serves the reader: only the
    # ZIP, made by the site, is read from gunicorn there.
    served_here = files if not settings.S3_BUCKET else [zip_path]
    paths = [zip_path if n % 2 else served_here[n % len(served_here)] for n in range(READERS)]
    return [slow_reader(base, path) for path in paths]


def test_twenty_slow_readers_leave_the_health_probe_answering(settings, tmp_path, shared_downloads):
    zip_path, files = shared_downloads
    server, base = start_server(settings, tmp_path)  # the configured defaults
    readers = []
    try:
        readers = hold_readers(base, zip_path, files)
        time.sleep(1)  # every reader's thread is now blocked on its full socket
        assert [probe(base) for _ in range(3)] == [200, 200, 200]
        with urllib.request.urlopen(f"{base}/", timeout=1) as page:
            assert page.status == 200
    finally:
        for reader in readers:
            reader.close()
        stop_process(server)


def test_the_same_readers_do_hold_a_server_of_one_thread(settings, tmp_path, shared_downloads):
    """The control: what the threaded configuration prevents."""
    zip_path, files = shared_downloads
    server, base = start_server(settings, tmp_path, WEB_WORKERS=1, WEB_THREADS=1)
    readers = []
    try:
        with urllib.request.urlopen(base + zip_path, timeout=120) as answer:
            assert len(answer.read()) > 4 * 1024 * 1024
        readers = [slow_reader(base, zip_path)]  # holds the only thread
        time.sleep(1)
        with pytest.raises(OSError):
            probe(base)
    finally:
        for reader in readers:
            reader.close()
        stop_process(server)
