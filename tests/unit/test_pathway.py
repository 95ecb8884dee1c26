"""A citizen's path through the stages in the small deterministic city (every duration is its
mean): referral 10 days, assessment 30, support need assessment 10, moving in 20, low-tier
support 120, retention visit 60 days after moving in; botilbud stays 200 days, skæv bolig 300.

Read from the events table in order: arrival → assessment → nominated → offer accepted → moving
in → housed; the residential routes end with an exit; and a citizen who leaves by themselves is
interrupted wherever they are and withdrawn from every queue."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.config import DAYS_PER_MONTH
from sim.model.population import leave_by_themselves

EXIT_REASONS = {"moved_away", "died", "housed_alone"}
# One newly homeless citizen: a rate of 1 a month in January only arrives once, at 1/rate.
ONE_ARRIVAL = {"inflow_per_month": [{"from": dt.date(2023, 1, 1), "value": 1.0},
                                    {"from": dt.date(2023, 2, 1), "value": 0.0}]}
ARRIVED = DAYS_PER_MONTH  # 30.4375
# Department 1 lets a one-room dwelling every 10 days (365 dwellings, 10 % a year).
EVERY_TEN_DAYS = {"departments": {1: {"dwellings": 365, "turnover_per_year_share": 0.1,
                                      "rooms_1_share": 1.0, "rooms_2_share": 0.0,
                                      "rooms_3_share": 0.0}}}


def newly_homeless(town) -> int:
    [cid] = [cid for _, event, cid, reason in town.events(None, "citizen_id", "reason")
             if event == "arrive" and reason == "newly_homeless"]
    return cid


def only_route(route: str) -> dict:
    return {"route_share": {name: float(name == route)
                            for name in ("own_home", "botilbud", "skaev_bolig", "not_ready")}}


def test_a_newly_homeless_citizens_path_to_a_home(small_city):
    town = small_city(population=ONE_ARRIVAL, housing=EVERY_TEN_DAYS)
    town.run(400.0)
    cid = newly_homeless(town)
    t = ARRIVED
    assert town.events(cid, "stage") == [
        (t, "arrive", "awaiting_assessment"),
        (t + 10, "referred", "awaiting_assessment"),
        (t + 10, "assessment_start", "in_assessment"),
        (t + 40, "assessment_end", "awaiting_housing"),
        (t + 40, "nominated", "awaiting_housing"),
        (t + 50, "support_need_assessed", "awaiting_housing"),  # put forward on day 80.4375
        (90.0, "offer", "awaiting_housing"),  # the next vacancy
        (90.0, "offer_accepted", "moving_in"),
        (90.0, "move_in_start", "moving_in"),
        (110.0, "housed", "housed"),
        (110.0, "support_start", "housed"),
        (170.0, "retention_visit", "housed"),
        (230.0, "support_end", "housed"),
    ]
    assert [(v["time_days"], v["citizen_id"]) for v in town.vacancies()
            if v["allocated_to"] == "social"] == [(90.0, cid)]
    assert len(town.vacancies()) == 39  # days 10, 20, …, 390: the rest let ordinarily


def test_not_ready_is_assessed_again_after_the_reassessment_time(small_city):
    town = small_city(population=ONE_ARRIVAL, assessment=only_route("not_ready"))
    town.run(400.0)
    t = ARRIVED
    assert town.events(newly_homeless(town), "stage")[3:7] == [
        (t + 40, "assessment_end", "not_ready"),
        (t + 130, "referred", "awaiting_assessment"),  # reassessment_days_mean 90
        (t + 130, "assessment_start", "in_assessment"),
        (t + 160, "assessment_end", "not_ready")]


@pytest.mark.parametrize(("route", "stay"), [("botilbud", 200.0), ("skaev_bolig", 300.0)])
def test_a_residential_route_ends_with_an_exit(small_city, route, stay):
    town = small_city(population=ONE_ARRIVAL, assessment=only_route(route))
    town.run(500.0)
    t = ARRIVED
    assert town.events(newly_homeless(town), "stage", "route", "reason") == [
        (t, "arrive", "awaiting_assessment", None, "newly_homeless"),
        (t + 10, "referred", "awaiting_assessment", None, None),
        (t + 10, "assessment_start", "in_assessment", None, None),
        (t + 40, "assessment_end", f"awaiting_{route}", route, None),
        (t + 40, f"{route}_enter", f"in_{route}", None, None),
        (t + 40 + stay, f"{route}_leave", f"in_{route}", None, None),
        (t + 40 + stay, "exit", f"in_{route}", None, f"moved_on_from_{route}"),
    ]
    places = town.pool(f"{route}_places")
    assert (places.busy, places.queue_length) == (0.0, 0)
    assert sum(town.rec.census.values()) == 0


def test_residential_places_are_granted_first_come_first_served(small_city):
    town = small_city()  # one botilbud place, stays of 200 days
    first = town.arrive("awaiting_botilbud")
    second = town.arrive("awaiting_botilbud")
    third = town.arrive("awaiting_botilbud")
    town.run(700.0)
    enter = {c.id: [t for t, event in town.events(c) if event == "botilbud_enter"]
             for c in (first, second, third)}
    assert enter == {first.id: [0.0], second.id: [200.0], third.id: [400.0]}


# --- leaving by themselves -------------------------------------------------------------------


def after(town, c, day: float) -> list[tuple]:
    return [row for row in town.events(c) if row[0] > day]


def test_leaving_while_put_forward_withdraws_from_the_allocation_queue(small_city):
    town = small_city()
    gone, stays = town.arrive(), town.arrive()
    town.run(5.0)
    leave_by_themselves(town.city, gone)
    assert town.queued() == [stays.id]
    (day, event, stage, reason) = town.events(gone, "stage", "reason")[-1]
    assert (day, event, stage) == (5.0, "exit", "awaiting_housing")
    assert reason in EXIT_REASONS
    town.let(1, 1)
    assert [v["citizen_id"] for v in town.vacancies()] == [stays.id]
    town.run(300.0)
    assert after(town, gone, 5.0) == []
    assert sum(town.rec.census.values()) == 1


def test_leaving_while_waiting_for_a_caseworker_cancels_the_request(small_city):
    """One caseworker with a caseload of one: the second citizen waits in the queue and leaves
    on day 5. When the first's assessment ends on day 30 the caseworker is free: nobody holds a
    request for a citizen who left."""
    town = small_city()
    first = town.arrive("awaiting_assessment")
    gone = town.arrive("awaiting_assessment")
    caseworkers = town.pool("caseworkers")
    assert (caseworkers.busy, caseworkers.queue_length) == (1.0, 1)
    town.run(5.0)
    leave_by_themselves(town.city, gone)
    assert caseworkers.queue_length == 0
    town.run(31.0)
    assert (caseworkers.busy, caseworkers.queue_length) == (0.0, 0)
    assert [event for _, event in town.events(gone)] == ["arrive", "referred", "exit"]
    assert (30.0, "assessment_end") in town.events(first)


def test_leaving_during_the_assessment_interrupts_it_and_frees_the_caseworker(small_city):
    town = small_city()
    gone = town.arrive("awaiting_assessment")
    town.run(5.0)
    leave_by_themselves(town.city, gone)
    assert town.pool("caseworkers").busy == 0.0
    town.run(10.0)
    later = town.arrive("awaiting_assessment")
    town.run(100.0)
    assert after(town, gone, 5.0) == []  # no assessment_end on day 30: the path was stopped
    assert town.events(later)[2] == (10.0, "assessment_start")
    assert town.pool("caseworkers").busy == 0.0


def test_leaving_while_waiting_for_a_place_leaves_its_queue(small_city):
    town = small_city()
    town.arrive("awaiting_botilbud")  # takes the one place until day 200
    gone = town.arrive("awaiting_botilbud")
    places = town.pool("botilbud_places")
    town.run(5.0)
    leave_by_themselves(town.city, gone)
    assert places.queue_length == 0
    town.run(250.0)
    assert (places.busy, places.queue_length) == (0.0, 0)
    assert after(town, gone, 5.0) == []


def test_the_self_exit_hazard_is_spent_across_homeless_spells(small_city):
    """Exit hazard 0.1 a day, budget 2. Put forward on day 0 and given a dwelling on day 5: 0.5
    spent. Housed on day 25 with support at 0.01 a day and tenancy budget 0.5: lost on day 75.
    Homeless again, the remaining 1.5 is spent 15 days later: the citizen leaves on day 90,
    during the assessment (referred on day 85)."""
    town = small_city(population={"self_exit_per_year": 36.5},
                      tenancy={"loss_per_year_supported": {"low": 3.65, "medium": 0.0,
                                                           "high": 0.0}})
    c = town.arrive(exit_budget=2.0, tenancy_budget=0.5)
    town.let(1, 1, at=5.0)
    town.run(200.0)
    rows = town.events(c, "stage")
    assert rows[-4:] == [
        (pytest.approx(75.0), "tenancy_lost", "awaiting_assessment"),
        (pytest.approx(85.0), "referred", "awaiting_assessment"),
        (pytest.approx(85.0), "assessment_start", "in_assessment"),
        (pytest.approx(90.0), "exit", "in_assessment")]
    assert town.pool("caseworkers").busy == 0.0


def test_the_self_exit_hazard_ends_a_wait_in_the_queue(small_city):
    town = small_city(population={"self_exit_per_year": 36.5})  # 0.1 a day
    c = town.arrive(exit_budget=2.0)
    town.run(100.0)
    assert town.events(c)[-1] == (pytest.approx(20.0), "exit")
    assert town.queued() == []
