"""`/healthz`: is every part this site needs up? JSON, and 503 when one is down.

    {"status": "ok", "checks": {"database": {"ok": true, "ms": 1.2}, "storage": {…},
     "broker": {…}, "worker": {"ok": true, "clusters": 2, "heartbeat_age": 0.4}}}

`?scope=web` looks only at what a web server needs (database and storage): the
probe for a load balancer, which should not take every web server out of service
because the workers are down. Details of a failure go to the log, not the answer.
The JSON is for staff and for monitoring that sends HEALTHZ_TOKEN; anybody else gets
`ok` (200) or `down` (503).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)
PROBE_NAME = "healthz/probe"


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    probes: dict[str, Callable[[], dict]] = {"database": database, "storage": storage}
    if request.GET.get("scope") != "web":
        probes.update(broker=broker, worker=worker)
    checks = {name: _run(name, probe) for name, probe in probes.items()}
    healthy = all(check["ok"] for check in checks.values())
    status = 200 if healthy else 503
    if may_see_details(request):
        body = {"status": "ok" if healthy else "down", "checks": checks}
        response: HttpResponse = JsonResponse(body, status=status)
    else:
        # Anybody else learns up or down, and nothing about what runs the site.
        response = HttpResponse(
            b"ok" if healthy else b"down", status=status, content_type="text/plain"
        )
    response["Cache-Control"] = "no-store"
    return response


def may_see_details(request: HttpRequest) -> bool:
    """Staff, logged in, or monitoring sending `Authorization: Bearer <HEALTHZ_TOKEN>`."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(sent.encode(), token.encode())


def _run(name: str, probe: Callable[[], dict]) -> dict:
    started = time.perf_counter()
    try:
        result = probe()
    except Exception as exc:
        log.warning("health check %s failed: %s: %s", name, type(exc).__name__, exc)
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "engine": connection.vendor}


def storage() -> dict:
    # A lookup of a name that need not exist: it proves the store answers and the
    # credentials are accepted, without writing anything.
    default_storage.exists(PROBE_NAME)
    from restorer.files import is_object_storage

    return {"ok": True, "backend": "s3" if is_object_storage() else "local"}


def broker() -> dict:
    from django_q.brokers import get_broker

    queue = get_broker()
    ok = bool(queue.ping())
    return {"ok": ok, "kind": "redis" if "redis" in settings.Q_CLUSTER else "orm"}


def worker() -> dict:
    """The clusters' heartbeats: django-q2 writes one every half second and keeps it
    3 s, so a cluster that stopped or lost its connection is missing at once."""
    from django_q.status import Stat

    stats = [stat for stat in Stat.get_all() if getattr(stat, "timestamp", None)]
    age = None
    if stats:
        newest = max(stat.timestamp for stat in stats)
        age = round(max(0.0, (timezone.now() - newest).total_seconds()), 1)
    result = {
        "ok": bool(stats),
        "clusters": len({stat.cluster_id for stat in stats}),
        "heartbeat_age": age,
        "last_task_age": _last_task_age(),
    }
    return result


def _last_task_age() -> float | None:
    """Seconds since a worker last finished a task (the watchdog runs every minute)."""
    from django_q.models import Task

    stopped = Task.objects.order_by("-stopped").values_list("stopped", flat=True).first()
    if stopped is None:
        return None
    return round(max(0.0, (timezone.now() - stopped).total_seconds()), 1)
