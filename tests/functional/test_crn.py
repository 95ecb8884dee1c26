"""Common random numbers pay off: the paired difference in housed per month between the
reform and the 2023 staffing varies far less than the difference between independent runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import config
from sim.analysis import metrics
from sim.model.city import run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
REPS = 8


def housed_per_month(name: str, seed: int) -> np.ndarray:
    cfg = config.load(SCENARIOS / f"{name}.toml").with_years(1)
    return np.array([metrics.rep_metrics(run_replication(cfg, seed, rep), cfg)
                     ["housed_per_month"] for rep in range(REPS)])


@pytest.mark.slow
def test_paired_difference_varies_less_than_half_as_much_as_independent_runs():
    before = housed_per_month("baseline_2023", seed=31)
    paired = housed_per_month("reform_2024", seed=31) - before
    independent = housed_per_month("reform_2024", seed=977) - before
    assert paired.mean() > 0  # the reform houses more, in both comparisons
    assert np.var(paired, ddof=1) < 0.5 * np.var(independent, ddof=1)
