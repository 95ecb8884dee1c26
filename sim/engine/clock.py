"""The simulation clock: SimPy's environment with a leaner event loop.

It processes events in exactly SimPy's order — (time, priority, order of scheduling) — and adds
three things. While the current event's only callback runs, `alone` is True, so a pool can grant
a request without a round trip through the event queue when that changes nothing (see
`Pool.acquire`). A process that ends with nobody waiting for it is not put through the queue
(SimPy schedules it, and processing it then does nothing). And, given a `window`, events due in
a later window wait in one unsorted list per window and enter the heap only when their window
comes: the heap stays as small as one window's events, where SimPy's holds every pending event
(a large city's 100,000 pending events made each pop cost 3 times as much). `timeout`, `event`
and `process` build the same events as SimPy without its call overheads.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from math import frexp, inf

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority, Initialize, Timeout

_new_timeout = Timeout.__new__


class Clock(simpy.Environment):
    """A SimPy environment that knows when the current event has a single callback.

    `window` (in the clock's time unit; a power of two, so that window edges are exact) splits
    pending events in two: the heap `_queue` holds every event due before `_edge`, the end of
    the current window, and `_later` one list per later window. None keeps one heap, as SimPy.
    """

    def __init__(self, initial_time: float = 0.0, window: float | None = None) -> None:
        super().__init__(initial_time)
        self.alone = False  # True while the only callback of the current event runs
        self.granted = Event(self)  # an event already processed: a process goes straight on
        self.granted._ok, self.granted._value, self.granted.callbacks = True, None, None
        if window is not None and not (window > 0 and frexp(window)[0] == 0.5):
            raise ValueError(f"window must be a positive power of two, not {window}")
        self._window = window
        self._edge = inf if window is None else (initial_time // window + 1) * window
        self._later: dict[float, list] = {}  # window number → its events, unsorted
        self._windows: list[float] = []  # heap of the window numbers in `_later`

    @property
    def pending(self) -> int:
        """Events scheduled and not yet processed. It walks every later window's list: for
        diagnostics (the benchmarks), not for the hot path."""
        return len(self._queue) + sum(map(len, self._later.values()))

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """As `simpy.Environment.schedule`: into the heap, or into its window's list. (Events
        due now may be pushed onto the heap directly: now is always before `_edge`.)"""
        at = self._now + delay
        if at < self._edge:
            heappush(self._queue, (at, priority, next(self._eid), event))
        else:
            self._put_later(at, priority, event)

    def _put_later(self, at: float, priority: EventPriority, event: Event) -> None:
        """File an event due at or after `_edge` under its window."""
        entry = (at, priority, next(self._eid), event)
        number = at // self._window if at < inf else inf
        events = self._later.get(number)
        if events is None:
            self._later[number] = [entry]
            heappush(self._windows, number)
        else:
            events.append(entry)

    def _next_window(self) -> bool:
        """With the heap empty, make the earliest later window the current one; False if no
        event is left."""
        if not self._windows:
            return False
        number = heappop(self._windows)
        queue = self._queue
        queue.extend(self._later.pop(number))
        heapify(queue)
        self._edge = (number + 1) * self._window
        return True

    def peek(self) -> float:
        """The time of the next event, or infinity if none is left."""
        if self._queue or self._next_window():
            return self._queue[0][0]
        return inf

    def timeout(self, delay: float, value=None) -> Timeout:
        """As `simpy.Timeout(self, delay, value)`: the same event, scheduled the same way."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        event = _new_timeout(Timeout)  # one statement per attribute: faster than a tuple
        event.env = self
        event.callbacks = []
        event._value = value
        event._delay = delay
        event._ok = True
        at = self._now + delay  # `schedule`, written out: this is the hot path
        if at < self._edge:
            heappush(self._queue, (at, NORMAL, next(self._eid), event))
        else:
            self._put_later(at, NORMAL, event)
        return event

    def event(self) -> Event:
        event = Event.__new__(Event)
        event.env, event.callbacks = self, []
        return event

    def process(self, generator) -> Process:
        return Process(self, generator)

    def step(self) -> None:
        """Process the next event, as `simpy.Environment.step` does."""
        if not (self._queue or self._next_window()):
            raise EmptySchedule
        self._now, _, _, event = heappop(self._queue)
        self._callbacks(event)

    def run(self, until: float | None = None) -> None:
        """As `simpy.Environment.run` to a time (or until no event is left), with the loop over
        events written out and its common case (one callback, no failure) inlined."""
        if isinstance(until, Event):
            return super().run(until)
        stop = None
        if until is not None:
            at = float(until)
            if at <= self._now:
                raise ValueError(f"until ({at}) must be greater than the current simulation time")
            stop = Event(self)
            stop._ok, stop._value, stop.callbacks = True, None, [StopSimulation.callback]
            self.schedule(stop, URGENT, at - self._now)
        queue, general, next_window = self._queue, self._callbacks, self._next_window
        self.alone = True  # between events no code runs, so it is False only around `general`
        try:
            while queue or next_window():
                self._now, _, _, event = heappop(queue)
                callbacks = event.callbacks
                if len(callbacks) == 1 and event._ok:
                    event.callbacks = None
                    callbacks[0](event)
                else:
                    self.alone = False
                    general(event)
                    self.alone = True
        except StopSimulation:
            stop.callbacks = []  # as SimPy leaves it: processed again if the run goes on
            self.schedule(stop, EventPriority(-1))
            return None
        finally:
            self.alone = False
        if stop is not None:
            raise RuntimeError(f'No scheduled events left but "until" event was not triggered: '
                               f"{stop}")
        return None

    def _callbacks(self, event: Event) -> None:
        """Run a popped event's callbacks and crash on an undefused failure, as SimPy does."""
        callbacks, event.callbacks = event.callbacks, None
        if len(callbacks) == 1:
            self.alone = True
            try:
                callbacks[0](event)
            except StopSimulation:
                event.callbacks = []
                self.schedule(event, EventPriority(-1))
                raise
            finally:
                self.alone = False
        else:
            for done, callback in enumerate(callbacks, start=1):
                try:
                    callback(event)
                except StopSimulation:
                    event.callbacks = callbacks[done:]
                    self.schedule(event, EventPriority(-1))
                    raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc


