"""Nothing stalls, nothing is lost: work whose worker died is found and queued again.

Every step a worker takes on a row (preparing the input, making a photo's renditions,
running the embedded engine, storing a result) first claims the row by stamping its
``heartbeat_at``, and a thread renews that stamp every few seconds while the step runs.
A stamp older than STALE_SECONDS means the worker died (SIGKILL, out of memory, a lost
machine): the sweep queues the step again, at most MAX_RECOVERIES times, then fails the
row with a message the person understands.

A step that was queued but not yet claimed may sit in a dead cluster's memory: django-q2
takes a few tasks ahead from the broker (Redis forgets them; the ORM broker gives them
back only after Q_RETRY). So each cluster keeps a heartbeat of its own (a Lease named
``cluster:…``, see supervisor.py); when one stops, the sweep queues every unclaimed step
again. Steps claim before they work, so a second delivery of the same step does nothing.

The sweep runs in a thread of every worker cluster, never in the task queue, so it
cannot wait behind long tasks; the minute's watchdog schedule runs it too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, connection, models
from django.db.models import F, Q
from django.utils import timezone

from restorer.models import Lease, enqueue

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 3.0
STALE_SECONDS = 15.0
MAX_RECOVERIES = 3
CLUSTER_PREFIX = "cluster:"

# Sweepers of other apps (albums registers its renditions): called with the time of the
# sweep and whether a dead cluster was found; they answer how many rows they moved on.
Sweeper = Callable[..., int]
_sweepers: list[Sweeper] = []


def register(sweeper: Sweeper) -> None:
    if sweeper not in _sweepers:
        _sweepers.append(sweeper)


def other_sweepers() -> list[Sweeper]:
    return list(_sweepers)


# --- claiming and beating ----------------------------------------------------------------


def fresh(now=None) -> Q:
    """Rows some worker is on right now (its heartbeat is recent)."""
    now = now or timezone.now()
    return Q(heartbeat_at__gte=now - timedelta(seconds=STALE_SECONDS))


def abandoned(now=None) -> Q:
    """Rows whose worker stopped beating: it died in the middle of the step."""
    now = now or timezone.now()
    return Q(heartbeat_at__lt=now - timedelta(seconds=STALE_SECONDS))


def claim(queryset: models.QuerySet, pk: int) -> bool:
    """Stamp the row as ours unless a live worker already has it."""
    return queryset.filter(pk=pk).exclude(fresh()).update(heartbeat_at=timezone.now()) == 1


@contextmanager
def heartbeat(model: type[models.Model], pk: int) -> Iterator[None]:
    """Renew the row's heartbeat while the block runs; clear it when the block ends well.

    After an exception the stamp stays, goes stale, and the sweep tries the step again.
    Inside a transaction (tests, sync mode) the row is not visible to another connection,
    so no thread is started.
    """
    if connection.in_atomic_block:
        yield
        model.objects.filter(pk=pk).update(heartbeat_at=None)
        return
    stop = threading.Event()

    def beat() -> None:
        from django.db import connections

        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:
                    log.warning("heartbeat of %s %s not written: %s", model.__name__, pk, exc)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(HEARTBEAT_SECONDS + 5)
    model.objects.filter(pk=pk).update(heartbeat_at=None)


def take_back(model: type[models.Model], row, *, counted: bool = True) -> bool:
    """Free an abandoned row for a new delivery of its step; False if another sweep did."""
    fields: dict = {"heartbeat_at": None}
    if counted:
        fields["recoveries"] = F("recoveries") + 1
    return model.objects.filter(pk=row.pk, heartbeat_at=row.heartbeat_at).update(**fields) == 1


# --- clusters ----------------------------------------------------------------------------


def dead_clusters(now=None) -> list[str]:
    """Clusters whose heartbeat stopped, each reported to one sweep only."""
    now = now or timezone.now()
    names = list(
        Lease.objects.filter(name__startswith=CLUSTER_PREFIX, expires_at__lt=now)
        .exclude(holder="")
        .values_list("name", flat=True)
    )
    gone = []
    for name in names:
        if Lease.objects.filter(name=name, expires_at__lt=now).delete()[0]:
            gone.append(name.removeprefix(CLUSTER_PREFIX))
    return gone


def live_clusters() -> int:
    return (
        Lease.objects.filter(name__startswith=CLUSTER_PREFIX, expires_at__gt=timezone.now())
        .exclude(holder="")
        .count()
    )


def requeue(func: str, pk: int, why: str) -> None:
    log.warning("%s %s: %s, queued again", func.rsplit(".", 1)[-1], pk, why)
    enqueue(func, pk)
