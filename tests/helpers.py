"""Helpers the tests share: files in storage, the scaled-out services, worker processes,
and waiting for something to happen."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition: Callable, seconds: float, what: str, *, interval: float = 0.3,
               explain: Callable[[], str] | None = None):  # fmt: skip
    """The first truthy value of `condition()` within `seconds`; else the test fails,
    saying what it waited for and, through `explain`, what it saw."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    detail = explain() if explain else ""
    pytest.fail(f"timed out waiting for {what}" + (f"; {detail}" if detail else ""))


def stored_files(root: Path | None = None) -> list[str]:
    """Every name in the configured storage (the test's own folder or prefix)."""
    from django.core.files.storage import default_storage

    def walk(folder: str) -> list[str]:
        folders, files = default_storage.listdir(folder)
        names = [f"{folder}{name}" for name in files]
        for name in folders:
            names += walk(f"{folder}{name}/")
        return names

    return sorted(walk(""))


def services_required() -> bool:
    """CI runs the scaled-out suite with PostgreSQL, Redis and S3 and must never skip it."""
    return os.environ.get("SCALEOUT_TESTS_REQUIRED", "") == "1"


def require_scaled_out() -> None:
    """Skip (or, in CI's scaled-out run, fail) unless PostgreSQL and Redis are configured."""
    from django.db import connection

    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL=postgres://…")
    if "redis" not in settings.Q_CLUSTER:
        missing.append("REDIS_URL=redis://…")
    if not missing:
        return
    reason = "needs " + " and ".join(missing) + " (a PostgreSQL database and a Redis server)"
    if services_required():
        pytest.fail(f"SCALEOUT_TESTS_REQUIRED=1 but this test {reason}")
    pytest.skip(reason)


def app_answer(response):
    """The application's own answer for a file: on S3 the redirect, else the file itself."""
    return getattr(response, "redirect", response)


def fetch_object(url: str, redirect):
    import requests
    from django.http import HttpResponse

    class StoredObject(HttpResponse):
        @property
        def streaming_content(self):
            return iter([self.content])

    answer = requests.get(url, timeout=30)
    response = StoredObject(
        answer.content, status=answer.status_code, content_type=answer.headers["Content-Type"]
    )
    for header in ("Content-Disposition", "Cache-Control"):
        if header in answer.headers:
            response[header] = answer.headers[header]
    response.redirect = redirect
    return response


def database_url_for_subprocesses() -> str:
    """DATABASE_URL of the database the running test uses, for processes it starts."""
    from django.db import connection

    config = connection.settings_dict
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{config['NAME']}"
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = config.get("HOST") or "localhost"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{config['NAME']}"


def subprocess_environment(settings, **extra) -> dict:
    """Environment for a manage.py process that shares this test's database and files."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocesses(),
        "SECRET_KEY": settings.SECRET_KEY,  # django-q2 signs queued tasks with it
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "INFO",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    if os.environ.get("RESTORER_TEST_DATA_DIR"):
        environment["DATA_DIR"] = os.environ["RESTORER_TEST_DATA_DIR"]
    if settings.S3_BUCKET:
        environment["S3_LOCATION"] = settings.STORAGES["default"]["OPTIONS"]["location"]
    environment.update({key: str(value) for key, value in extra.items()})
    return environment


def start_qcluster(settings, log_path, *, fake=None, **overrides):
    """A real `qcluster` sharing this test's database and files, in a process group of its
    own (so a test can kill it whole); pointed at the fake PicWish server when given."""
    import subprocess
    import sys

    values = {"Q_WORKERS": 2, "Q_POLL": 0.1}
    if fake is not None:
        values.update(
            PICWISH_API_KEY=fake.api_key,
            PICWISH_API_URL=fake.url,
            PICWISH_ALLOWED_RESULT_HOSTS=fake.result_host,
        )
    values.update(overrides)
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=subprocess_environment(settings, **values),
        stdout=Path(log_path).open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process(process, seconds: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not stopped in time."""
    import signal
    import subprocess

    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
