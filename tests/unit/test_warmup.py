"""MSER-5 finds the end of an initial transient in a synthetic series."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.metrics import mser5
from sim.analysis.records import kaplan_meier_curve


@pytest.mark.parametrize("transient", [100, 250, 400])
def test_mser5_finds_the_known_truncation_point(transient):
    rng = np.random.default_rng(transient)
    steady = 50.0 + rng.normal(0.0, 1.0, 2000)
    ramp = np.linspace(0.0, 50.0, transient, endpoint=False)  # climbs to the steady level
    series = np.concatenate([ramp, steady])
    cut = mser5(series)
    assert transient - 50 <= cut <= transient + 50, cut


def test_mser5_keeps_a_series_without_transient():
    series = 10.0 + np.random.default_rng(1).normal(0.0, 1.0, 1000)
    assert mser5(series) < 100


def test_kaplan_meier_curve_by_hand():
    # five tenancies: lost at 2 and 4, censored at 3, 5 and 6
    duration = np.array([2.0, 3.0, 4.0, 5.0, 6.0])
    observed = np.array([True, False, True, False, False])
    curve = kaplan_meier_curve(duration, observed, np.array([0.0, 2.0, 3.5, 4.0, 6.0, 7.0]))
    expected = [1.0, 4 / 5, 4 / 5, 4 / 5 * 2 / 3, 4 / 5 * 2 / 3]
    assert curve[:5] == pytest.approx(expected)
    assert np.isnan(curve[5])  # nobody was followed that long
