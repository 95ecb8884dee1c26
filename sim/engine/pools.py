"""Finite capacity: staff caseloads, shelter beds, residential places.

A `Pool` holds capacity in units (caseload units, beds, places) and grants requests first come,
first served; a request waits while the one before it waits (no overtaking), so a citizen who
needs a heavy caseload unit is not passed over by lighter ones. Capacity follows dated steps;
when it falls, work under way goes on and new work waits until busy is below capacity again.
It is leaner than `simpy.Resource`: one event per request, no request objects or callbacks, and
on a `Clock` a request that is granted at once and yielded at once needs no event at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappush

import simpy
from simpy.events import NORMAL

from sim.config.steps import step_days
from sim.engine.clock import Clock

EPS = 1e-9


def _grant(event: simpy.Event) -> None:
    """`event.succeed()` for a pending event, in one call instead of two: this is the hot path."""
    event._ok, event._value = True, None
    env = event.env
    heappush(env._queue, (env._now, NORMAL, next(env._eid), event))


def _granted(env: simpy.Environment) -> simpy.Event:
    """A new event for units granted now."""
    event = env.event()
    _grant(event)
    return event


class Pool:
    """Capacity units handed out first come, first served."""

    __slots__ = ("_clock", "_queue", "_waiting", "busy", "capacity", "env", "name")
    # How a waiting request is given its units: its event goes through the event queue.
    # (`benchmarks/pool_designs.py` measures a pool that resumes the waiter at once instead.)
    _hand = staticmethod(_grant)

    def __init__(self, env: simpy.Environment, name: str, capacity: float = 0.0) -> None:
        self.env = env
        self.name = name
        self.capacity = capacity
        self.busy = 0.0
        # The requests' events in order, each carrying its `units` (None once withdrawn: a
        # withdrawal only marks it, so it costs no scan), and how many still wait.
        self._queue: deque[simpy.Event] = deque()
        self._waiting = 0
        self._clock = isinstance(env, Clock)  # a plain SimPy environment gets no shortcut

    def request(self, units: float = 1.0) -> simpy.Event:
        """An event that fires when `units` are granted; the caller must release them."""
        if self._waiting or self.busy + units > self.capacity + EPS:
            return self._wait(units)
        self.busy += units
        return _granted(self.env)

    def acquire(self, units: float = 1.0) -> simpy.Event:
        """As `request`, for a process that yields the event at once.

        If the units are free, the current event's only callback is running and nothing else is
        due now, the granted event would be the very next one processed and nothing would run
        before it: the process may go straight on. It gets an event already processed, and the
        order of everything else is SimPy's, exactly.
        """
        if self._waiting or self.busy + units > self.capacity + EPS:
            return self._wait(units)
        self.busy += units
        env = self.env
        if self._clock and env.alone:
            due = env._queue  # inlined env.nothing_due_now(): this is the hot path
            if not due or due[0][0] > env._now:
                return env.granted
        return _granted(env)

    def _wait(self, units: float) -> simpy.Event:
        """Join the line: an event that `_serve` grants in turn."""
        event = self.env.event()
        event.units = units
        if not self._waiting:
            self._queue.clear()  # only withdrawn requests are left
        self._queue.append(event)
        self._waiting += 1
        return event

    def free(self) -> float:
        """Units that a new request could take now."""
        return 0.0 if self._waiting else self.capacity - self.busy

    def release(self, units: float = 1.0) -> None:
        self.busy -= units
        if self._waiting:
            self._serve()

    def cancel(self, event: simpy.Event, units: float = 1.0) -> None:
        """Withdraw a request: release it if granted, else leave the queue."""
        if event.triggered:
            self.release(units)
            return
        if event.units is None:
            raise ValueError(f"{self.name}: a request withdrawn twice")
        event.units = None
        self._waiting -= 1
        self._serve()

    def set_capacity(self, capacity: float) -> None:
        self.capacity = capacity
        self._serve()

    @property
    def queue_length(self) -> int:
        return self._waiting

    def _serve(self) -> None:
        queue = self._queue
        while self._waiting:
            units = queue[0].units
            if units is not None and self.busy + units > self.capacity + EPS:
                return
            event = queue.popleft()
            if units is not None:
                self._waiting -= 1
                self.busy += units
                self._hand(event)


def follow_schedule(env: simpy.Environment, steps, start, apply: Callable[[float], None]):
    """Process: apply each dated step after the run start (the caller applies the first)."""
    for day, value in step_days(steps, start):
        yield env.timeout(day - env.now)
        apply(value)
