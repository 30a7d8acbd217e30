"""The provider's request budget shared through the database (restorer/ratelimit.py)."""

import pytest

from restorer.ratelimit import JITTER_MARGIN, SharedRateLimiter

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter(clock: Clock, qps: float = 2) -> SharedRateLimiter:
    return SharedRateLimiter("test", qps, clock=clock, sleep=clock.sleep)


def test_calls_are_spaced_by_the_interval_whoever_makes_them():
    clock = Clock()
    first, second = limiter(clock), limiter(clock)
    moments = []
    for one in (first, second, first, second):
        one.acquire()
        one.sent()
        moments.append(clock.now)
    gaps = [round(b - a, 6) for a, b in zip(moments, moments[1:], strict=False)]
    assert gaps == [round(0.5 + JITTER_MARGIN, 6)] * 3


def test_a_late_call_moves_the_next_slot_to_keep_its_distance():
    clock = Clock()
    one = limiter(clock)
    one.acquire()
    one.sent()
    one.acquire()  # booked at 1000.51, waited until then
    clock.now += 0.3  # database writes before the request really went out
    went_out = clock.now
    one.sent()
    one.acquire()
    assert clock.now == pytest.approx(went_out + one.interval)


def test_a_call_on_time_leaves_the_budget_alone():
    clock = Clock()
    one = limiter(clock)
    for _ in range(3):
        one.acquire()
        one.sent()
    assert clock.now == pytest.approx(1000.0 + 2 * one.interval)


def test_sent_without_a_booking_does_nothing():
    clock = Clock()
    one = limiter(clock)
    one.sent()
    one.acquire()
    assert clock.now == 1000.0


def test_a_pause_holds_back_everybody():
    clock = Clock()
    first, second = limiter(clock), limiter(clock)
    first.acquire()
    first.sent()
    second.pause(3)
    first.acquire()
    assert clock.now == pytest.approx(1003.0)


def test_a_429_widens_the_spacing_and_calm_narrows_it_again():
    from restorer.ratelimit import CALM_CALLS, MAX_MARGIN

    clock = Clock()
    one = limiter(clock)
    narrow = one.interval
    one.pause(1)
    assert one.interval > narrow
    for _ in range(10):
        one.pause(1)
    assert one.interval == pytest.approx(0.5 + MAX_MARGIN)
    for _ in range(CALM_CALLS * 20):
        one.acquire()
        one.sent()
    assert one.interval == pytest.approx(narrow)


def test_what_a_429_taught_is_shared_with_a_limiter_that_takes_over():
    clock = Clock()
    first = limiter(clock)
    first.acquire()
    first.pause(1)
    successor = limiter(clock)  # another process, after the first one died
    successor.acquire()
    successor.sent()
    assert successor.interval == pytest.approx(first.interval)
    assert successor.interval > 0.5 + JITTER_MARGIN
