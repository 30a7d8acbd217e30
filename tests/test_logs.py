"""Logs: one line per event on standard output, with the job and the photo on pipeline lines."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from restorer import tasks
from restorer.logs import JobFilter, OneLineFormatter
from tests import images

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def captured():
    """The lines the configured handler would write, as the configured formatter writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter())
    handler.addFilter(JobFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_an_exception_is_one_line(captured):
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        logging.getLogger("restorer.test").exception("it broke\nbadly")
    lines = captured.getvalue().splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert " ERROR restorer.test it broke\\nbadly\\nTraceback" in line
    assert "ValueError: first line\\nsecond line" in line


@pytest.mark.django_db
def test_pipeline_lines_name_the_job_and_the_photo(settings, captured, alice_client, album):
    settings.RESTORER_PROVIDER = "local"
    alice_client.post(
        f"/albums/{album.code}/upload/", {"photos": [SimpleUploadedFile("p.jpg", images.jpeg())]}
    )
    photo = album.photos.get()
    restoration = photo.versions.get().restoration
    tasks.prepare(restoration.pk)
    restoration.refresh_from_db()
    assert restoration.state == "done"
    lines = [line for line in captured.getvalue().splitlines() if "restorer.tasks" in line]
    assert lines, captured.getvalue()
    tag = f"job={restoration.code} photo={photo.code}"
    assert all(line.endswith(tag) for line in lines), lines
    assert any(f"restoration {restoration.code} done" in line for line in lines)
    # Outside the task, lines carry no job.
    logging.getLogger("restorer.test").info("after")
    assert captured.getvalue().splitlines()[-1].endswith("restorer.test after")


def test_logs_go_to_standard_output(tmp_path):
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('restorer.test').warning('hello\\nworld')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "restorer.settings", "DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.endswith(" WARNING restorer.test hello\\nworld\n")
    assert result.stdout.count("\n") == 1


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_share_tokens_never_reach_the_log(settings, tmp_path, album, captured):
    # The finding: share tokens appeared in clear in the access log (/s/<token>/).
    import time
    import urllib.error
    import urllib.request

    from albums.models import ShareLink
    from tests.helpers import subprocess_environment

    link, token = ShareLink.create(album)
    link.revoke()
    port = free_port()
    environment = subprocess_environment(
        settings, BIND=f"127.0.0.1:{port}", DATA_DIR=str(tmp_path), WEB_WORKERS=1
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:restorer.gunicorn_config",
         "restorer.wsgi"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for path in (f"/s/{token}/", f"/s/{token}/zip/", f"/s/{token}/photos/x/file/thumb/"):
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
                except urllib.error.HTTPError:
                    break  # 404 or 410: answered
                except OSError:
                    time.sleep(0.1)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert '"GET /s/[token]/zip/ HTTP/1.1"' in output, output
    assert token not in output
    # The site's own lines (Django's "Not Found: …") too.
    Client = __import__("django.test", fromlist=["Client"]).Client
    Client().get(f"/s/{token}/zip/")
    assert "Not Found: /s/[token]/zip/" in captured.getvalue()
    assert token not in captured.getvalue()


def test_password_reset_and_invitation_links_are_redacted_too():
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1,
        '"GET /accounts/password/reset/MQ/cxyz-0123456789abcdef/ HTTP/1.1" 302 '
        '"GET /invitations/abcdefghijklmnop/ HTTP/1.1"', None, None,
    )  # fmt: skip
    line = OneLineFormatter().format(record)
    assert "cxyz" not in line and "abcdefghijklmnop" not in line
    assert "/accounts/password/reset/[token]/" in line and "/invitations/[token]/" in line
