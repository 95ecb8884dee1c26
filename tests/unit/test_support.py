"""Bostøtte: whether it can start (a private provider always; municipal support needs the
citizen's caseload units free, and nobody overtakes a citizen waiting for them), the units a
claim reserves by need tier, declines that release them, re-engagement, support that ends after
its duration, and the tenancy hazard in each support state.

In the small city a citizen takes a dwelling on day 0, moves in on day 20 (move_in_days_mean)
and low-tier support lasts 120 days (support_days_mean.low), so it ends on day 140."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.model import support

HOUSED, SUPPORT_END = 20.0, 140.0


def houses(town, **citizen):
    """A citizen put forward and given a dwelling on day 0."""
    c = town.arrive(**citizen)
    town.let(1, 1)
    assert town.events(c)[-1][1] == "offer_accepted"
    return c


def after_housed(town, c, *columns):
    """The citizen's events from moving in on, without the advisor's retention visit."""
    rows = town.events(c, *columns)
    start = next(i for i, row in enumerate(rows) if row[1] == "housed")
    return [row for row in rows[start:] if row[1] != "retention_visit"]


def busy_at(town, day: float) -> float:
    town.run(day)
    return town.pool("support_workers").busy


# --- can_start and claim ---------------------------------------------------------------------


def test_can_start_needs_the_tiers_caseload_units_free(small_city):
    town = small_city(support={"support_workers": 2})  # 2 units; weights 1, 1.5, 2.5
    low, medium, high = (town.arrive("awaiting_assessment", tier=t)
                         for t in ("low", "medium", "high"))
    assert [support.can_start(town.city, c) for c in (low, medium, high)] == [True, True, False]
    support.claim(town.city, low)  # 1 unit left
    assert [support.can_start(town.city, c) for c in (low, medium, high)] == [True, False, False]


def test_a_private_provider_can_always_start(small_city):
    town = small_city(support={"support_workers": 0})
    private = town.arrive("awaiting_assessment", tier="high", provider="private")
    municipal = town.arrive("awaiting_assessment", tier="low")
    assert support.can_start(town.city, private)
    assert not support.can_start(town.city, municipal)


def test_nobody_starts_ahead_of_a_citizen_waiting_for_units(small_city):
    """2 units, 1 held: a high-tier claim (2.5) waits; a low-tier citizen who would fit in the
    free unit cannot start before them."""
    town = small_city(support={"support_workers": 2})
    first, high, low = (town.arrive("awaiting_assessment", tier=t) for t in ("low", "high", "low"))
    support.claim(town.city, first)
    support.claim(town.city, high)
    workers = town.pool("support_workers")
    assert (workers.busy, workers.queue_length) == (1.0, 1)
    assert not support.can_start(town.city, low)


def test_claim_reserves_units_by_tier_weight(small_city):
    town = small_city()  # 10 units
    citizens = [town.arrive("awaiting_assessment", tier=t) for t in ("low", "medium", "high")]
    workers = town.pool("support_workers")
    for c, busy in zip(citizens, (1.0, 2.5, 5.0), strict=True):
        support.claim(town.city, c)
        assert workers.busy == busy
    private = town.arrive("awaiting_assessment", tier="high", provider="private")
    support.claim(town.city, private)
    assert (workers.busy, workers.queue_length) == (5.0, 0)


# --- support in the home ---------------------------------------------------------------------


def test_support_is_reserved_at_acceptance_and_ends_after_its_duration(small_city):
    town = small_city()
    c = houses(town)
    assert busy_at(town, 10.0) == 1.0  # reserved while moving in
    town.run(400.0)
    assert after_housed(town, c, "reason") == [
        (HOUSED, "housed", None), (HOUSED, "support_start", "municipal"),
        (SUPPORT_END, "support_end", "completed")]
    assert town.pool("support_workers").busy == 0.0


def test_support_units_are_held_exactly_while_support_runs(small_city):
    town = small_city()
    houses(town)
    assert [busy_at(town, day) for day in (1.0, 19.0, 21.0, 139.0, 141.0)] == [
        1.0, 1.0, 1.0, 1.0, 0.0]


def test_private_support_uses_no_municipal_units(small_city):
    town = small_city()
    c = houses(town, provider="private")
    assert busy_at(town, 50.0) == 0.0
    town.run(400.0)
    assert after_housed(town, c, "reason")[1:] == [
        (HOUSED, "support_start", "private"), (SUPPORT_END, "support_end", "completed")]


def test_support_waits_for_capacity_after_moving_in(small_city):
    """No support worker until day 50 (2023-02-20): the citizen moves in on day 20 and support
    starts when the capacity comes, lasting its full duration from then."""
    town = small_city(support={"support_workers": [
        {"from": dt.date(2023, 1, 1), "value": 0.0}, {"from": dt.date(2023, 2, 20), "value": 1.0}]},
        allocation={"support_rule": "waiting_list"})
    c = houses(town)
    town.run(400.0)
    assert after_housed(town, c) == [
        (HOUSED, "housed"), (50.0, "support_start"), (170.0, "support_end")]


def test_a_declined_support_releases_its_units(small_city):
    """Everybody declines and nobody is re-engaged: the unit reserved at acceptance is free again
    on moving in, and support never starts."""
    town = small_city(support={"decline_share": 1.0, "reengage_share": 0.0})
    c = houses(town)
    assert busy_at(town, 19.0) == 1.0
    assert busy_at(town, 21.0) == 0.0
    town.run(400.0)
    assert after_housed(town, c) == [(HOUSED, "housed"), (HOUSED, "support_declined")]


def test_a_declined_unit_goes_to_the_next_citizen_waiting_for_support(small_city):
    """1 unit: the first citizen's unit is reserved, the second waits for it; when the first
    declines on moving in (day 20) the second, who moved in on day 25, gets it then."""
    town = small_city(support={"support_workers": 1, "decline_share": 1.0, "reengage_share": 0.0},
                      allocation={"support_rule": "waiting_list"})
    houses(town)
    second = town.arrive(provider="municipal")
    town.let(1, 1, at=5.0)
    town.run(24.0)
    workers = town.pool("support_workers")
    assert (workers.busy, workers.queue_length) == (1.0, 0)  # granted to the second on day 20
    town.run(26.0)
    assert after_housed(town, second) == [(25.0, "housed"), (25.0, "support_declined")]
    assert workers.busy == 0.0


def test_a_reengaged_decliner_gets_support_after_the_motivation_work(small_city):
    """Declines on moving in (day 20), is re-engaged after reengage_days_mean (30): support from
    day 50 for its full 120 days, and may not decline a second time."""
    town = small_city(support={"decline_share": 1.0, "reengage_share": 1.0,
                               "reengage_days_mean": 30.0})
    c = houses(town)
    assert [busy_at(town, day) for day in (19.0, 21.0, 49.0, 51.0, 169.0, 171.0)] == [
        1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    assert after_housed(town, c, "reason") == [
        (HOUSED, "housed", None), (HOUSED, "support_declined", None),
        (50.0, "support_start", "municipal"), (170.0, "support_end", "completed")]


# --- the tenancy hazard in each support state ------------------------------------------------


def hazards(supported=0.0, unsupported=0.0, after=0.0) -> dict:
    """Yearly loss hazards of the low tier (the small city's citizens)."""
    return {f"loss_per_year_{state}": {"low": rate, "medium": 0.0, "high": 0.0}
            for state, rate in (("supported", supported), ("unsupported", unsupported),
                                ("after_support", after))}


def lost_at(town, c) -> float:
    [day] = [t for t, event in town.events(c) if event == "tenancy_lost"]
    return day


def test_after_support_the_tenancy_runs_at_the_after_support_hazard(small_city):
    """Budget 1: support (0.001 a day) spends 0.12 over its 120 days; the remaining 0.88 at the
    after-support hazard (0.002 a day) lasts 440 days: lost on day 140 + 440."""
    town = small_city(tenancy=hazards(supported=0.365, after=0.73))
    c = houses(town, tenancy_budget=1.0)
    town.run(595.0)
    assert lost_at(town, c) == pytest.approx(SUPPORT_END + 440.0)
    rows = town.events(c, "stage")
    lost = rows.index((pytest.approx(580.0), "tenancy_lost", "awaiting_assessment"))
    assert rows[lost + 1] == (pytest.approx(590.0), "referred", "awaiting_assessment")


def test_a_tenancy_lost_during_support_ends_it_and_frees_the_units(small_city):
    """Budget 1 at 0.01 a day in support: lost 100 days after moving in, before support ends."""
    town = small_city(tenancy=hazards(supported=3.65, after=0.0))
    c = houses(town, tenancy_budget=1.0)
    town.run(300.0)
    assert after_housed(town, c, "reason")[1:4] == [
        (HOUSED, "support_start", "municipal"),
        (pytest.approx(120.0), "support_end", "tenancy_lost"),
        (pytest.approx(120.0), "tenancy_lost", None)]
    assert town.pool("support_workers").busy == 0.0


def test_a_decliner_lives_unsupported_for_the_support_duration_then_at_the_after_hazard(
        small_city):
    """Not re-engaged: 120 days at the unsupported hazard (0.001 a day: 0.12 of budget 1), then
    the after-support hazard (0.01 a day): the remaining 0.88 lasts 88 days."""
    town = small_city(support={"decline_share": 1.0, "reengage_share": 0.0},
                      tenancy=hazards(unsupported=0.365, after=3.65))
    c = houses(town, tenancy_budget=1.0)
    town.run(400.0)
    assert lost_at(town, c) == pytest.approx(SUPPORT_END + 88.0)


def test_losing_the_home_while_waiting_for_support_leaves_the_support_queue(small_city):
    """No support capacity until day 50; at 0.001 a day unsupported, budget 0.02 is spent 20
    days after moving in (day 40). The queued claim is withdrawn: the unit that comes on day 50
    stays free."""
    town = small_city(support={"support_workers": [
        {"from": dt.date(2023, 1, 1), "value": 0.0}, {"from": dt.date(2023, 2, 20), "value": 1.0}]},
        allocation={"support_rule": "waiting_list"}, tenancy=hazards(unsupported=0.365))
    c = houses(town, tenancy_budget=0.02)
    town.run(45.0)
    assert lost_at(town, c) == pytest.approx(40.0)
    assert town.pool("support_workers").queue_length == 0
    assert busy_at(town, 60.0) == 0.0
