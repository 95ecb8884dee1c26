"""Boligsocial anvisning, one vacancy at a time: the running quota per department, the first
citizen in queue order whose household fits and who can pay (or gets a rent subsidy), the support
gate that nobody who fits overtakes, refusals that take a citizen off the list for a while, the
cap on offers, and the vacancies table that records every let.

Each test builds the small city (no vacancies of its own, see conftest), puts citizens forward,
lets dwellings with `Allocation.let(dept, rooms)` and reads the recorder's tables."""

from __future__ import annotations

import pytest

SOCIAL, ORDINARY = "social", "ordinary"
RENT = {1: (3000.0, 4500.0, 6000.0), 2: (3100.0, 4700.0, 6300.0)}  # tests/unit/data/departments


def allocated(town) -> list[str]:
    return [v["allocated_to"] for v in town.vacancies()]


def takers(town) -> list[int | None]:
    return [v["citizen_id"] for v in town.vacancies()]


def offered(town) -> list[int]:
    """Ids of the citizens offered a dwelling, in the order of the offers."""
    return [cid for _, event, cid in town.events(None, "citizen_id") if event == "offer"]


def pattern(lets: list[str]) -> str:
    return "".join("S" if to == SOCIAL else "." for to in lets)


# --- the running quota -----------------------------------------------------------------------


@pytest.mark.parametrize(("share", "expected"), [
    (1 / 3, "..S..S"),  # at most every third vacancy: the first social let is the third
    (0.5, ".S.S.S"),
    (0.4, "..S.S."),  # floor(n × 0.4) = 0, 0, 1, 1, 2, 2
    (1.0, "SSSSSS"),
    (0.0, "......"),
])
def test_running_quota_after_the_nth_vacancy(small_city, share, expected):
    town = small_city(allocation={"quota_share": share})
    for _ in range(6):
        town.arrive()
    for n in range(6):
        town.let(1, at=float(n))
    assert pattern(allocated(town)) == expected
    assert {v["quota_share"] for v in town.vacancies()} == {share}


def test_unused_quota_rights_carry_forward(small_city):
    """Three vacancies pass while nobody is put forward; the right to one social let is kept."""
    town = small_city(allocation={"quota_share": 1 / 3})
    for n in range(3):
        town.let(1, at=float(n))
    for _ in range(3):
        town.arrive()
    for n in range(3, 6):
        town.let(1, at=float(n))
    assert pattern(allocated(town)) == "...S.S"


def test_shielded_departments_count_with_their_own_share(small_city):
    town = small_city(allocation={"quota_share": 1 / 3, "shielded_quota_share": 0.5})
    for _ in range(8):
        town.arrive()
    for n in range(4):  # the two departments' vacancies interleaved: each keeps its own count
        town.let(1, at=2.0 * n)
        town.let(2, at=2.0 * n + 1)
    rows = town.vacancies()
    assert pattern([v["allocated_to"] for v in rows if v["department"] == 1]) == "..S."
    assert pattern([v["allocated_to"] for v in rows if v["department"] == 2]) == ".S.S"
    assert {(v["department"], v["quota_share"]) for v in rows} == {(1, 1 / 3), (2, 0.5)}


def test_a_shielded_department_with_share_zero_lets_nothing_socially(small_city):
    town = small_city()  # department 2 is shielded with share 0; department 1 has share 1
    a = town.arrive()
    for n in range(5):
        town.let(2, at=float(n))
    assert allocated(town) == [ORDINARY] * 5
    assert town.queued() == [a.id]


# --- who gets the dwelling -------------------------------------------------------------------


@pytest.mark.parametrize(("rooms", "extra", "taker"), [
    (1, 1, "one"),
    (2, 1, "one"),  # one room more than needed is accepted
    (3, 1, "two"),  # two more is not: the next in line who fits takes it
    (3, 2, "one"),
    (2, 0, "two"),
    (3, 0, None),  # fits nobody: let ordinarily
])
def test_goes_to_the_first_in_queue_whose_household_fits(small_city, rooms, extra, taker):
    town = small_city(housing={"extra_rooms_accepted": extra})
    one = town.arrive(rooms_needed=1, affordable_rent=10000.0)
    two = town.arrive(rooms_needed=2, affordable_rent=10000.0)
    town.let(1, rooms)
    who = {"one": one.id, "two": two.id, None: None}[taker]
    [row] = town.vacancies()
    assert (row["allocated_to"], row["citizen_id"], row["rooms"]) == (
        ORDINARY if who is None else SOCIAL, who, rooms)
    assert offered(town) == ([] if who is None else [who])  # no offer to a misfit


