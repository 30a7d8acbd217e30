"""`/healthz`: database, storage, broker and the workers' heartbeat, as JSON; 503 when down."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import subprocess_environment, wait_until

ROOT = Path(__file__).resolve().parent.parent


TOKEN = "a health token for monitoring"


@pytest.fixture(autouse=True)
def health_token(settings):
    settings.HEALTHZ_TOKEN = TOKEN


def get(client, url="/healthz"):
    """The detailed answer, as monitoring with the token gets it."""
    response = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response, response.json()


def _answer_where(client, accept):
    """(response, body) of one request if `accept(response, body)`, else None."""
    response, body = get(client)
    return (response, body) if accept(response, body) else None


@pytest.mark.django_db
def test_without_a_worker_it_says_the_worker_is_down(anon_client):
    # A worker an earlier test stopped leaves its last heartbeat for up to 3 s.
    response, body = wait_until(
        lambda: _answer_where(anon_client, lambda r, b: not b["checks"]["worker"]["clusters"]),
        10,
        "the last worker's heartbeat to age",
        interval=0.5,
    )
    assert response.status_code == 503
    assert body["status"] == "down"
    checks = body["checks"]
    assert checks["database"]["ok"] and checks["storage"]["ok"] and checks["broker"]["ok"]
    assert checks["worker"] == {**checks["worker"], "ok": False, "clusters": 0}
    assert checks["worker"]["heartbeat_age"] is None


@pytest.mark.django_db
def test_the_web_scope_leaves_the_workers_out(anon_client):
    response, body = get(anon_client, "/healthz?scope=web")
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage"}


@pytest.mark.django_db
def test_a_storage_failure_is_reported_without_details(anon_client, monkeypatch):
    from restorer import health

    class Refusing:
        def exists(self, name):
            raise PermissionError("/secret/path/is/not/for/visitors")

    monkeypatch.setattr(health, "default_storage", Refusing())
    response, body = get(anon_client, "/healthz?scope=web")
    assert response.status_code == 503
    assert body["checks"]["storage"] == {**body["checks"]["storage"], "ok": False}
    assert body["checks"]["storage"]["error"] == "PermissionError"
    assert "secret" not in response.content.decode()
    assert body["checks"]["database"]["ok"]


@pytest.mark.django_db
def test_a_database_failure_is_reported(anon_client, monkeypatch):
    from restorer import health

    def broken():
        raise OSError("the database server is unreachable")

    monkeypatch.setattr(health, "database", broken)
    response, body = get(anon_client, "/healthz?scope=web")
    assert response.status_code == 503
    assert body["checks"]["database"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_shows_its_heartbeat_and_its_end_shows_at_once(
    settings, anon_client, tmp_path
):
    log_path = tmp_path / "qcluster.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=subprocess_environment(settings, Q_WORKERS=1),
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        response, body = wait_until(
            lambda: _answer_where(anon_client, lambda r, b: r.status_code == 200),
            60,
            "a heartbeat",
            interval=0.5,
            explain=lambda: f"{get(anon_client)[1]}\n{log_path.read_text()[-3000:]}",
        )
        assert body["status"] == "ok"
        assert body["checks"]["worker"]["clusters"] == 1
        assert 0 <= body["checks"]["worker"]["heartbeat_age"] <= 5
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    response, body = wait_until(
        lambda: _answer_where(anon_client, lambda r, b: r.status_code == 503),
        30,
        "the stopped worker to be noticed",
        interval=0.5,
    )
    assert response.status_code == 503
    assert body["checks"]["worker"]["ok"] is False


@pytest.mark.django_db
def test_the_public_answer_is_ok_or_503_and_nothing_else(anon_client, monkeypatch, settings):
    # The finding: /healthz showed its details (engine, backend, heartbeat ages) to anyone.
    response = anon_client.get("/healthz?scope=web")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    wrong = anon_client.get("/healthz?scope=web", headers={"Authorization": "Bearer nope"})
    assert wrong.content == b"ok"
    from restorer import health

    def broken():
        raise OSError("the disk is gone")

    monkeypatch.setattr(health, "storage", broken)
    down = anon_client.get("/healthz?scope=web")
    assert down.status_code == 503 and down.content == b"down"


@pytest.mark.django_db
def test_staff_see_the_details(client, django_user_model, settings):
    settings.HEALTHZ_TOKEN = ""
    staff = django_user_model.objects.create_user("keeper", "k@example.org", "x", is_staff=True)
    client.force_login(staff)
    body = client.get("/healthz?scope=web").json()
    assert body["checks"]["database"]["ok"] is True
    # Without a token configured, a bearer header opens nothing.
    from django.test import Client

    anonymous = Client().get("/healthz?scope=web", headers={"Authorization": "Bearer "})
    assert anonymous.content == b"ok"
