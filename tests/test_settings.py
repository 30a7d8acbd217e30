"""Configuration comes from the environment and bad values stop the start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from restorer import env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("Yes", True), ("1", True), ("off", False), ("0", False)]
)
def test_envbool(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env.envbool("FLAG", not expected) is expected


def test_envbool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"FLAG='maybe' is invalid"):
        env.envbool("FLAG", False)


def test_defaults_apply_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("NUMBER", raising=False)
    assert env.envint("NUMBER", 7) == 7
    monkeypatch.setenv("NUMBER", "  ")
    assert env.envint("NUMBER", 7) == 7


def test_envint_checks_range_and_form(monkeypatch):
    monkeypatch.setenv("NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="must be at least 1"):
        env.envint("NUMBER", 5, minimum=1)
    monkeypatch.setenv("NUMBER", "five")
    with pytest.raises(ImproperlyConfigured, match="expected a whole number"):
        env.envint("NUMBER", 5)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("50MB", 50 * 1024**2), ("512kb", 512 * 1024), ("1.5GB", int(1.5 * 1024**3)), ("2048", 2048)],
)
def test_envsize(monkeypatch, raw, expected):
    monkeypatch.setenv("SIZE", raw)
    assert env.envsize("SIZE", 1) == expected


def test_envsize_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("SIZE", "lots")
    with pytest.raises(ImproperlyConfigured, match="expected a size such as 50MB"):
        env.envsize("SIZE", 1)


def test_envlist(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env.envlist("HOSTS", []) == ["a.example", "b.example"]


def run_check(tmp_path, **variables):
    environment = {**os.environ, "DATA_DIR": str(tmp_path), **variables}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "perhaps", "DEBUG='perhaps' is invalid"),
        ("MAX_UPLOAD_SIZE", "big", "MAX_UPLOAD_SIZE='big' is invalid"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is invalid"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE='Mars/Olympus' is invalid"),
        ("SITE_URL", "photos.example.org", "SITE_URL='photos.example.org' is invalid"),
        ("Q_RETRY", "20", "Q_RETRY (20) must be larger than Q_TIMEOUT"),
    ],
)
def test_bad_values_stop_the_start_with_a_clear_message(tmp_path, variable, value, message):
    result = run_check(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_fresh_install_generates_and_keeps_its_secret_key(tmp_path):
    environment_without_key = {"SECRET_KEY": ""}
    assert run_check(tmp_path, **environment_without_key).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert run_check(tmp_path, **environment_without_key).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_sqlite_is_set_up_for_a_web_server_and_a_worker_at_once(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip(f"SQLite only; this run's database is {connection.vendor}")

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 1000
    assert connection.transaction_mode == "IMMEDIATE"


def test_the_sqlite_file_runs_in_wal_mode(tmp_path):
    environment = {**os.environ, "DATA_DIR": str(tmp_path)}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DATABASE_URL", None)  # the default database, whatever the suite runs on
    code = "from django.db import connection; c = connection.cursor(); "
    code += "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "wal", result.stderr
