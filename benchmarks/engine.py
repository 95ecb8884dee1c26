"""Benchmark: one network of M/M/c stations in tandem, run five ways in one process.

Five stations with c = 2, 3, 4, 3, 2 servers at utilisation about 0.8; customers arrive as a
Poisson stream, visit the stations in order and wait first come, first served. The same network
is run by

- ``pool``: the project's resource layer (`sim.engine.pools.Pool` on a `sim.engine.clock.Clock`),
  driven as the model drives it: one process per customer, acquire → yield → timeout → release;
- ``simpy``: idiomatic SimPy, `simpy.Resource` with `with res.request() as req`;
- ``servers``: SimPy without resources: c server processes per station take customers from a
  deque and hand them on (the issue's "about 3x the floor" design, a yardstick for the pool);
- ``ciw``: Ciw's network simulator;
- ``heapq``: a bare event loop on `heapq`, the floor for pure Python.

All five read the same inter-arrival times and the same service time for each (customer,
station) from one table, so with first come, first served they follow the same sample path: their
mean waits must agree (checked), which makes the comparison fair. Prints best-of wall times,
ratios and events per customer, then the pool's ratios beside their regression guards (its
time at most so many times the floor's and `servers`', SimPy's and Ciw's at least so many times
its own; docs/performance.md). Exits 1 when a guard fails, 0 otherwise.
Usage: python benchmarks/engine.py [--customers 100000] [--repeat 3] [--skip-ciw]
"""

from __future__ import annotations

import argparse
import heapq
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy
from guards import exit_code, guard

from sim.engine.clock import Clock
from sim.engine.pools import Pool

SERVERS = (2, 3, 4, 3, 2)
# Regression guards: 2026-12-03's figures (4.77, 1.81, 1.97, 5.65) with about 10 % of room or
# more (benchmarks/RESULTS.md). The pool's time at most this many times these engines' ...
SLOWER_GUARDS = {"heapq": 5.7, "servers": 2.0}
FASTER_GUARDS = {"simpy": 1.8, "ciw": 5.0}  # ... and theirs at least this many times the pool's
UTILISATION = 0.8
ARRIVAL_RATE = 1.0


@dataclass(frozen=True)
class Network:
    """The tandem network and its random numbers: gaps between arrivals, service per station."""

    servers: tuple[int, ...]
    gaps: list[float]
    service: list[tuple[float, ...]]  # service[customer][station]

    @property
    def customers(self) -> int:
        return len(self.gaps)


def make_network(customers: int, seed: int = 1) -> Network:
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / ARRIVAL_RATE, customers).tolist()
    means = np.array([c * UTILISATION / ARRIVAL_RATE for c in SERVERS])
    service = rng.exponential(1.0, (customers, len(SERVERS))) * means
    return Network(SERVERS, gaps, [tuple(row) for row in service.tolist()])


# --- the engines: each returns the total wait per station and the events it processed --------

Outcome = tuple[list[float], int | None]  # None: not counted (Ciw)


def scheduled(env: simpy.Environment) -> int:
    """Events the environment has scheduled, all processed once it has run out: SimPy's running
    counter (private, benchmark only)."""
    return next(env._eid)


def arrivals(env, net: Network, customer):
    """Process: start customer(i) after each gap between arrivals (pool and SimPy alike)."""
    for i, gap in enumerate(net.gaps):
        yield env.timeout(gap)
        env.process(customer(i))


def run_pool(net: Network, kind: type[Pool] = Pool) -> Outcome:
    """The project's resource layer (or a `kind` of pool derived from it), driven exactly as the
    model drives it."""
    env = Clock()
    pools = [kind(env, f"station{k}", c) for k, c in enumerate(net.servers)]
    waits = [0.0] * len(pools)

    def customer(i: int):
        for k, pool in enumerate(pools):
            arrived = env.now
            yield pool.acquire()
            waits[k] += env.now - arrived
            yield env.timeout(net.service[i][k])
            pool.release()

    env.process(arrivals(env, net, customer))
    env.run()
    return waits, scheduled(env)


def run_simpy(net: Network) -> Outcome:
    """Idiomatic SimPy: `simpy.Resource` per station, a process per customer."""
    env = simpy.Environment()
    stations = [simpy.Resource(env, capacity=c) for c in net.servers]
    waits = [0.0] * len(stations)

    def customer(i: int):
        for k, station in enumerate(stations):
            arrived = env.now
            with station.request() as req:
                yield req
                waits[k] += env.now - arrived
                yield env.timeout(net.service[i][k])

    env.process(arrivals(env, net, customer))
    env.run()
    return waits, scheduled(env)


def run_servers(net: Network) -> Outcome:
    """SimPy with c server processes per station taking customers from the station's deque;
    an idle server waits on an event that the next arrival at its station triggers."""
    env = simpy.Environment()
    n = len(net.servers)
    queues: list[deque] = [deque() for _ in range(n)]
    idle: list[list[simpy.Event]] = [[] for _ in range(n)]
    waits = [0.0] * n

    def join(k: int, i: int) -> None:
        queues[k].append((i, env.now))
        if idle[k]:
            idle[k].pop().succeed()

    def server(k: int):
        queue = queues[k]
        while True:
            while not queue:
                wake = env.event()
                idle[k].append(wake)
                yield wake
            i, arrived = queue.popleft()
            waits[k] += env.now - arrived
            yield env.timeout(net.service[i][k])
            if k + 1 < n:
                join(k + 1, i)

    def source():
        for i, gap in enumerate(net.gaps):
            yield env.timeout(gap)
            join(0, i)

    for k, c in enumerate(net.servers):
        for _ in range(c):
            env.process(server(k))
    env.process(source())
    env.run()
    return waits, scheduled(env)


