"""One request budget for a provider, shared by every process through the database.

Calls are spaced at least 1/qps seconds apart (plus a small margin for network
jitter), whoever makes them: a second worker, a second machine, or the
command-line tool. A 429 pushes the next slot back for everybody.
"""

from __future__ import annotations

import time

from django.db import transaction

from restorer.models import ApiBudget

JITTER_MARGIN = 0.03  # seconds added to each spacing, so arrival jitter never bunches calls


class SharedRateLimiter:
    def __init__(self, name: str, qps: float, *, clock=time.time, sleep=time.sleep):
        if qps <= 0:
            raise ValueError("qps must be positive")
        self.name = name
        self.interval = 1.0 / qps + JITTER_MARGIN
        self.clock = clock
        self.sleep = sleep

    def reserve(self) -> float:
        """Book the next free slot; return the Unix time it starts."""
        with transaction.atomic():
            budget, _ = ApiBudget.objects.select_for_update().get_or_create(name=self.name)
            now = self.clock()
            slot = max(budget.next_free_at, now)
            budget.next_free_at = slot + self.interval
            budget.calls += 1
            budget.save(update_fields=["next_free_at", "calls"])
        return slot

    def acquire(self) -> None:
        """Wait for this process's turn to make one call."""
        slot = self.reserve()
        delay = slot - self.clock()
        if delay > 0:
            self.sleep(delay)

    __call__ = acquire

    def pause(self, seconds: float) -> None:
        """Nobody calls for `seconds` (the provider said Retry-After)."""
        with transaction.atomic():
            budget, _ = ApiBudget.objects.select_for_update().get_or_create(name=self.name)
            budget.next_free_at = max(budget.next_free_at, self.clock() + seconds)
            budget.save(update_fields=["next_free_at"])
