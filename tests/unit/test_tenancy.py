"""Keeping the home: a tenancy draws one hazard budget E = Exp(1) (from its uniform) and is lost
when the hazard accumulated over its segments reaches E. With a constant yearly hazard h it is
lost E / h years after moving in; segments at different hazards add up; a rent subsidy that ends
with the citizen unable to pay multiplies the hazard from `switch_at` on; and a segment that ends
by its event first returns True."""

from __future__ import annotations

import math

import pytest

from sim.engine.clock import Clock
from sim.model.tenancy import Tenancy


def u_for(budget: float) -> float:
    """The uniform whose Exp(1) hazard budget is `budget`."""
    return -math.expm1(-budget)


def per_year(per_day: float) -> float:
    return per_day * 365.0


def live(env, tenancy, *segments):
    """Run segments (end event or day it ends or None, yearly hazard) one after the other, as
    support does; return [(day, kept), …] up to the first loss."""
    log = []

    def path():
        for end, hazard in segments:
            event = env.timeout(end - env.now) if isinstance(end, int | float) else end
            kept = yield from tenancy.hold(event, hazard)
            log.append((env.now, kept))
            if not kept:
                return

    env.process(path())
    env.run(until=10_000)
    return log


def test_a_zero_budget_is_lost_at_once():
    env = Clock()
    assert live(env, Tenancy(env, 0.0), (50.0, per_year(0.01))) == [(0.0, False)]


@pytest.mark.parametrize(("budget", "per_day", "lost"), [
    (1.0, 0.01, 100.0),
    (0.5, 0.01, 50.0),
    (1.0, 0.002, 500.0),
    (2.5, 0.005, 500.0),
])
def test_a_constant_hazard_loses_the_tenancy_at_budget_over_hazard(budget, per_day, lost):
    env = Clock()
    [(day, kept)] = live(env, Tenancy(env, u_for(budget)), (None, per_year(per_day)))
    assert kept is False
    assert day == pytest.approx(lost)


def test_a_zero_hazard_never_loses_the_tenancy():
    env = Clock()
    assert live(env, Tenancy(env, u_for(0.01)), (None, 0.0)) == []  # still there at the horizon


def test_an_event_that_fires_first_returns_true():
    env = Clock()
    log = live(env, Tenancy(env, u_for(1.0)), (30.0, per_year(0.01)))
    assert log == [(30.0, True)]


def test_the_loss_that_comes_first_returns_false():
    env = Clock()
    log = live(env, Tenancy(env, u_for(1.0)), (300.0, per_year(0.01)))
    assert log == [(pytest.approx(100.0), False)]


def test_an_event_already_fired_returns_true_at_once():
    env = Clock()
    done = env.event().succeed()
    log = live(env, Tenancy(env, u_for(1.0)), (done, per_year(0.01)))
    assert log == [(0.0, True)]


def test_with_zero_hazard_the_event_still_ends_the_segment():
    env = Clock()
    log = live(env, Tenancy(env, u_for(1.0)), (40.0, 0.0), (None, per_year(0.01)))
    assert log == [(40.0, True), (pytest.approx(140.0), False)]


def test_segments_add_up():
    """Budget 1: 100 days at 0.004 spend 0.4; 0.6 left at 0.001 a day lasts 600 days more."""
    env = Clock()
    log = live(env, Tenancy(env, u_for(1.0)), (100.0, per_year(0.004)),
               (None, per_year(0.001)))
    assert log == [(100.0, True), (pytest.approx(700.0), False)]


def test_three_segments_spend_one_budget():
    """Waiting for support, in support, after support: 0.2 + 0.3 spent, 0.5 left at 0.01."""
    env = Clock()
    log = live(env, Tenancy(env, u_for(1.0)), (20.0, per_year(0.01)), (120.0, per_year(0.003)),
               (None, per_year(0.01)))
    assert log == [(20.0, True), (120.0, True), (pytest.approx(170.0), False)]


def test_splitting_a_segment_changes_nothing():
    """The same hazard in two segments loses the tenancy when one segment would."""
    env = Clock()
    split = live(env, Tenancy(env, u_for(1.0)), (37.0, per_year(0.01)), (None, per_year(0.01)))
    assert split[-1] == (pytest.approx(100.0), False)


def test_the_subsidy_switch_multiplies_the_hazard_from_switch_at():
    """0.01 a day until day 50 (0.5 spent), then 3 × 0.01: the other 0.5 lasts 16.67 days."""
    env = Clock()
    [(day, kept)] = live(env, Tenancy(env, u_for(1.0), switch_at=50.0, factor=3.0),
                         (None, per_year(0.01)))
    assert kept is False
    assert day == pytest.approx(50.0 + 0.5 / 0.03)


def test_a_budget_spent_before_the_switch_is_not_multiplied():
    env = Clock()
    [(day, _)] = live(env, Tenancy(env, u_for(0.3), switch_at=50.0, factor=3.0),
                      (None, per_year(0.01)))
    assert day == pytest.approx(30.0)


def test_a_segment_spanning_the_switch_spends_at_both_rates():
    """A segment from day 0 to 80 with the switch at 50: 50 × 0.002 + 30 × 3 × 0.002 = 0.28 of
    budget 1 spent; the next segment (0.001 a day, tripled) lasts 0.72 / 0.003 = 240 days."""
    env = Clock()
    log = live(env, Tenancy(env, u_for(1.0), switch_at=50.0, factor=3.0),
               (80.0, per_year(0.002)), (None, per_year(0.001)))
    assert log == [(80.0, True), (pytest.approx(320.0), False)]


def test_a_switch_with_factor_one_changes_nothing():
    env = Clock()
    [(day, _)] = live(env, Tenancy(env, u_for(1.0), switch_at=50.0, factor=1.0),
                      (None, per_year(0.01)))
    assert day == pytest.approx(100.0)
