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