class Process(simpy.Process):
    """A SimPy process whose end goes through the event queue only if someone waits for it."""

    def __init__(self, env: Clock, generator) -> None:
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator} is not a generator.")
        self.env, self.callbacks, self._generator = env, [], generator
        init = Initialize.__new__(Initialize)
        self._wake = self._resume  # one bound method for every wait, not one per wait
        init.env, init.callbacks, init._value, init._ok = env, [self._wake], None, True
        heappush(env._queue, (env._now, URGENT, next(env._eid), init))
        self._target = init

    def _resume(self, event: Event) -> None:
        """SimPy's `Process._resume`, except at the end (see the class)."""
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = generator.throw(exc)
            except StopIteration as stop:
                self._end(True, stop.args[0] if stop.args else None)
                event = None
                break
            except BaseException as exc:
                exc.__traceback__ = exc.__traceback__.tb_next
                self._end(False, exc)
                event = None
                break
            try:
                if event.callbacks is not None:
                    event.callbacks.append(self._wake)
                    break
            except AttributeError:
                raise RuntimeError(f'Invalid yield value "{event}"') from None
        self._target = event
        env._active_proc = None

    def _end(self, ok: bool, value) -> None:
        """The generator returned or raised: trigger the process event."""
        self._wake = None  # it refers to the process: without this, a cycle the paused GC keeps
        self._ok, self._value = ok, value
        if self.callbacks or not ok:
            self.env.schedule(self)  # a waiter, or a failure that must crash the run
        else:
            self.callbacks = None  # processed: nobody waits, nothing to do
