"""Interval coverage: for an M/M/∞ stage (a Pool without a limit) started in its stationary
state, the 95 % t-interval over replications (`metrics.t_interval`, as every summary uses)
covers the known mean number in the stage, λ/μ, in 93–97 % of macro-replications. Nobody waits."""

from __future__ import annotations

import math

import numpy as np
from stations import mmc_waits

from sim.analysis.metrics import t_interval

ARRIVAL_RATE, SERVICE_MEAN, HORIZON = 5.0, 1.0, 20.0
REPS, MACRO = 10, 1000  # 1,000 macro-replications: the binomial spread of coverage is ±0.7 %


def time_average_in_stage(rng: np.random.Generator) -> tuple[float, float]:
    """One replication: time-average number in the stage over the horizon, and the largest
    wait. The stage starts stationary: Poisson(λ/μ) in service with exponential residuals."""
    arrivals = rng.poisson(ARRIVAL_RATE * HORIZON * 2)
    gaps = rng.exponential(1 / ARRIVAL_RATE, arrivals)
    services = rng.exponential(SERVICE_MEAN, arrivals)
    initial = rng.exponential(SERVICE_MEAN, rng.poisson(ARRIVAL_RATE * SERVICE_MEAN))
    waits, env, changes = mmc_waits(math.inf, gaps, services, initial)
    env.run(until=HORIZON)
    times = np.array([t for t, _ in changes] + [HORIZON])
    count = np.cumsum([d for _, d in changes])
    return float(np.sum(count * np.diff(times)) / HORIZON), float(np.nanmax(waits, initial=0))


def test_interval_covers_the_mean_in_95_percent_of_macro_replications():
    rng = np.random.default_rng(np.random.SeedSequence(8, spawn_key=(95,)))
    truth = ARRIVAL_RATE * SERVICE_MEAN
    covered, longest_wait = 0, 0.0
    for _ in range(MACRO):
        results = [time_average_in_stage(rng) for _ in range(REPS)]
        _, low, high, _ = t_interval([r[0] for r in results])
        covered += low <= truth <= high
        longest_wait = max(longest_wait, *(r[1] for r in results))
    assert 0.93 <= covered / MACRO <= 0.97, covered / MACRO
    assert longest_wait == 0.0  # infinite capacity: nobody ever waits
