"""System checks for the mistakes people make, and `check --deploy` with docs/production.env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from restorer import checks

ROOT = Path(__file__).resolve().parent.parent


def ids(problems) -> list[str]:
    return [problem.id for problem in problems]


def test_the_defaults_pass(settings):
    assert checks.check_provider(None) == []
    assert checks.check_task_timeouts(None) == []
    assert checks.check_machines(None) == []
    assert checks.check_debug_on_public_host(None) == []


def test_picwish_without_a_key(settings):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = " "
    assert ids(checks.check_provider(None)) == ["restorer.E001"]
    settings.PICWISH_API_KEY = "k"
    assert checks.check_provider(None) == []


@pytest.mark.parametrize(
    ("timeout", "retry", "expected"),
    [(300, 600, []), (300, 450, []), (300, 400, ["restorer.E003"]), (300, 301, ["restorer.E003"])],
)
def test_the_task_timeout_must_be_well_below_retry(settings, timeout, retry, expected):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": timeout, "retry": retry}
    assert ids(checks.check_task_timeouts(None)) == expected


def test_several_machines_need_a_shared_database_and_storage(settings, monkeypatch):
    settings.MACHINES = 3
    monkeypatch.setattr(checks, "database_engine", lambda: "django.db.backends.sqlite3")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    problems = checks.check_machines(None)
    assert ids(problems) == ["restorer.E004", "restorer.W005"]
    assert "DATABASE_URL" in problems[0].hint and "S3_BUCKET" in problems[1].hint
    monkeypatch.setattr(checks, "database_engine", lambda: "django.db.backends.postgresql")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    assert checks.check_machines(None) == []
    settings.MACHINES = 1
    monkeypatch.setattr(checks, "database_engine", lambda: "django.db.backends.sqlite3")
    assert checks.check_machines(None) == []


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        (["localhost", "127.0.0.1", "[::1]"], []),
        (["photos.local", "192.168.1.20", "10.0.0.5"], []),
        (["photos.example.org"], ["restorer.W006"]),
        (["*"], ["restorer.W006"]),
        (["localhost", "93.184.215.14"], ["restorer.W006"]),
    ],
)
def test_debug_with_a_public_host(settings, hosts, expected):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = hosts
    assert ids(checks.check_debug_on_public_host(None)) == expected
    settings.DEBUG = False
    assert checks.check_debug_on_public_host(None) == []


@pytest.mark.django_db
def test_an_unreachable_bucket(settings, s3_endpoint):
    from tests.s3 import Endpoint

    closed = Endpoint("http://127.0.0.1:9", "us-east-1", "testing", "testing")
    settings.S3_BUCKET = "nowhere"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": closed.storage_options("nowhere"),
        },
    }
    problems = checks.check_bucket_reachable(None)
    assert ids(problems) == ["restorer.E007"]
    assert "S3_ENDPOINT_URL" in problems[0].hint

    # A server that answers, but has no such bucket.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_endpoint.storage_options("no-such-bucket-here"),
        },
    }
    problems = checks.check_bucket_reachable(None)
    assert ids(problems) == ["restorer.E007"]
    assert "404" in problems[0].msg or "NoSuchBucket" in problems[0].msg

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_endpoint.storage_options(s3_endpoint.create_bucket("reachable")),
        },
    }
    assert checks.check_bucket_reachable(None) == []


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


PLACEHOLDER_SECRETS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "PICWISH_API_KEY",
    "EMAIL_HOST_PASSWORD",
    "HEALTHZ_TOKEN",
)


def with_real_secrets(documented: dict[str, str]) -> dict[str, str]:
    """The documented environment with each change-me value replaced, as the docs ask."""
    import re
    import secrets

    return {
        key: re.sub(r"change-me[\w-]*", lambda _: secrets.token_urlsafe(50), value)
        for key, value in documented.items()
    }


def check_deploy(tmp_path, s3_endpoint, documented: dict[str, str]):
    # The documented bucket, region and credentials, on this machine's S3 endpoint.
    client_region = documented["S3_REGION"]
    from tests.s3 import Endpoint

    Endpoint(s3_endpoint.url, client_region, "testing", "testing").create_bucket(
        documented["S3_BUCKET"]
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key.split("_")[0] not in ("S3", "REDIS", "DATABASE", "Q", "PICWISH", "RESTORER")
    }
    # Set by the test tools (pytest-django, Playwright) for themselves, never in deployment.
    for tool_variable in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(tool_variable, None)
    environment.update(documented)
    environment.update(
        DATA_DIR=str(tmp_path),
        S3_ENDPOINT_URL=s3_endpoint.url,  # the only change: where the bucket is
        S3_ADDRESSING_STYLE="path",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result


def test_check_deploy_is_silent_with_the_documented_production_environment(tmp_path, s3_endpoint):
    documented = with_real_secrets(read_env_file(ROOT / "docs" / "production.env"))
    result = check_deploy(tmp_path, s3_endpoint, documented)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_refuses_the_example_secrets(tmp_path, s3_endpoint):
    # The finding: check --deploy passed with docs/production.env unchanged.
    documented = read_env_file(ROOT / "docs" / "production.env")
    assert all("change-me" in documented[key] for key in PLACEHOLDER_SECRETS)
    result = check_deploy(tmp_path, s3_endpoint, documented)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for key in PLACEHOLDER_SECRETS:
        assert f"{key} still holds the example value" in output, key
