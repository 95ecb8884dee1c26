"""Pool: first come, first served, no overtaking, capacity changes that never preempt."""

from __future__ import annotations

import datetime as dt

import pytest
import simpy

from sim.config import Step
from sim.config.steps import step_days, value_at
from sim.engine.pools import Pool, follow_schedule


@pytest.fixture
def env():
    return simpy.Environment()


def granted(*events) -> list[bool]:
    return [e.triggered for e in events]


def test_grants_up_to_capacity_then_queues(env):
    pool = Pool(env, "caseworkers", 2)
    a, b, c = pool.request(), pool.request(), pool.request()
    assert granted(a, b, c) == [True, True, False]
    assert pool.busy == 2 and pool.queue_length == 1
    assert pool.free() == 0


def test_release_serves_the_queue_in_arrival_order(env):
    pool = Pool(env, "beds", 1)
    pool.request()
    queued = [pool.request() for _ in range(3)]
    for n in range(3):
        pool.release()
        assert granted(*queued) == [i <= n for i in range(3)]
    assert pool.busy == 1


def test_no_overtaking_by_a_smaller_request(env):
    pool = Pool(env, "support", 10)
    pool.request(8)
    heavy = pool.request(5)  # does not fit
    light = pool.request(1)  # would fit, but must wait behind `heavy`
    assert granted(heavy, light) == [False, False]
    assert pool.free() == 0.0
    pool.release(8)
    assert granted(heavy, light) == [True, True]
    assert pool.busy == pytest.approx(6)


def test_capacity_increase_serves_the_queue(env):
    pool = Pool(env, "caseworkers", 0)
    waiting = [pool.request() for _ in range(3)]
    assert granted(*waiting) == [False] * 3
    pool.set_capacity(2)
    assert granted(*waiting) == [True, True, False]
    pool.set_capacity(3)
    assert granted(*waiting) == [True] * 3


def test_cancel_a_waiting_request(env):
    pool = Pool(env, "beds", 1)
    holder = pool.request()
    gone, stays = pool.request(), pool.request()
    pool.cancel(gone)
    assert pool.queue_length == 1
    pool.release()
    assert granted(holder, gone, stays) == [True, False, True]
    assert pool.busy == 1


def test_a_request_withdrawn_twice_is_refused(env):
    """Withdrawing twice would count one waiter out twice and let the queue be skipped."""
    pool = Pool(env, "beds", 1)
    pool.request()
    gone, stays = pool.request(), pool.request()
    pool.cancel(gone)
    with pytest.raises(ValueError, match="withdrawn twice"):
        pool.cancel(gone)
    assert pool.queue_length == 1 and not stays.triggered


def test_cancel_a_granted_request_releases_it(env):
    pool = Pool(env, "support", 3)
    held = pool.request(2.5)
    waiting = pool.request(1)
    assert granted(held, waiting) == [True, False]
    pool.cancel(held, 2.5)
    assert waiting.triggered
    assert pool.busy == pytest.approx(1)


def test_capacity_decrease_does_not_preempt(env):
    pool = Pool(env, "caseworkers", 3)
    held = [pool.request() for _ in range(3)]
    pool.set_capacity(1)
    assert granted(*held) == [True] * 3
    assert pool.busy == 3
    new = pool.request()
    pool.release()
    pool.release()
    assert not new.triggered  # busy 1 of capacity 1: still full
    pool.release()
    assert new.triggered and pool.busy == 1


def test_fractional_units_fit_despite_rounding(env):
    pool = Pool(env, "support", 0.3)
    parts = [pool.request(0.1) for _ in range(3)]
    assert all(granted(*parts))  # 0.1 + 0.1 + 0.1 is 0.30000000000000004: within EPS of 0.3
    assert not pool.request(0.1).triggered


def test_granted_request_resumes_a_waiting_process(env):
    pool = Pool(env, "advisors", 1)
    log = []

    def user(name, hold):
        yield pool.request()
        log.append((env.now, name))
        yield env.timeout(hold)
        pool.release()

    for name in "abc":
        env.process(user(name, 2.0))
    env.run()
    assert log == [(0.0, "a"), (2.0, "b"), (4.0, "c")]


START = dt.date(2024, 1, 1)
STEPS = (Step(start=dt.date(2023, 1, 1), value=20), Step(start=dt.date(2024, 1, 1), value=25),
         Step(start=dt.date(2024, 3, 1), value=30))


def test_value_at_follows_dated_steps():
    assert value_at(STEPS, 0.0, START) == 25
    assert value_at(STEPS, 59.0, START) == 25
    assert value_at(STEPS, 60.0, START) == 30  # 2024-03-01 is day 60 of a leap year
    later = (Step(start=dt.date(2025, 1, 1), value=5),)
    assert value_at(later, 0.0, START) == 5  # the first step holds before its date


def test_schedule_applies_changes_after_the_start(env):
    assert list(step_days(STEPS, START)) == [(60.0, 30)]
    pool = Pool(env, "caseworkers", value_at(STEPS, 0.0, START))
    env.process(follow_schedule(env, STEPS, START, pool.set_capacity))
    env.run(until=59.5)
    assert pool.capacity == 25
    env.run(until=61)
    assert pool.capacity == 30
