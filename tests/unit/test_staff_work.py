"""Staff work that acts: the fastholdelse (retention) visit lowers the tenancy-loss hazard, and
motivation work for a citizen who declined support takes support workers' caseload units and is
what re-engages them.

In the small city a citizen takes a dwelling on day 0 and moves in on day 20; the visit is due 60
days later (day 80) and takes 5 days of an advisor; low-tier support lasts 120 days (to day 140);
motivation work and the wait to re-engage last reengage_days_mean (30) days. Durations are fixed,
so every day below is arithmetic on a known hazard budget.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from sim.engine.clock import Clock
from sim.model.tenancy import Tenancy

HOUSED, VISIT_DUE, SUPPORT_END = 20.0, 80.0, 140.0
H = 0.001  # a loss hazard of 0.001 a day, 0.365 a year
START = dt.date(2023, 1, 1)


def steps(*pairs) -> list[dict]:
    """Dated steps from (day, value) pairs."""
    return [{"from": START + dt.timedelta(days=day), "value": float(value)} for day, value in pairs]


def hazards(supported=0.0, unsupported=0.0, after=0.0) -> dict:
    """Yearly loss hazards of the low tier (the small city's citizens), given a day."""
    return {"tenancy": {f"loss_per_year_{state}": {"low": rate * 365.0, "medium": 0.0,
                                                   "high": 0.0}
                        for state, rate in (("supported", supported),
                                            ("unsupported", unsupported),
                                            ("after_support", after))}}


def houses(town, **citizen):
    """A citizen put forward and given a dwelling on day 0."""
    c = town.arrive(**citizen)
    town.let(1, 1)
    assert town.events(c)[-1][1] == "offer_accepted"
    return c


def lost_at(town, c) -> float | None:
    days = [t for t, event in town.events(c) if event == "tenancy_lost"]
    return days[0] if days else None


def visits(town, c) -> list[float]:
    return [t for t, event in town.events(c) if event == "retention_visit"]


def lost_day(small_city, budget: float, horizon: float = 1000.0, **sections) -> tuple:
    """Day the tenancy of a citizen with this hazard budget is lost (0.001 a day throughout),
    and the days of their retention visits."""
    town = small_city(**hazards(supported=H, unsupported=H, after=H), **sections)
    c = houses(town, tenancy_budget=budget)
    town.run(horizon)
    return lost_at(town, c), visits(town, c)


# --- the retention visit ---------------------------------------------------------------------


def test_by_default_the_visit_takes_place_and_changes_nothing(small_city):
    """Budget 0.2 at 0.001 a day: lost 200 days after moving in, visit or not."""
    assert lost_day(small_city, 0.2) == (pytest.approx(HOUSED + 200.0), [VISIT_DUE])


def test_a_visit_lowers_the_hazard_by_its_factor(small_city):
    """0.06 spent by the visit (day 80); the other 0.14 at half the hazard lasts 280 days, inside
    the effect period (to day 80 + 365)."""
    lost, _ = lost_day(small_city, 0.2, move_in={"retention_visit_hazard_factor": 0.5})
    assert lost == pytest.approx(VISIT_DUE + 0.14 / (0.5 * H))


def test_the_visits_effect_ends_with_its_period(small_city):
    """Effect for 100 days from day 80: 0.06 + 100 × 0.0005 = 0.11 spent by day 180; the other
    0.09 at the full hazard lasts 90 days."""
    lost, _ = lost_day(small_city, 0.2, move_in={"retention_visit_hazard_factor": 0.5,
                                                 "retention_visit_effect_days": 100.0})
    assert lost == pytest.approx(180.0 + 90.0)


def test_a_visit_that_cannot_happen_leaves_the_hazard_alone(small_city):
    """No advisor from day 50 on: the visit due on day 80 waits for ever and does nothing."""
    lost, visited = lost_day(small_city, 0.2, move_in={
        "retention_visit_hazard_factor": 0.5, "housing_advisors": steps((0, 1), (50, 0))})
    assert (lost, visited) == (pytest.approx(HOUSED + 200.0), [])


def test_a_late_visit_acts_for_what_is_left_of_its_period(small_city):
    """Advisors back on day 200: 0.18 spent by then; the other 0.02 at half the hazard lasts 40
    days. With an effect period of 100 days (to day 180) the late visit does nothing."""
    advisors = steps((0, 1), (50, 0), (200, 1))
    late, visited = lost_day(small_city, 0.2, move_in={"retention_visit_hazard_factor": 0.5,
                                                       "housing_advisors": advisors})
    assert (late, visited) == (pytest.approx(200.0 + 40.0), [200.0])
    too_late, _ = lost_day(small_city, 0.2, move_in={
        "retention_visit_hazard_factor": 0.5, "retention_visit_effect_days": 100.0,
        "housing_advisors": advisors})
    assert too_late == pytest.approx(HOUSED + 200.0)


def test_no_visit_to_a_citizen_who_left_while_it_waited(small_city):
    """Advisors gone from day 50 to 200; the home is lost on day 150 (budget 0.13): the visit due
    on day 80 gets its advisor on day 200, finds nobody and hands the advisor back at once."""
    town = small_city(**hazards(supported=H, unsupported=H, after=H),
                      move_in={"housing_advisors": steps((0, 1), (50, 0), (200, 1))})
    c = houses(town, tenancy_budget=0.13)
    town.run(201.0)
    assert lost_at(town, c) == pytest.approx(150.0)
    assert visits(town, c) == []
    assert town.pool("housing_advisors").busy == 0.0


def test_more_advisors_keep_homes_longer(small_city):
    """One advisor, busy with a first citizen's move-in (days 0-20) and 60-day visit (days
    80-140): a second citizen waits for the move-in and for the visit; with two advisors both
    come on time, and the second tenancy lasts longer."""
    def second_kept(advisors: int) -> tuple[float, float]:
        town = small_city(**hazards(supported=H, unsupported=H, after=H),
                          move_in={"retention_visit_hazard_factor": 0.5,
                                   "retention_visit_effect_days": 100.0,
                                   "housing_advisors": advisors,
                                   "retention_visit_days": 60.0})
        houses(town, tenancy_budget=10.0)
        second = town.arrive(tenancy_budget=0.2)
        town.let(1, 1, at=5.0)
        town.run(1000.0)
        [housed] = [t for t, event in town.events(second) if event == "housed"]
        return housed, lost_at(town, second) - housed

    # one advisor: moves in on day 40; the visit due on day 100 waits until day 140, with 60 days
    # of its effect period left: 0.1 spent by then, 60 × 0.0005 = 0.03 more by day 200, and the
    # other 0.07 takes 70 days: 230 days in the home
    assert second_kept(1) == (40.0, pytest.approx(230.0))
    # two advisors: moves in on day 25, visited on day 85: 0.06 + 0.05 spent by day 185, 0.09
    # left: 250 days
    assert second_kept(2) == (25.0, pytest.approx(250.0))


def test_lowering_a_running_tenancy_is_exact_and_only_lowers():
    """A loss timed for day 100 (budget 1 at 0.01 a day); lowered to a quarter from day 40 to 60
    while it runs: 0.4 + 0.05 spent by day 60, the other 0.55 lasts 55 days — as if the lowering
    had been known from the start. A running tenancy's hazard is not raised."""
    def lost(lower_at: float | None) -> float:
        env = Clock()
        tenancy = Tenancy(env, -math.expm1(-1.0))
        days = []

        def live():
            yield from tenancy.hold(None, 3.65)
            days.append(env.now)

        def visit():
            yield env.timeout(lower_at)
            tenancy.lower(0.25, 60.0)
            with pytest.raises(ValueError):
                tenancy.scale(env.now, 2.0)

        if lower_at is None:
            tenancy.scale(40.0, 0.25, 60.0)  # known in advance
        env.process(live())
        if lower_at is not None:
            env.process(visit())
        env.run(until=500.0)
        return days[0]

    assert lost(40.0) == pytest.approx(115.0)
    assert lost(None) == pytest.approx(115.0)


# --- motivation work -------------------------------------------------------------------------


def busy(town, *days) -> list[float]:
    out = []
    for day in days:
        town.run(day)
        out.append(town.pool("support_workers").busy)
    return out


def decliner(small_city, share: float, units: float = 0.5, factor: float = 1.0, workers=None,
             budget: float | None = None, **sections):
    """A citizen who declines support on moving in (day 20)."""
    support = {"decline_share": 1.0, "reengage_share": share, "reengage_days_mean": 30.0,
               "motivation_caseload_units": units, "motivation_hazard_factor": factor}
    if workers is not None:
        support["support_workers"] = workers
    town = small_city(support=support, allocation={"support_rule": "waiting_list"}, **sections)
    return town, houses(town, tenancy_budget=budget)


def support_starts(town, c) -> list[float]:
    return [t for t, event in town.events(c) if event == "support_start"]


def test_by_default_motivation_takes_no_staff_time(small_city):
    """Units 0, factor 1: re-engaged after 30 days as before, no units held while waiting."""
    town, c = decliner(small_city, 1.0, units=0.0)
    assert busy(town, 19.0, 21.0, 49.0, 51.0, 169.0, 171.0) == [1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    assert support_starts(town, c) == [50.0]


def test_motivation_work_holds_units_while_it_runs(small_city):
    """Half a unit from the decline (day 20) to re-engagement (day 50), then support's unit."""
    town, c = decliner(small_city, 1.0)
    assert busy(town, 19.0, 21.0, 49.0, 51.0, 169.0, 171.0) == [1.0, 0.5, 0.5, 1.0, 1.0, 0.0]
    assert support_starts(town, c) == [50.0]


def test_motivation_work_that_does_not_re_engage_ends_after_its_time(small_city):
    """Not re-engaged: the work runs for its 30 days and releases its units; the citizen lives
    without support until day 140 as before."""
    town, c = decliner(small_city, 0.0)
    assert busy(town, 21.0, 49.0, 51.0, 300.0) == [0.5, 0.5, 0.0, 0.0]
    assert support_starts(town, c) == []


def test_without_support_capacity_motivation_does_not_re_engage(small_city):
    """No capacity from day 10: the work waits, is withdrawn when its 30 days end (day 50), and
    the citizen is not re-engaged: unsupported (no hazard) until day 140, then the after-support
    hazard of 0.01 a day spends budget 1 in 100 days. (Re-engaged, they would wait in the support
    queue at the unsupported hazard and never lose the home.)"""
    town, c = decliner(small_city, 1.0, workers=steps((0, 1), (10, 0)), budget=1.0,
                       **hazards(after=0.01))
    town.run(30.0)
    assert town.pool("support_workers").queue_length == 1  # the motivation work waits
    town.run(60.0)
    assert town.pool("support_workers").queue_length == 0  # withdrawn, nobody in the queue
    town.run(1000.0)
    assert support_starts(town, c) == []
    assert lost_at(town, c) == pytest.approx(SUPPORT_END + 100.0)


@pytest.mark.parametrize(("u", "reengaged"), [(0.4, True), (0.6, False)])
def test_work_that_runs_half_its_time_gives_half_the_chance(small_city, u, reengaged):
    """Capacity back on day 35: the work runs 15 of its 30 days, so with reengage_share 1 the
    chance is 0.5; the citizen's re-engagement uniform decides."""
    town, c = decliner(small_city, 1.0, workers=steps((0, 1), (10, 0), (35, 1)))
    town.city.draw["reengage"] = lambda: u
    assert busy(town, 30.0, 36.0) == [0.0, 0.5]
    town.run(400.0)
    assert support_starts(town, c) == ([50.0] if reengaged else [])


def test_motivation_work_lowers_the_unsupported_hazard_while_it_runs(small_city):
    """Not re-engaged, budget 0.1 at 0.001 a day unsupported: lost on day 120 without the
    factor; at half the hazard during the work (days 20-50) 0.015 is spent, and the other 0.085
    lasts 85 days."""
    town, c = decliner(small_city, 0.0, factor=0.5, budget=0.1, **hazards(unsupported=H))
    town.run(400.0)
    assert lost_at(town, c) == pytest.approx(50.0 + 85.0)
    town, c = decliner(small_city, 0.0, factor=1.0, budget=0.1, **hazards(unsupported=H))
    town.run(400.0)
    assert lost_at(town, c) == pytest.approx(HOUSED + 100.0)
