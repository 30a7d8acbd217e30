"""Fixtures shared by the whole suite.

The people of the tests: alice owns albums, bob is someone she shares with, charlie
is an outsider. Helpers the tests share live in tests/helpers.py.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.helpers import fetch_object

SHARED_PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos"


def pytest_configure(config):
    # Tests render templates without running collectstatic first.
    import tempfile

    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="restorer-static-")
    # Hashing a password the production way takes most of a login's time; tests log in a lot.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
            return fetch_object(location, response)
        return response

    monkeypatch.setattr(Client, "get", get)


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
def bob_client(bob):
    from django.test import Client

    member = Client()
    member.force_login(bob)
    return member


@pytest.fixture
def charlie_client(charlie):
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


@pytest.fixture
def clock(monkeypatch):
    """The guessing throttle's clock (restorer.throttle.now), moved on by hand."""
    from restorer import throttle

    moment = [timezone.now()]
    monkeypatch.setattr(throttle, "now", lambda: moment[0])

    class Clock:
        def advance(self, seconds: float) -> None:
            moment[0] += timedelta(seconds=seconds)

    return Clock()
