"""Erlang C: a Pool driven as the model drives it, as one M/M/c station, gives the theoretical
mean wait within 2 %, for c ∈ {1, 3, 10} and utilisation ∈ {0.5, 0.8}.

In two steps, because the precision needs tens of millions of customers (ten servers at 0.5 wait
rarely and briefly: a relative standard error of 0.67 % takes about 24 million) and a process per
customer costs about 5 µs:

1. the pool's waits equal, bit for bit, those of the Kiefer–Wolfowitz recursion for first come,
   first served on the same arrival and service times (100,000 customers per case);
2. so the pool's mean wait on any inputs is the recursion's: replications of the recursion
   (independent streams, warm-up from empty) put it within 2 % of Erlang C, with a standard error
   of at most a third of the tolerance, which the test checks so that a pass means something.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from stations import erlang_c_wait, fcfs_waits, mmc_waits

TOLERANCE = 0.02
REPS = 20
WARMUP_SHARE = 0.05
# (servers, utilisation): customers per replication, for a standard error ≤ 2 % / 3
CASES = {
    (1, 0.5): 100_000, (1, 0.8): 200_000,
    (3, 0.5): 100_000, (3, 0.8): 200_000,
    (10, 0.5): 1_200_000, (10, 0.8): 600_000,
}
IDS = [f"c{c}-rho{u}" for c, u in CASES]


def inputs(servers: int, utilisation: float, customers: int, rep: int):
    """Gaps between arrivals and service times (mean 1) of one replication."""
    seed = np.random.SeedSequence(8, spawn_key=(servers, round(utilisation * 100), rep))
    rng = np.random.default_rng(seed)
    rate = servers * utilisation
    return rng.exponential(1.0 / rate, customers), rng.exponential(1.0, customers)


@pytest.mark.parametrize("case", list(CASES), ids=IDS)
def test_pool_waits_are_first_come_first_served(case):
    servers, utilisation = case
    gaps, services = inputs(servers, utilisation, 100_000, rep=REPS)  # a stream of its own
    waits, env, _ = mmc_waits(servers, gaps, services)
    env.run()
    assert np.array_equal(waits, fcfs_waits(servers, gaps, services))
    assert np.count_nonzero(waits) > 1000  # customers did queue


def replication(servers: int, utilisation: float, customers: int, rep: int) -> float:
    """Mean wait after the warm-up in one replication."""
    gaps, services = inputs(servers, utilisation, customers, rep)
    return float(fcfs_waits(servers, gaps, services)[int(customers * WARMUP_SHARE):].mean())


@pytest.fixture(scope="module")
def mean_waits():
    """Every replication of every case, spread over the cores; per case (mean, std. error)."""
    jobs = [(c, u, n, rep) for (c, u), n in CASES.items() for rep in range(REPS)]
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(replication, *zip(*jobs, strict=True), chunksize=4))
    out = {}
    for case in CASES:
        values = np.array([w for job, w in zip(jobs, done, strict=True) if job[:2] == case])
        out[case] = (values.mean(), values.std(ddof=1) / np.sqrt(len(values)))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES), ids=IDS)
def test_mean_wait_matches_erlang_c(mean_waits, case):
    servers, utilisation = case
    expected = erlang_c_wait(servers, utilisation)
    mean, stderr = mean_waits[case]
    assert stderr <= TOLERANCE * expected / 3, f"too imprecise to judge: se {stderr / expected:.2%}"
    assert abs(mean / expected - 1) <= TOLERANCE, f"{mean:.5f} vs Erlang C {expected:.5f} " \
                                                   f"(se {stderr / expected:.2%})"


def test_erlang_c_formula():
    # textbook values: M/M/1 at rho = 0.8 waits rho/(1 - rho) = 4; M/M/2 at 0.5 waits 1/3
    assert erlang_c_wait(1, 0.8) == pytest.approx(4.0)
    assert erlang_c_wait(2, 0.5) == pytest.approx(1 / 3)
