"""Benchmark: what two other pool designs would buy on `engine.py`'s tandem network.

Both would change the model's results (see docs/performance.md), so neither is built; this
measures them so that the choice rests on figures, not estimates. Run in alternating rounds:

- ``pool``: the project's `sim.engine.pools.Pool`, as in `engine.py`;
- ``direct``: the pool, but a release resumes the waiter it grants at once, inside the release,
  instead of through an event (about 4 of the pool's 11.2 events per customer go);
- ``hold``: one event per station: `hold(duration)` fires when the unit has been held for
  `duration` after it was granted, and a release schedules the next waiter's hold directly, so
  a waiter is never resumed to be told it was granted (the design of `servers`, per customer);
- ``servers``, ``simpy``, ``heapq``: the yardsticks from `engine.py`.

Usage: python benchmarks/pool_designs.py [--customers 100000] [--rounds 5] [--repeat 2]
       valgrind --tool=callgrind python benchmarks/pool_designs.py --customers 20000 --only pool
"""

from __future__ import annotations

import argparse
import statistics
from collections import deque
from functools import partial

import numpy as np
from engine import ENGINES, Network, Outcome, arrivals, make_network, scheduled, timed
from simpy.events import NORMAL, Event
from spread import spread

from sim.engine.clock import Clock
from sim.engine.pools import Pool


class DirectPool(Pool):
    """The pool, granting a waiter by resuming it inside the release."""

    __slots__ = ()

    @staticmethod
    def _hand(event: Event) -> None:
        event._ok, event._value = True, None
        callbacks, event.callbacks = event.callbacks, None
        env = event.env
        active = env._active_proc  # the releasing process goes on afterwards
        for callback in callbacks:
            callback(event)
        env._active_proc = active


class HoldPool:
    """Units held for a duration: one event per request, whose value is the wait."""

    def __init__(self, env: Clock, capacity: int) -> None:
        self.env, self.free = env, capacity
        self.waiting: deque[tuple[Event, float, float]] = deque()

    def hold(self, duration: float) -> Event:
        """An event that fires `duration` after the unit is granted, with the wait as value."""
        env = self.env
        if self.free:
            self.free -= 1
            return env.timeout(duration, 0.0)
        event = env.event()
        self.waiting.append((event, env.now, duration))
        return event

    def release(self) -> None:
        if not self.waiting:
            self.free += 1
            return
        event, since, duration = self.waiting.popleft()
        env = self.env
        event._ok, event._value = True, env.now - since
        env.schedule(event, NORMAL, duration)


def run_hold(net: Network) -> Outcome:
    """A process per customer holding each station for its service."""
    env = Clock()
    pools = [HoldPool(env, c) for c in net.servers]
    waits = [0.0] * len(pools)

    def customer(i: int):
        for k, pool in enumerate(pools):
            waited = yield pool.hold(net.service[i][k])
            waits[k] += waited
            pool.release()

    env.process(arrivals(env, net, customer))
    env.run()
    return waits, scheduled(env)


DESIGNS = {"pool": ENGINES["pool"], "direct": partial(ENGINES["pool"], kind=DirectPool),
           "hold": run_hold, "servers": ENGINES["servers"], "simpy": ENGINES["simpy"],
           "heapq": ENGINES["heapq"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2, help="runs per design per round, best")
    parser.add_argument("--only", choices=[*DESIGNS, "none"],
                        help="run one design once, silently (for callgrind; none: set-up only)")
    args = parser.parse_args()
    net = make_network(args.customers)
    if args.only:
        if args.only != "none":
            DESIGNS[args.only](net)
        return
    floor_ratio: dict[str, list[float]] = {name: [] for name in DESIGNS}
    simpy_ratio: dict[str, list[float]] = {name: [] for name in DESIGNS}
    walls: dict[str, list[float]] = {name: [] for name in DESIGNS}
    events: dict[str, float] = {}
    means: dict[str, list[float]] = {}
    for _ in range(args.rounds):  # all designs in each round: they share its machine load
        best = {}
        for name, run in DESIGNS.items():
            best[name], _, means[name], events[name] = timed(run, net, args.repeat)
            walls[name].append(best[name])
        for name in DESIGNS:
            floor_ratio[name].append(best[name] / best["heapq"])
            simpy_ratio[name].append(best["simpy"] / best[name])
    for name in DESIGNS:  # the same sample path: first come, first served on the same numbers
        assert np.allclose(means[name], means["heapq"], rtol=1e-9), (name, means[name])
    print(f"tandem M/M/c as in engine.py, {args.customers:,} customers, {args.rounds} rounds "
          f"of best of {args.repeat}; medians over rounds (range)")
    print(f"{'design':8} {'wall s':>7} {'events':>7}   {'× heapq floor':>20}   "
          f"{'× faster than simpy':>20}")
    for name in DESIGNS:
        print(f"{name:8} {statistics.median(walls[name]):7.2f} {events[name]:7.2f}   "
              f"{_median_spread(floor_ratio[name]):>20}   {_median_spread(simpy_ratio[name]):>20}")
    print("mean waits agree in every design (same sample path)")


def _median_spread(values: list[float]) -> str:
    """'median (low-high)' of a ratio over rounds."""
    return f"{statistics.median(values):.2f} ({spread(values)})"


if __name__ == "__main__":
    main()
