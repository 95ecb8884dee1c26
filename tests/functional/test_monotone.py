"""Monotonicity with common random numbers: for each of 20 seeds, more caseworkers never raise
the mean wait for an assessment, and more support workers never raise the mean wait for support
(with the support gate off, so that citizens move in and wait for it). The same seed gives the
same citizens, so this holds replication by replication, not only on average."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from sim import config
from sim.analysis.metrics import rep_metrics
from sim.model.city import run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SEEDS = range(20)
YEARS = 1.0
CASES = {  # metric: (table, staff group, headcounts in increasing order)
    "wait_assessment_days_mean": ("assessment", "caseworkers", (20, 23, 27)),
    "wait_support_days_mean": ("support", "support_workers", (40, 45, 52)),
}

pytestmark = pytest.mark.slow


def variant(table: str, group: str, staff: int):
    data = config.load(SCENARIOS / "baseline.toml").with_years(YEARS).model_dump(by_alias=True)
    data[table][group] = [{"from": data["run"]["start_date"], "value": staff}]
    data["allocation"]["support_rule"] = "waiting_list"
    return config.Scenario.model_validate(data)


def wait(metric: str, staff: int, seed: int) -> float:
    table, group, _ = CASES[metric]
    cfg = variant(table, group, staff)
    return rep_metrics(run_replication(cfg, seed, 0), cfg)[metric]


@pytest.fixture(scope="module")
def waits() -> dict[str, np.ndarray]:
    """metric → array[seed, level] of mean waits, run on all cores."""
    jobs = [(metric, staff, seed) for metric, (_, _, levels) in CASES.items()
            for seed in SEEDS for staff in levels]
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(wait, *zip(*jobs, strict=True)))
    out = {}
    for metric, (_, _, levels) in CASES.items():
        values = [w for job, w in zip(jobs, done, strict=True) if job[0] == metric]
        out[metric] = np.array(values).reshape(len(SEEDS), len(levels))
    return out


@pytest.mark.parametrize("metric", list(CASES))
def test_more_staff_never_raise_the_wait(waits, metric):
    table = waits[metric]
    assert np.all(np.isfinite(table))
    assert np.all(table[:, 0] > 0), "the fewest staff must make citizens wait"
    rises = np.argwhere(np.diff(table, axis=1) > 0)
    assert len(rises) == 0, [(int(s), CASES[metric][2][lvl + 1], table[s].tolist())
                             for s, lvl in rises]
