"""Rekruttering (recruitment, sim/model/staffing.py): posts a dated staff step adds are filled
over the recruitment period, fewer posts apply at once, and the headcount filled is what the
pools, the snapshots and the costs see. On the small city: caseworkers carry 1 assessment each,
support workers 1 caseload unit each; durations are fixed unless a test says otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.model.staffing import new_posts

START = dt.date(2023, 1, 1)
RAISE = dt.date(2023, 3, 1)  # day 59
LATER = dt.date(2023, 4, 1)  # day 90
RAISE_DAY, LATER_DAY = float((RAISE - START).days), float((LATER - START).days)
PERIOD = 90.0


def steps(*values: float, dates=(START, RAISE, LATER)) -> list[dict]:
    return [{"from": day, "value": float(v)} for day, v in zip(dates, values, strict=False)]


def city_with(small_city, caseworkers: list[dict], days: float = PERIOD, assessment=None):
    return small_city(assessment={"caseworkers": caseworkers, **(assessment or {})},
                      staffing={"recruitment_days_mean": days})


def staffed(sc, day: float) -> tuple[float, float]:
    """(caseworkers filled, their pool's capacity) once every event before `day` is done."""
    sc.run(day)
    return sc.city.staff["caseworkers"], sc.pool("caseworkers").capacity


def test_without_a_recruitment_period_steps_apply_at_once_and_draw_nothing(small_city):
    sc = city_with(small_city, steps(1, 9, 4), days=0.0)
    assert staffed(sc, RAISE_DAY) == (1.0, 1.0)
    assert staffed(sc, RAISE_DAY + 1e-9) == (9.0, 9.0)
    assert staffed(sc, LATER_DAY + 1e-9) == (4.0, 4.0)
    assert not [name for name in sc.city.draw if name.startswith("recruitment")]


def test_the_initial_staffing_is_in_post_from_the_start(small_city):
    sc = city_with(small_city, steps(7))
    assert staffed(sc, 0.0) == (7.0, 7.0)
    assert sc.city.staff["support_workers"] == 10.0


def test_fixed_recruitment_fills_every_new_post_after_exactly_the_period(small_city):
    sc = city_with(small_city, steps(1, 9))
    assert staffed(sc, RAISE_DAY + PERIOD) == (1.0, 1.0)
    assert staffed(sc, RAISE_DAY + PERIOD + 1e-9) == (9.0, 9.0)


def test_a_new_post_serves_the_queue_when_filled(small_city):
    sc = city_with(small_city, steps(1, 2), assessment={"assessment_days_mean": 400.0})
    waiting = [sc.arrive("awaiting_assessment") for _ in range(3)]
    sc.run(500.0)
    started = [t for c in waiting for t, event in sc.events(c) if event == "assessment_start"]
    # the first at once, the second when the new post is filled, the third when one ends
    assert started == [0.0, RAISE_DAY + PERIOD, 400.0]


def test_a_decrease_applies_at_once(small_city):
    sc = city_with(small_city, steps(9, 4))
    assert staffed(sc, RAISE_DAY + 1e-9) == (4.0, 4.0)
    assert not [name for name in sc.city.draw if name.startswith("recruitment")]


def test_a_second_raise_adds_to_the_vacancies(small_city):
    sc = city_with(small_city, steps(1, 5, 8))
    assert staffed(sc, LATER_DAY + 1e-9) == (1.0, 1.0)
    assert staffed(sc, RAISE_DAY + PERIOD + 1e-9) == (5.0, 5.0)
    assert staffed(sc, LATER_DAY + PERIOD) == (5.0, 5.0)
    assert staffed(sc, LATER_DAY + PERIOD + 1e-9) == (8.0, 8.0)


def test_a_decrease_withdraws_vacancies_before_staff_in_post(small_city):
    sc = city_with(small_city, steps(1, 9, 4))
    assert staffed(sc, LATER_DAY + 1e-9) == (1.0, 1.0)  # 8 vacancies cut to 3
    assert staffed(sc, RAISE_DAY + PERIOD + 1e-9) == (4.0, 4.0)
    assert staffed(sc, 700.0) == (4.0, 4.0)


def test_a_decrease_below_the_staff_in_post_cuts_them_and_every_vacancy(small_city):
    sc = city_with(small_city, steps(3, 9, 2))
    assert staffed(sc, LATER_DAY + 1e-9) == (2.0, 2.0)
    assert staffed(sc, 700.0) == (2.0, 2.0)


def test_fractional_posts_are_whole_posts_and_a_part():
    assert list(new_posts(2.5)) == [1.0, 1.0, 0.5]
    assert list(new_posts(3.0)) == [1.0, 1.0, 1.0]
    assert list(new_posts(0.25)) == [0.25]


def test_a_staff_group_without_a_pool_is_recruited_too(small_city):
    sc = small_city(support={"department_heads": steps(1, 2)},
                    staffing={"recruitment_days_mean": PERIOD})
    sc.run(RAISE_DAY + PERIOD)
    assert sc.city.staff["department_heads"] == 1.0
    sc.run(RAISE_DAY + PERIOD + 1e-9)
    assert sc.city.staff["department_heads"] == 2.0


def test_snapshots_show_the_headcount_filled(small_city):
    sc = city_with(small_city, steps(1, 9))
    sc.city.run()
    snap = sc.rec.tables()["snapshots"].to_pydict()
    filled_from = RAISE_DAY + PERIOD
    for t, staff, capacity in zip(snap["time_days"], snap["caseworkers_staff"],
                                  snap["caseworkers_capacity"], strict=True):
        assert staff == (9.0 if t >= filled_from else 1.0)
        assert capacity == staff


def exponential_city(small_city, seed: int, caseworkers: bool = False):
    """Support workers 10 → 50 on day 59, each new post filled after Exp(mean 60 days)."""
    sections = {"run": {"duration_distribution": "exponential"},
                "support": {"support_workers": steps(10, 50)},
                "staffing": {"recruitment_days_mean": 60.0}}
    if caseworkers:
        sections["assessment"] = {"caseworkers": steps(1, 5)}
    return small_city(seed=seed, **sections)


def fill_days(sc) -> list[float]:
    """Days on which the support workers' headcount rose, one entry a post."""
    days, staff = [], sc.city.staff
    for day in range(int(RAISE_DAY), 730):
        before = staff["support_workers"]
        sc.run(day + 1.0)
        days += [float(day)] * round(staff["support_workers"] - before)
    return days


def test_exponential_recruitment_fills_every_post_after_the_step(small_city):
    sc = exponential_city(small_city, seed=3)
    sc.run(RAISE_DAY + 1e-9)
    assert sc.city.staff["support_workers"] == 10.0
    days = fill_days(sc)
    assert len(days) == 40 and min(days) >= RAISE_DAY
    assert sc.pool("support_workers").capacity == 50.0


def test_exponential_recruitment_fills_posts_at_the_rate_its_mean_says(small_city):
    """After one mean, 1 - 1/e ≈ 63 % of the posts are filled (800 posts: sd ≈ 1.7 %)."""
    filled = []
    for seed in range(20):
        sc = exponential_city(small_city, seed)
        sc.run(RAISE_DAY + 60.0)
        filled.append((sc.city.staff["support_workers"] - 10.0) / 40.0)
    assert sum(filled) / len(filled) == pytest.approx(0.632, abs=0.06)


def test_a_group_s_fill_days_do_not_depend_on_other_groups_raises(small_city):
    """Common random numbers: each group draws from its own named stream."""
    alone = fill_days(exponential_city(small_city, seed=5))
    with_caseworkers = fill_days(exponential_city(small_city, seed=5, caseworkers=True))
    assert alone == with_caseworkers
