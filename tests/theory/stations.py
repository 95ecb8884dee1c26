"""Single stations for theory tests, driven through `sim.engine.pools.Pool` on the model's `Clock`
exactly as the model drives it: one process per customer, acquire → yield → timeout → release."""

from __future__ import annotations

import heapq
import math

import numpy as np

from sim.engine.clock import Clock
from sim.engine.pools import Pool


def erlang_c_wait(servers: int, utilisation: float, service_mean: float = 1.0) -> float:
    """Mean wait in queue of an M/M/c station (Erlang C formula)."""
    offered = servers * utilisation  # λ/μ
    terms = sum(offered**k / math.factorial(k) for k in range(servers))
    top = offered**servers / math.factorial(servers) / (1.0 - utilisation)
    wait_prob = top / (terms + top)
    return wait_prob * service_mean / (servers * (1.0 - utilisation))


def mmc_waits(servers: float, gaps: np.ndarray, services: np.ndarray,
              initial: np.ndarray | None = None) -> tuple[np.ndarray, Clock, list]:
    """Set up one station: customers arrive after `gaps` and need `services`; optional customers
    are already there at time 0 with residual times `initial`. Returns each arriving customer's
    wait (filled in as the clock runs), the clock, and the (time, +1 or -1) changes of the number
    in the station."""
    env = Clock()
    pool = Pool(env, "station", servers)
    waits = np.full(len(gaps), np.nan)
    changes: list[tuple[float, int]] = []

    def customer(i: int, service: float):
        arrived = env.now
        changes.append((arrived, 1))
        yield pool.acquire()
        if i >= 0:
            waits[i] = env.now - arrived
        yield env.timeout(service)
        pool.release()
        changes.append((env.now, -1))

    def source():
        for i, (gap, service) in enumerate(zip(gaps.tolist(), services.tolist(), strict=True)):
            yield env.timeout(gap)
            env.process(customer(i, service))

    for residual in [] if initial is None else initial.tolist():
        env.process(customer(-1, residual))
    env.process(source())
    return waits, env, changes


def fcfs_waits(servers: int, gaps: np.ndarray, services: np.ndarray) -> np.ndarray:
    """Waits at a first come, first served station of identical servers, by the Kiefer–Wolfowitz
    recursion: each customer takes the server that frees first (the reference for the pool)."""
    free = [0.0] * servers
    waits = np.empty(len(gaps))
    now = 0.0
    for i, (gap, service) in enumerate(zip(gaps.tolist(), services.tolist(), strict=True)):
        now += gap
        start = max(heapq.heappop(free), now)
        waits[i] = start - now
        heapq.heappush(free, start + service)
    return waits
