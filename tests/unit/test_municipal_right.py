"""The municipal right (boligsocial anvisning) shared with other households, what becomes of a
right not used, and why a vacancy is let ordinarily: each named policy in the small hand-built
city, one vacancy at a time (`Allocation.let`), read back from the vacancies table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sim.analysis import vacancies
from sim.model.population import leave_by_themselves

THIRD = {"quota_share": 1 / 3}


def lets(town) -> list[tuple[str, str | None]]:
    return [(v["allocated_to"], v["reason"]) for v in town.vacancies()]


def other_household(town) -> None:
    town.city.allocation.put_forward_other()


def test_a_vacancy_held_back_by_the_quota_while_a_fitting_citizen_waits_says_so(small_city):
    town = small_city(allocation=THIRD)
    town.let(1, 1, at=0.0)  # nobody waits: the quota holds it back, but blocks nobody
    town.arrive()
    town.let(1, 1, at=1.0)  # the quota holds it back from a citizen who fits and can pay
    town.arrive(rooms_needed=2)
    assert lets(town) == [("ordinary", "nobody_fits"), ("ordinary", "quota")]


def test_a_vacancy_the_support_rule_stops_is_lost_to_support(small_city):
    town = small_city(allocation={"quota_share": 1.0}, support={"support_workers": 2})
    town.arrive(tier="high")  # needs 2.5 caseload units, 2 are free
    town.let(1, 1)
    assert lets(town) == [("ordinary", "support")]


def test_a_vacancy_everyone_refuses_is_let_ordinarily_as_refused(small_city):
    town = small_city(allocation={"quota_share": 1.0, "offer_refusal_share": 1.0,
                                  "refusal_removal_share": 0.0})
    town.arrive()
    town.let(1, 1)
    assert lets(town) == [("ordinary", "refused")]


@pytest.mark.parametrize(("policy", "fourth"), [
    ("carry_forward", "social"),  # the third vacancy's right waits for the fourth
    ("lapse", "ordinary"),  # the third's right is gone with it
])
def test_a_right_not_used_carries_forward_or_lapses(small_city, policy, fourth):
    town = small_city(allocation={**THIRD, "unused_rights": policy})
    for day in range(3):
        town.let(1, 1, at=float(day))  # the third creates a right; nobody waits for it
    town.arrive()
    town.arrive()
    for day in range(3, 6):
        town.let(1, 1, at=float(day))
    got = [to for to, _ in lets(town)]
    assert got[3:] == [fourth, "ordinary", "social"]  # the sixth makes a right of its own


@pytest.mark.parametrize(("policy", "in_january"), [
    ("carry_forward", "social"), ("carry_within_year", "ordinary")])
def test_rights_carry_within_the_calendar_year_only_under_that_policy(small_city, policy,
                                                                      in_january):
    """The small city starts on 2023-01-01: three vacancies in 2023 leave one right unused;
    on 2 January 2024 the count starts again under carry_within_year."""
    town = small_city(allocation={**THIRD, "unused_rights": policy})
    for day in range(3):
        town.let(1, 1, at=float(day))
    town.run(366.0)
    town.arrive()
    town.let(1, 1)
    assert lets(town)[-1][0] == in_january


@pytest.mark.parametrize(("priority", "expected"), [
    ("homeless_first", "social"), ("others_first", "social_other")])
def test_the_priority_says_who_the_right_goes_to_first(small_city, priority, expected):
    town = small_city(allocation={"quota_share": 1.0, "priority": priority})
    citizen = town.arrive()
    other_household(town)
    town.let(1, 1)
    assert lets(town) == [(expected, None)]
    assert (town.queued() == [citizen.id]) == (expected == "social_other")
    assert town.city.allocation.others_waiting == (1 if expected == "social" else 0)


def test_another_household_takes_what_no_homeless_citizen_can(small_city):
    town = small_city(allocation={"quota_share": 1.0})
    town.arrive(rooms_needed=2)  # a one-room dwelling does not fit them
    other_household(town)
    town.let(1, 1)
    assert lets(town) == [("social_other", None)]


def test_a_shared_priority_puts_others_first_on_its_share_of_lets(small_city):
    town = small_city(allocation={"quota_share": 1.0, "priority": "shared",
                                  "others_first_share": 0.5, "support_rule": "waiting_list"})
    for day in range(400):
        town.arrive()
        other_household(town)
        town.let(1, 1, at=float(day))
    share = np.mean([to == "social_other" for to, _ in lets(town)])
    assert 0.4 < share < 0.6


def test_other_households_are_put_forward_at_their_yearly_rate(small_city):
    """Fixed durations: each arrival spends a budget of exactly 1, so 365.25 a year come one a
    day; none before the rate's first date."""
    town = small_city(allocation={"other_households_per_year": 365.25})
    town.run(10.5)
    assert town.city.allocation.others_waiting == 10


def test_vacancy_metrics_count_the_ledger_within_the_window():
    table = pa.table({
        "time_days": [1.0, 2.0, 3.0, 4.0, 5.0, 50.0],
        "quota_share": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        "allocated_to": ["social", "social_other", "ordinary", "ordinary", "ordinary", "social"],
        "reason": [None, None, "quota", "support", "refused", None],
    })
    got = vacancies.metrics(table, 0.0, 10.0)
    assert got == {"vacancies_total": 5.0, "vacancies_social_homeless": 1.0,
                   "vacancies_social_other": 1.0, "vacancies_blocked_by_quota": 1.0,
                   "vacancies_lost_to_support": 1.0, "vacancies_refused": 1.0,
                   "quota_used_share": 2 / 2.5}


# --- support that paces nominations ----------------------------------------------------------


def test_under_forecast_only_those_support_can_take_are_put_forward(small_city):
    """3 caseload units: the high-tier citizen's 2.5 are reserved and they join the queue; the
    low-tier one behind (1 unit) waits for a support decision outside it. The dwelling is not
    lost to support, and the support workers' queue is where the wait shows."""
    town = small_city(allocation={"quota_share": 1.0, "support_rule": "forecast"},
                      support={"support_workers": 3})
    heavy = town.arrive(tier="high")
    light = town.arrive(tier="low")
    assert town.queued() == [heavy.id]
    support = town.pool("support_workers")
    assert (support.busy, support.queue_length) == (2.5, 1)
    town.let(1, 1)
    assert lets(town) == [("social", None)]
    assert [v["citizen_id"] for v in town.vacancies()] == [heavy.id]
    assert light.id not in town.queued()
    assert [e for _, e in town.events(heavy)].count("support_reserved") == 1


def test_leaving_while_support_is_reserved_gives_the_units_back(small_city):
    town = small_city(allocation={"support_rule": "forecast"}, support={"support_workers": 2})
    citizen = town.arrive(tier="low")
    assert town.pool("support_workers").busy == 1.0
    leave_by_themselves(town.city, citizen)
    town.settle()
    assert town.pool("support_workers").busy == 0.0
    assert town.queued() == []