def test_goes_to_the_first_who_can_pay_the_rent(small_city):
    """Rent 3000: the first in line can pay 1 DKK less and is passed over; the second can pay
    exactly the rent (rent − affordable ≤ 0) and takes it."""
    town = small_city()
    short = town.arrive(affordable_rent=2999.0)
    exact = town.arrive(affordable_rent=3000.0)
    town.let(1, 1)
    [row] = town.vacancies()
    assert (row["allocated_to"], row["citizen_id"], row["rent_dkk"]) == (SOCIAL, exact.id, 3000.0)
    assert offered(town) == [exact.id]
    assert town.queued() == [short.id]


def test_a_subsidy_covers_the_gap_while_the_scheme_has_dwellings_this_year(small_city):
    """One udslusningsbolig a year, up to 2000 DKK a month: the first citizen short of 2000 DKK
    gets it; the next, short of 1500, waits until the scheme's next year (day 365 is
    2024-01-01) — and nobody short of more than 2000 ever gets a subsidy."""
    town = small_city(subsidy={"exit_dwelling": {"dwellings_per_year": 1,
                                                 "max_dkk_per_month": 2000.0}})
    a = town.arrive(affordable_rent=1000.0)  # rent 3000: short of 2000
    too_poor = town.arrive(affordable_rent=999.0)  # short of 2001
    b = town.arrive(affordable_rent=1500.0)  # short of 1500
    town.let(1, 1, at=10.0)
    town.let(1, 1, at=364.0)  # the year's one subsidised dwelling is taken
    town.let(1, 1, at=365.0)
    rows = [(v["time_days"], v["citizen_id"], v["scheme"]) for v in town.vacancies()]
    assert rows == [(10.0, a.id, "exit_dwelling"), (364.0, None, "none"),
                    (365.0, b.id, "exit_dwelling")]
    accepted = [row for row in town.events(None, "citizen_id", "scheme", "subsidy_dkk")
                if row[1] == "offer_accepted"]
    assert accepted == [(10.0, "offer_accepted", a.id, "exit_dwelling", 2000.0),
                        (365.0, "offer_accepted", b.id, "exit_dwelling", 1500.0)]
    assert town.queued() == [too_poor.id]


def test_the_state_subsidy_takes_over_when_exit_dwellings_run_out(small_city):
    town = small_city(subsidy={"exit_dwelling": {"dwellings_per_year": 1},
                               "state_subsidy": {"dwellings_per_year": 1}})
    ids = [town.arrive(affordable_rent=2000.0).id for _ in range(3)]  # each short of 1000
    for n in range(3):
        town.let(1, 1, at=float(n))
    rows = [(v["citizen_id"], v["scheme"]) for v in town.vacancies()]
    assert rows == [(ids[0], "exit_dwelling"), (ids[1], "state_subsidy"), (None, "none")]


# --- the support gate ------------------------------------------------------------------------


def test_nobody_who_fits_overtakes_the_first_who_fits_under_the_support_gate(small_city):
    """2 caseload units free: the first in line (high tier, 2.5 units) cannot start bostøtte,
    so the dwelling is let ordinarily although the low-tier citizen behind could."""
    town = small_city(support={"support_workers": 2})
    heavy = town.arrive(tier="high")
    light = town.arrive(tier="low")
    town.let(1, 1)
    assert allocated(town) == [ORDINARY]
    assert offered(town) == []
    assert town.queued() == [heavy.id, light.id]


def test_without_the_gate_the_first_who_fits_takes_it_and_waits_for_support(small_city):
    town = small_city(support={"support_workers": 2}, allocation={"support_rule": "waiting_list"})
    heavy = town.arrive(tier="high")
    light = town.arrive(tier="low")
    town.let(1, 1)
    assert takers(town) == [heavy.id]
    assert town.queued() == [light.id]
    support = town.pool("support_workers")
    assert (support.busy, support.queue_length) == (0.0, 1)  # 2.5 units wait for capacity


def test_a_private_provider_passes_the_support_gate(small_city):
    town = small_city(support={"support_workers": 0})
    private = town.arrive(tier="high", provider="private")
    town.let(1, 1)
    assert takers(town) == [private.id]
    assert town.pool("support_workers").queue_length == 0


def test_the_gate_looks_only_at_citizens_the_dwelling_fits(small_city):
    """The high-tier citizen needs two rooms: a one-room dwelling does not fit them, so they do
    not block the low-tier citizen behind."""
    town = small_city(support={"support_workers": 2})
    town.arrive(tier="high", rooms_needed=2)
    light = town.arrive(tier="low")
    town.let(1, 1)
    assert takers(town) == [light.id]


