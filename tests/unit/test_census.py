"""Point-in-time censuses from a hand-made events table: who is in a shelter bed, who of them
is ready to move on and how long they have waited."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from sim.analysis import census
from sim.analysis.records import Events

# (citizen, day, event, stage after the event)
ROWS = [
    (1, 0.0, "shelter_enter", "awaiting_assessment"),
    (2, 0.0, "shelter_enter", "awaiting_assessment"),
    (3, 0.0, "shelter_enter", "awaiting_assessment"),
    (1, 10.0, "assessment_end", "awaiting_housing"),
    (2, 20.0, "assessment_end", "not_ready"),
    (3, 30.0, "assessment_end", "awaiting_botilbud"),
    (3, 40.0, "shelter_leave", "awaiting_botilbud"),
    (1, 300.0, "shelter_leave", "moving_in"),
]


def events() -> Events:
    cid, t, event, stage = zip(*ROWS, strict=True)
    return Events(pa.table({"citizen_id": pa.array(cid, pa.int64()), "time_days": t,
                            "event": event, "stage": stage}))


def test_residents_and_ready_waits():
    ev = events()
    assert sorted(census.shelter_residents(ev, 35.0).tolist()) == [1, 2, 3]
    residents, waited = census.ready_in_shelter(ev, 35.0)
    assert residents == 3
    assert sorted(waited.tolist()) == [5.0, 25.0]  # 1 since day 10, 3 since day 30
    residents, waited = census.ready_in_shelter(ev, 200.0)  # 3 has left the shelter
    assert residents == 2 and waited.tolist() == [190.0]


def test_shares_over_census_days():
    censuses = census.shelter_censuses(events(), [35.0, 200.0])
    assert np.isclose(census.ready_share(censuses), (2 / 3 + 1 / 2) / 2)
    assert np.isclose(census.waited_over_share(censuses, 20.0), (1 / 2 + 1) / 2)


def test_first_shelter_admissions_count_each_citizen_once_where_they_first_came():
    rows = [(1, 5.0), (2, 5.0), (1, 50.0), (3, 120.0), (2, 130.0), (4, 400.0)]
    cid, t = zip(*rows, strict=True)
    ev = Events(pa.table({"citizen_id": pa.array(cid, pa.int64()), "time_days": t,
                          "event": ["shelter_enter"] * len(rows),
                          "stage": ["awaiting_assessment"] * len(rows)}))
    assert census.first_shelter_admissions(ev, 0.0, 100.0) == 2  # 1 and 2; 1 again is not new
    assert census.first_shelter_admissions(ev, 100.0, 365.0) == 1  # 3; 2 came back
    assert census.first_shelter_admissions(ev, 365.0, 730.0) == 1


def test_count_day_is_wednesday_of_week_6():
    assert census.count_day(2023) == dt.date(2023, 2, 8)
    assert census.count_day(2023).isocalendar()[1] == 6
