"""Fixtures shared by the whole suite.

The people of the tests: alice owns albums, bob is another registered person
(later: someone alice shares with), charlie is an outsider.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings

SHARED_PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos"


def pytest_configure(config):
    # Tests render templates without running collectstatic first.
    import tempfile

    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="restorer-static-")
    settings.WHITENOISE_USE_FINDERS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The embedded cache is a folder of DATA_DIR, where the workers' heartbeats are
    # kept: a folder of this run's own, shared with the workers the tests start.
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        data_dir = Path(tempfile.mkdtemp(prefix="restorer-data-"))
        settings.CACHES = {
            "default": {**settings.CACHES["default"], "LOCATION": str(data_dir / "cache")}
        }
        os.environ["RESTORER_TEST_DATA_DIR"] = str(data_dir)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    """Test on an SQLite file, as deployed (WAL, busy timeout), not the in-memory
    shared cache, whose table locks make a live server and a test thread fail
    each other instead of waiting."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Every test stores files in a fresh folder of its own (on S3: a fresh prefix)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    if settings.S3_BUCKET:
        default = settings.STORAGES["default"]
        prefix = "/".join(filter(None, [settings.S3_LOCATION, "tests", uuid.uuid4().hex]))
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**default, "OPTIONS": {**default["OPTIONS"], "location": prefix}},
        }
    return root


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


@pytest.fixture(scope="session", autouse=True)
def s3_bucket():
    """The configured bucket exists (moto's server starts empty)."""
    from tests.s3 import configured_endpoint

    endpoint = configured_endpoint()
    if endpoint is not None:
        endpoint.create_bucket(settings.S3_BUCKET)


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3 endpoint whether or not the suite runs on S3: moto's server otherwise."""
    from tests.s3 import MotoServer, configured_endpoint

    endpoint = configured_endpoint()
    if endpoint is not None:
        yield endpoint
        return
    with MotoServer() as started:
        yield started


@pytest.fixture(autouse=True)
def follow_presigned_urls(monkeypatch):
    """On S3, the test client follows a file view's redirect to the bucket, as a browser does.

    The answer is the object store's own (status, body, type, disposition, caching);
    the application's redirect stays available as `response.redirect`.
    """
    if not settings.S3_BUCKET:
        return
    from django.test.client import Client

    plain_get = Client.get

    def get(self, path, *args, **kwargs):
        response = plain_get(self, path, *args, **kwargs)
        location = response.get("Location", "")
        if response.status_code == 302 and location.startswith(settings.S3_ENDPOINT_URL):
            return _fetch_object(location, response)
        return response

    monkeypatch.setattr(Client, "get", get)


def app_answer(response):
    """The application's own answer for a file: on S3 the redirect, else the file itself."""
    return getattr(response, "redirect", response)


def _fetch_object(url: str, redirect):
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


@pytest.fixture(autouse=True)
def empty_task_queue():
    """A Redis queue outlives the test database: start every test with an empty one."""
    if "redis" in settings.Q_CLUSTER:
        from django_q.brokers import get_broker

        get_broker().purge_queue()


@pytest.fixture
def password() -> str:
    return "correct horse battery staple 1907"


@pytest.fixture
def alice(django_user_model, password):
    return django_user_model.objects.create_user("alice", "alice@example.org", password)


@pytest.fixture
def bob(django_user_model, password):
    return django_user_model.objects.create_user("bob", "bob@example.org", password)


@pytest.fixture
def charlie(django_user_model, password):
    return django_user_model.objects.create_user("charlie", "charlie@example.org", password)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def charlie_client(django_user_model, charlie):
    from django.test import Client

    other = Client()
    other.force_login(charlie)
    return other


@pytest.fixture
def anon_client():
    from django.test import Client

    return Client()


@pytest.fixture
def album(alice):
    from albums.models import Album

    return Album.objects.create(owner=alice, title="Grandma's box", description="Summer 1952")


@pytest.fixture
def sync_tasks(monkeypatch):
    """Run django-q2 tasks inline, as a worker would, instead of queueing them."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def shared_photos() -> Path:
    if not SHARED_PHOTOS.is_dir():
        pytest.skip(f"the real sample photos are not at {SHARED_PHOTOS}")
    return SHARED_PHOTOS


if os.environ.get("CI"):
    # CI must never silently skip the browser tests.
    os.environ.setdefault("BROWSER_TESTS_REQUIRED", "1")


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
        cwd=Path(__file__).resolve().parent.parent,
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
