"""One request budget for a provider, shared by every process through the database.

Calls are spaced at least 1/qps seconds apart (plus a small margin for network
jitter), whoever makes them: a second worker, a second machine, or the
command-line tool. A 429 pushes the next slot back for everybody.

A slot is booked before the call, and a call may go out late: its process was slow to
wake, or had database writes to make first. The caller then says when the call really
went out (`sent`), and the next free slot moves to keep its distance from that moment;
otherwise a late call and the next one, on time, would reach the provider too close
together and cost a 429 and its Retry-After pause.

The margin added to each spacing adapts to the jitter the provider actually sees: each
429 widens it (up to MAX_MARGIN), and every CALM_CALLS calls without one narrow it again
towards JITTER_MARGIN. A 429 costs a second of everybody's budget; a margin too wide
costs a little of every call.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from restorer.models import ApiBudget

JITTER_MARGIN = 0.01  # seconds added to each spacing, so arrival jitter never bunches calls
MAX_MARGIN = 0.1  # the widest the margin grows after 429s
MARGIN_STEP = 0.02  # how much one 429 widens it
CALM_CALLS = 40  # calls without a 429 after which it narrows by a step again
LATE_TOLERANCE = 0.003  # seconds a call may go out after its slot before the next moves


class SharedRateLimiter:
    def __init__(self, name: str, qps: float, *, clock=time.time, sleep=time.sleep):
        if qps <= 0:
            raise ValueError("qps must be positive")
        self.name = name
        self.spacing = 1.0 / qps
        self.margin = JITTER_MARGIN
        self.calm = 0  # calls since the last 429
        self.clock = clock
        self.sleep = sleep
        self.booked: float | None = None  # the slot of the call about to go out

    @property
    def interval(self) -> float:
        return self.spacing + self.margin

    def reserve(self) -> float:
        """Book the next free slot; return the Unix time it starts."""
        with transaction.atomic():
            budget, _ = ApiBudget.objects.select_for_update().get_or_create(name=self.name)
            now = self.clock()
            slot = max(budget.next_free_at, now)
            budget.next_free_at = slot + self.interval
            budget.calls += 1
            budget.save(update_fields=["next_free_at", "calls"])
        self.calm += 1
        if self.calm >= CALM_CALLS and self.margin > JITTER_MARGIN:
            self.calm = 0
            self.margin = max(JITTER_MARGIN, self.margin - MARGIN_STEP / 2)
        return slot

    def acquire(self) -> None:
        """Wait for this process's turn to make one call."""
        slot = self.reserve()
        delay = slot - self.clock()
        if delay > 0:
            self.sleep(delay)
        self.booked = slot

    def sent(self) -> None:
        """The call booked last goes out now: when late, the next slot moves with it."""
        slot, self.booked = self.booked, None
        if slot is None:
            return
        now = self.clock()
        if now - slot > LATE_TOLERANCE:
            ApiBudget.objects.filter(name=self.name).update(
                next_free_at=Greatest(F("next_free_at"), now + self.interval)
            )

    __call__ = acquire

    def pause(self, seconds: float) -> None:
        """Nobody calls for `seconds` (the provider said Retry-After); calls from this
        limiter keep a wider distance for a while."""
        self.calm = 0
        self.margin = min(MAX_MARGIN, self.margin + MARGIN_STEP)
        with transaction.atomic():
            budget, _ = ApiBudget.objects.select_for_update().get_or_create(name=self.name)
            budget.next_free_at = max(budget.next_free_at, self.clock() + seconds)
            budget.save(update_fields=["next_free_at"])