def run_ciw(net: Network) -> Outcome:
    """Ciw's network simulator, reading the same table through custom distributions."""
    import ciw

    class Table(ciw.dists.Distribution):
        """Service time of the customer at one station, from the shared table."""

        def __init__(self, station: int) -> None:
            self.station = station

        def sample(self, t=None, ind=None):
            return net.service[ind.id_number - 1][self.station]

    n = len(net.servers)
    # after the last customer, one more arrives only at the end of time: none is simulated
    arrivals = ciw.dists.Sequential([*net.gaps, 1e300])
    network = ciw.create_network(
        arrival_distributions=[arrivals] + [None] * (n - 1),
        service_distributions=[Table(k) for k in range(n)],
        routing=[[1.0 if j == k + 1 else 0.0 for j in range(n)] for k in range(n)],
        number_of_servers=list(net.servers),
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(net.customers, method="Complete")
    waits = [0.0] * n
    for record in sim.get_all_records():
        waits[record.node - 1] += record.waiting_time
    return waits, None  # Ciw's loop is not one of events


def run_heapq(net: Network) -> Outcome:
    """A bare event loop: a heap of (time, order, customer, station) events, where station k
    means "leaves station k" and -1 "arrives from outside"; the floor for pure Python. Like
    every other engine it schedules the next arrival when one arrives, so its heap holds only
    the events pending in the network (all 100,000 arrivals at once made it twice as slow)."""
    n = len(net.servers)
    free = list(net.servers)
    queues: list[deque] = [deque() for _ in range(n)]
    waits = [0.0] * n
    service, gaps, last = net.service, net.gaps, net.customers - 1
    push, pop = heapq.heappush, heapq.heappop
    heap: list[tuple[float, int, int, int]] = [(gaps[0], 0, 0, -1)]
    order = 1
    while heap:
        now, _, i, k = pop(heap)
        if k >= 0:  # serve the next one waiting at station k, if any
            queue = queues[k]
            if queue:
                j, arrived = queue.popleft()
                waits[k] += now - arrived
                push(heap, (now + service[j][k], order, j, k))
                order += 1
            else:
                free[k] += 1
        elif i < last:  # the next customer arrives after the next gap
            push(heap, (now + gaps[i + 1], order, i + 1, -1))
            order += 1
        k += 1
        if k < n:  # customer i joins station k
            if free[k]:
                free[k] -= 1
                push(heap, (now + service[i][k], order, i, k))
                order += 1
            else:
                queues[k].append((i, now))
    return waits, order


ENGINES: dict[str, Callable[[Network], Outcome]] = {
    "pool": run_pool, "simpy": run_simpy, "servers": run_servers, "ciw": run_ciw,
    "heapq": run_heapq,
}


def timed(engine: Callable[[Network], Outcome], net: Network, repeat: int):
    """Best wall time of `repeat` runs, every run's time, the mean wait per station and the
    events per customer."""
    walls, waits, events = [], [], None
    for _ in range(repeat):
        start = time.perf_counter()
        waits, events = engine(net)
        walls.append(time.perf_counter() - start)
    per_customer = None if events is None else events / net.customers
    return min(walls), walls, [w / net.customers for w in waits], per_customer


def guarded(best: dict[str, float]) -> list[bool]:
    """The pool's best time against the other engines', each beside its guard (engines left
    out of the run are left out here); whether each held."""
    pool = best["pool"]
    held = [guard(f"pool time / {name} time", pool / best[name], at_most=bound)
            for name, bound in SLOWER_GUARDS.items()]
    return held + [guard(f"{name} time / pool time", best[name] / pool, at_least=bound)
                   for name, bound in FASTER_GUARDS.items() if name in best]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-ciw", action="store_true", help="leave Ciw out (it is slow)")
    args = parser.parse_args()
    net = make_network(args.customers)
    names = [name for name in ENGINES if not (args.skip_ciw and name == "ciw")]
    results = {name: timed(ENGINES[name], net, args.repeat) for name in names}
    floor = results["heapq"][0]
    print(f"tandem M/M/c, c = {SERVERS}, utilisation {UTILISATION}, {args.customers:,} "
          f"customers, best of {args.repeat}")
    print(f"{'engine':8} {'wall s':>8} {'× heapq':>8} {'pool ×':>8} {'events':>7}   "
          "mean wait per station   (all runs)")
    for name, (best, walls, means, per_customer) in results.items():
        shown = " ".join(f"{m:6.3f}" for m in means)
        runs = ", ".join(f"{w:.2f}" for w in walls)
        events = "–" if per_customer is None else f"{per_customer:.2f}"
        print(f"{name:8} {best:8.2f} {best / floor:8.2f} {best / results['pool'][0]:8.2f} "
              f"{events:>7}   {shown}   ({runs})")
    print("events: processed per customer (SimPy's counter; the heapq loop's pushes)")
    reference = np.array(results["heapq"][2])
    for name, (_, _, means, _) in results.items():
        # same random numbers and first come, first served: the same sample path
        assert np.allclose(means, reference, rtol=1e-9), (name, means, reference.tolist())
    print("mean waits agree in every engine (same sample path)")
    return exit_code(guarded({name: result[0] for name, result in results.items()}))


if __name__ == "__main__":
    raise SystemExit(main())
