"""Clock: SimPy's order of events, `alone` only inside a sole callback, and processes whose end
needs no event unless someone waits for it."""

from __future__ import annotations

import gc
import weakref

import pytest
import simpy

from sim.engine.clock import Clock
from sim.engine.pools import Pool


def trace(env) -> list[tuple[float, str]]:
    """A few processes with ties, interrupts and waits on processes, logging what they do."""
    log = []

    def worker(name, delays):
        for d in delays:
            yield env.timeout(d)
            log.append((env.now, name))
        return name

    def waiter(proc):
        value = yield proc
        log.append((env.now, f"joined {value}"))

    def victim():
        try:
            yield env.timeout(10)
        except simpy.Interrupt as stop:
            log.append((env.now, f"interrupted {stop.cause}"))

    def interrupter(proc):
        yield env.timeout(1)
        proc.interrupt("now")

    a = env.process(worker("a", [1, 1, 0, 2]))
    env.process(worker("b", [2, 0, 1]))
    env.process(waiter(a))
    env.process(interrupter(env.process(victim())))
    env.run(until=3.5)
    env.run(until=6)
    return log


WINDOWS = [None, 0.5, 1.0, 16.0]  # one heap as SimPy, and later events filed by window


@pytest.mark.parametrize("window", WINDOWS)
def test_same_order_as_simpy(window):
    assert trace(Clock(window=window)) == trace(simpy.Environment())


def test_run_to_a_time_stops_there():
    env = Clock()
    env.process(iter_forever(env))
    env.run(until=5.5)
    assert env.now == 5.5
    with pytest.raises(ValueError):
        env.run(until=5.0)


def iter_forever(env):
    while True:
        yield env.timeout(1)


def test_failure_crashes_the_run():
    env = Clock()

    def broken():
        yield env.timeout(1)
        raise KeyError("boom")

    env.process(broken())
    with pytest.raises(KeyError):
        env.run(until=2)


def test_acquire_goes_straight_on_only_when_nothing_else_is_due():
    env = Clock()
    pool = Pool(env, "staff", 2)
    got = []

    def ask(delay):
        yield env.timeout(delay)
        event = pool.acquire()
        got.append(event is env.granted)
        yield event

    env.process(ask(1.0))  # alone at t=1: straight on
    env.process(ask(2.0))
    env.process(ask(2.0))  # two at t=2: the first must let the second's timeout go first,
    env.run(until=3)  # and the second finds the pool full
    assert got == [True, False, False]
    assert pool.busy == 2 and pool.queue_length == 1


def test_acquire_outside_the_loop_is_a_plain_request():
    env = Clock()
    pool = Pool(env, "staff", 1)
    assert pool.acquire() is not env.granted


@pytest.mark.parametrize("window", WINDOWS)
def test_near_far_and_never_due_events_keep_simpys_order(window):
    """Events near, far, at the same time, on a window's edge and at infinity (a rate of nearly
    zero) come in SimPy's order, and the one at infinity never comes."""
    span = 16.0

    def trace(env) -> list:
        seen = []

        def proc(name, delays):
            for delay in delays:
                yield env.timeout(delay)
                seen.append((env.now, name))

        env.process(proc("far", [3 * span, 0.0, span / 2, 10 * span]))
        env.process(proc("near", [1.0] * 50))
        env.process(proc("edge", [span, span, 2 * span]))
        env.process(proc("never", [float("inf")]))
        env.run(until=20 * span)
        return seen

    got = trace(Clock(window=window))
    assert got == trace(simpy.Environment())
    assert ("never" not in {name for _, name in got}) and len(got) == 4 + 50 + 3


def test_a_finished_process_is_freed_without_the_garbage_collector():
    """A replication pauses the cyclic collector, so a process that ends must leave no cycle
    behind: each one would stay in memory until the run is over."""
    env = Clock()

    def brief():
        yield env.timeout(1)

    def interrupted():
        try:
            yield env.timeout(5)
        except simpy.Interrupt:
            return

    done, stopped = env.process(brief()), env.process(interrupted())
    env.run(until=2)
    stopped.interrupt("stop")
    env.run(until=3)
    gone = [weakref.ref(done), weakref.ref(stopped)]
    collecting = gc.isenabled()
    gc.disable()
    try:
        del done, stopped
        assert [ref() for ref in gone] == [None, None]
    finally:
        if collecting:
            gc.enable()


def test_step_and_peek_take_events_from_later_windows():
    """Stepping by hand, as a replication settles its start, reaches events filed under later
    windows, and a clock with nothing left says so as SimPy does."""
    env = Clock(window=1.0)
    seen = []

    def proc():
        for delay in (0.25, 3.5, 0.0, 40.0):
            yield env.timeout(delay)
            seen.append(env.now)

    env.process(proc())
    assert env.pending == 1 and env.peek() == 0.0
    times = []
    while env.peek() < float("inf"):
        times.append(env.peek())
        env.step()
    assert seen == [0.25, 3.75, 3.75, 43.75]
    assert times == [0.0, 0.25, 3.75, 3.75, 43.75] and env.pending == 0
    with pytest.raises(simpy.core.EmptySchedule):
        env.step()


@pytest.mark.parametrize("window", [0.0, -1.0, 3.0, 0.3])
def test_a_window_must_be_a_positive_power_of_two(window):
    with pytest.raises(ValueError, match="power of two"):
        Clock(window=window)


def test_a_later_windows_events_come_out_in_time_order():
    """A window's events are filed in the order they were scheduled, not in time order."""
    env = Clock(window=1.0)
    seen = []

    def proc(delay):
        yield env.timeout(delay)
        seen.append(delay)

    for delay in (5.75, 5.25, 5.5, 5.0, 6.0):
        env.process(proc(delay))
    env.run()
    assert seen == [5.0, 5.25, 5.5, 5.75, 6.0]
