"""Requests per second per API key, shared by every web process through the database.

A generic cell rate algorithm: each request books the next slot of the key's budget
(restorer.models.ApiBudget, the row the PicWish budget uses for its own key); a key
may run `burst` slots ahead of the clock, and a request past that is refused with
the seconds until a slot is free. Nothing is kept in a process's memory, so two
gunicorn workers, or two machines, share one limit.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db import transaction

from restorer.models import ApiBudget


def take(name: str, *, qps: float | None = None, clock=time.time) -> float:
    """Book a request for `name`; 0.0 when allowed, else the seconds to wait before the next."""
    qps = qps or settings.API_QPS
    interval = 1.0 / qps
    burst = max(1, math.floor(qps))
    with transaction.atomic():
        budget, _ = ApiBudget.objects.select_for_update().get_or_create(name=name)
        now = clock()
        theoretical = max(budget.next_free_at, now)
        ahead = theoretical - now
        if ahead > (burst - 1) * interval + 1e-9:
            return ahead - (burst - 1) * interval
        budget.next_free_at = theoretical + interval
        budget.calls += 1
        budget.save(update_fields=["next_free_at", "calls"])
    return 0.0
