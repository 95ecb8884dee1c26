"""The inflow's trend (`population.inflow_trend_per_year`): before the first step's date the
inflow is back-cast year by year from that step's value, so a history run can start from a
different level than the documented one; from the first step on nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.config import Step
from sim.config.steps import backcast

FIRST = dt.date(2027, 1, 1)  # the small city starts on 2023-01-01: four years before


def test_each_year_before_the_first_step_holds_its_mid_year_level():
    steps = (Step(start=FIRST, value=30.0),)
    back = backcast(steps, -0.2, dt.date(2023, 1, 1))
    assert [s.start for s in back] == [dt.date(2023, 1, 1), dt.date(2024, 1, 1),
                                       dt.date(2025, 1, 1), dt.date(2026, 1, 1), FIRST]
    assert [s.value for s in back] == pytest.approx([30 * 0.8 ** -3.5, 30 * 0.8 ** -2.5,
                                                     30 * 0.8 ** -1.5, 30 * 0.8 ** -0.5, 30])


@pytest.mark.parametrize("start", [FIRST, dt.date(2028, 1, 1)])
def test_no_back_cast_from_the_first_step_on(start):
    steps = (Step(start=FIRST, value=30.0), Step(start=dt.date(2029, 1, 1), value=10.0))
    assert backcast(steps, -0.2, start) == steps
    assert backcast(steps, 0.0, dt.date(2020, 1, 1)) == steps


def arrivals_per_year(town) -> list[int]:
    times = [t for t, event in town.events() if event == "arrive"]
    return [sum(365 * y <= t < 365 * (y + 1) for t in times) for y in range(5)]


def test_a_falling_trend_makes_the_earlier_years_busier(small_city):
    """Fixed durations: arrivals come at exactly the rate in force, 12 months a year."""
    inflow = [{"from": FIRST, "value": 30.0}]
    flat = small_city(population={"inflow_per_month": inflow})
    falling = small_city(population={"inflow_per_month": inflow, "inflow_trend_per_year": -0.2})
    for town in (flat, falling):
        town.run(5 * 365.0)
    assert arrivals_per_year(flat) == pytest.approx([360] * 5, abs=2)
    expected = [360 * 0.8 ** (0.5 - k) for k in (4, 3, 2, 1)] + [360]
    assert arrivals_per_year(falling) == pytest.approx(expected, rel=0.02)


def test_a_scaled_inflow_keeps_its_first_step_so_the_trend_still_acts():
    """Calibration scales the inflow from the history run's start, before the first step: the
    steps keep their dates (a step added at the start would leave nothing to back-cast)."""
    from sim import config
    from sim.config.design import Factor, Variants

    history = config.load("backtest/history_2009")
    factors = (Factor(path="population.inflow_per_month", low=0.8, high=1.2, scale=True),
               Factor(path="population.inflow_trend_per_year", low=-0.08, high=0.03))
    cfg = Variants(history, factors, history.run.start_date).at((1.1, -0.03))
    steps = cfg.population.inflow_per_month
    assert [(s.start, s.value) for s in steps] == [(dt.date(2023, 1, 1), pytest.approx(192.5))]
    back = backcast(steps, cfg.population.inflow_trend_per_year, cfg.run.start_date)
    assert back[0].start <= cfg.run.start_date and back[0].value > 192.5 * 1.4
