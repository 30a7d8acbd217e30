"""Fixtures shared by the whole suite.

The people of the tests: alice owns albums, bob is another registered person
(later: someone alice shares with), charlie is an outsider.
"""

from __future__ import annotations

import os
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
    """Every test stores files in a fresh folder of its own."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


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
    environment.update({key: str(value) for key, value in extra.items()})
    return environment
