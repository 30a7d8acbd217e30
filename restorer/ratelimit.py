"""One request budget for a provider, shared by every process through the database.

Calls are spaced at least 1/qps seconds apart (plus a small margin for network
jitter), whoever makes them: a second worker, a second machine, or the
command-line tool. A 429 pushes the next slot back for everybody.

A slot is booked before the call, and a call may go out late: its process was slow to
wake, or had database writes to make first. The caller then says when the call really
went out (`sent`), and the next free slot moves to keep its distance from that moment;
otherwise a late call and the next one, on time, would reach the provider too close
together and cost a 429 and its Retry-After pause.

The margin adapts to the jitter the provider actually sees, and lives in the shared row,
so a dispatcher taking over from a dead one starts from what was learnt: each 429 widens
it by MARGIN_STEP (up to MAX_MARGIN), and every CALM_CALLS calls without one narrow it by
half a step, back towards JITTER_MARGIN. A 429 costs everybody a second of the budget; a
margin too wide costs a little of every call.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from restorer.models import ApiBudget

JITTER_MARGIN = 0.01  # the narrowest margin, seconds added to each spacing
MAX_MARGIN = 0.1  # the widest it grows after 429s
MARGIN_STEP = 0.02  # how much one 429 widens it
CALM_CALLS = 60  # calls without a 429 after which it narrows by half a step
LATE_TOLERANCE = 0.003  # seconds a call may go out after its slot before the next moves


class SharedRateLimiter:
    def __init__(self, name: str, qps: float, *, clock=time.time, sleep=time.sleep):
        if qps <= 0:
            raise ValueError("qps must be positive")
        self.name = name
        self.spacing = 1.0 / qps
        self.margin = JITTER_MARGIN  # as last read from the shared row
        self.clock = clock
        self.sleep = sleep
        self.booked: float | None = None  # the slot of the call about to go out

    @property
    def interval(self) -> float:
        return self.spacing + self.margin

    def _budget(self) -> ApiBudget:
        budget, _ = ApiBudget.objects.select_for_update().get_or_create(
            name=self.name, defaults={"margin": JITTER_MARGIN}
        )
        return budget

    def reserve(self) -> float:
        """Book the next free slot; return the Unix time it starts."""
        with transaction.atomic():
            budget = self._budget()
            budget.calm_calls += 1
            if budget.calm_calls >= CALM_CALLS and budget.margin > JITTER_MARGIN:
                budget.calm_calls = 0
                budget.margin = max(JITTER_MARGIN, budget.margin - MARGIN_STEP / 2)
            self.margin = budget.margin
            now = self.clock()
            slot = max(budget.next_free_at, now)
            budget.next_free_at = slot + self.interval
            budget.calls += 1
            budget.save(update_fields=["next_free_at", "calls", "margin", "calm_calls"])
        return slot

    def acquire(self) -> None:
        """Wait for this process's turn to make one call."""
        slot = self.reserve()
        delay = slot - self.clock()
        if delay > 0:
            self.sleep(delay)
        self.booked = slot

    __call__ = acquire

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

    def pause(self, seconds: float) -> None:
        """Nobody calls for `seconds` (the provider said Retry-After), and calls keep a
        wider distance for a while."""
        with transaction.atomic():
            budget = self._budget()
            budget.next_free_at = max(budget.next_free_at, self.clock() + seconds)
            budget.margin = min(MAX_MARGIN, budget.margin + MARGIN_STEP)
            budget.calm_calls = 0
            self.margin = budget.margin
            budget.save(update_fields=["next_free_at", "margin", "calm_calls"])