def test_the_gate_counts_units_taken_by_earlier_accepted_offers(small_city):
    """2 units, low tier = 1 unit: two citizens take a dwelling, the third must wait."""
    town = small_city(support={"support_workers": 2})
    ids = [town.arrive().id for _ in range(3)]
    for n in range(3):
        town.let(1, 1, at=float(n))
    assert takers(town) == [ids[0], ids[1], None]
    assert town.queued() == [ids[2]]


# --- refusals and the cap on offers ----------------------------------------------------------


def test_a_refusal_takes_the_citizen_off_the_list_until_removal_days_pass(small_city):
    town = small_city(allocation={"offer_refusal_share": 1.0, "refusal_removal_share": 1.0,
                                  "removal_days": 30.0, "offers_per_vacancy_max": 2})
    first, second, third = town.arrive(), town.arrive(), town.arrive()
    town.let(1, 1)  # offered to the first two: both refuse and are taken off the list
    assert offered(town) == [first.id, second.id]
    assert allocated(town) == [ORDINARY]
    assert town.queued() == [third.id]
    assert town.events(first, "reason") == [
        (0.0, "arrive", "initial"), (0.0, "offer", None), (0.0, "offer_refused", None),
        (0.0, "removed_from_list", "refused_offer")]
    town.run(10.0)
    fourth = town.arrive()
    town.run(29.5)
    assert town.queued() == [third.id, fourth.id]  # still off the list
    town.run(30.5)
    assert town.queued() == [third.id, fourth.id, first.id, second.id]  # back, at the end
    assert town.events(first)[-1] == (30.0, "returned_to_list")
    town.let(1, 1)
    assert offered(town)[2:] == [third.id, fourth.id]


def test_a_refusal_without_removal_keeps_the_place_in_the_queue(small_city):
    town = small_city(allocation={"offer_refusal_share": 1.0, "refusal_removal_share": 0.0})
    ids = [town.arrive().id for _ in range(2)]
    town.let(1, 1)
    town.let(1, 1, at=1.0)
    assert offered(town) == ids + ids
    assert town.queued() == ids
    assert "removed_from_list" not in {event for _, event in town.events()}


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_offers_per_vacancy_are_capped(small_city, cap):
    town = small_city(allocation={"offer_refusal_share": 1.0, "offers_per_vacancy_max": cap})
    ids = [town.arrive().id for _ in range(4)]
    town.let(1, 1)
    assert offered(town) == ids[:cap]
    assert [(v["allocated_to"], v["citizen_id"]) for v in town.vacancies()] == [(ORDINARY, None)]


def test_offers_count_only_citizens_the_dwelling_fits(small_city):
    """A cap of one offer: the misfit first in line is not offered it and uses up nothing."""
    town = small_city(allocation={"offers_per_vacancy_max": 1})
    town.arrive(rooms_needed=2)
    fits = town.arrive()
    town.let(1, 1)
    assert offered(town) == [fits.id]
    assert takers(town) == [fits.id]


# --- the vacancies table ---------------------------------------------------------------------


def test_every_vacancy_is_written_social_or_ordinary(small_city):
    town = small_city(allocation={"quota_share": 0.5})
    a = town.arrive()
    town.let(1, 1, at=0.0)  # n = 1: floor(0.5) = 0, the quota allows none yet
    town.let(1, 1, at=5.0)  # n = 2: social, to a
    town.let(2, 3, at=7.0)  # shielded
    town.let(1, 2, at=9.0)  # n = 3: floor(1.5) = 1 given already; and nobody waits
    rows = town.vacancies()
    assert list(rows[0]) == ["time_days", "department", "quota_share", "allocated_to",
                             "citizen_id", "rooms", "rent_dkk", "scheme", "reason"]
    assert [tuple(v.values()) for v in rows] == [
        (0.0, 1, 0.5, ORDINARY, None, 1, RENT[1][0], "none", "quota"),  # a fits and waits
        (5.0, 1, 0.5, SOCIAL, a.id, 1, RENT[1][0], "none", None),
        (7.0, 2, 0.0, ORDINARY, None, 3, RENT[2][2], "none", "nobody_fits"),
        (9.0, 1, 0.5, ORDINARY, None, 2, RENT[1][1], "none", "nobody_fits"),
    ]
    assert town.events(a, "stage", "department", "rent_dkk")[1:3] == [
        (5.0, "offer", "awaiting_housing", 1, 3000.0),
        (5.0, "offer_accepted", "moving_in", 1, 3000.0)]
    assert town.queued() == []
