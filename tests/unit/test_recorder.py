"""The recorder: `arrive`, `move` and `leave` keep the census (citizens per stage) that every
snapshot copies, so the n_<stage> columns sum to in_system = arrivals − exits at every snapshot;
`emit` writes one event row; and the three tables have the result files' columns and types, empty or
not, with capacity, busy and queue columns for every pool."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from sim import config
from sim.config import Scenario
from sim.engine.clock import Clock
from sim.engine.pools import Pool
from sim.engine.recorder import Recorder
from sim.model.citizen import Citizen
from sim.model.city import run_replication

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "golden.toml"
STAGES = ("awaiting_assessment", "in_assessment", "not_ready", "awaiting_housing", "moving_in",
          "housed", "awaiting_botilbud", "in_botilbud", "awaiting_skaev_bolig", "in_skaev_bolig")
HOMELESS = ("awaiting_assessment", "in_assessment", "not_ready", "awaiting_housing", "moving_in",
            "awaiting_botilbud", "awaiting_skaev_bolig")
# docs/outputs.md: the columns users' scripts read, and their types
EVENT_COLUMNS = {"citizen_id": pa.int64(), "time_days": pa.float64(), "event": pa.string(),
                 "stage": pa.string(), "route": pa.string(), "department": pa.int32(),
                 "need_tier": pa.string(), "reason": pa.string(),
                 "homeless_type": pa.string()}
VACANCY_COLUMNS = {"time_days": pa.float64(), "department": pa.int32(),
                   "quota_share": pa.float64(), "allocated_to": pa.string(),
                   "citizen_id": pa.int64()}


def person(cid: int, tier: str | None = "low", kind: str = "all") -> Citizen:
    return Citizen(id=cid, u={}, tier=tier, income_group="kontanthjaelp", homeless_type=kind)


@pytest.fixture
def recorded():
    """A recorder with two pools and one staff group, three citizens and three snapshots:

    day 0: 1 arrives awaiting assessment, 2 (of the chronic type) housed, 3 in botilbud;
    day 5: 1 starts an assessment; 3 leaves;
    day 7: 1 is put forward; 2 loses the home.
    """
    env = Clock()
    beds, places = Pool(env, "beds", 3.0), Pool(env, "places", 1.0)
    staff = {"caseworkers": 2.0}
    rec = Recorder(env, [beds, places], staff)
    one, two, three = person(1), person(2, "high", "chronic"), person(3, None)
    rec.arrive(one, "awaiting_assessment", "newly_homeless")
    rec.arrive(two, "housed", "initial")
    rec.arrive(three, "in_botilbud", "initial")
    beds.request()
    beds.request()
    rec.snapshot()
    env.run(until=5.0)
    rec.move(one, "in_assessment")
    rec.emit(one, "assessment_start")
    rec.leave(three, "moved_on_from_botilbud")
    places.request()
    places.request()  # waits
    staff["caseworkers"] = 3.0
    rec.snapshot()
    env.run(until=7.0)
    rec.move(one, "awaiting_housing")
    rec.emit(one, "assessment_end", route="own_home")
    rec.move(two, "awaiting_assessment")
    rec.emit(two, "tenancy_lost")
    rec.vacancy(4, 1 / 3, "social", 1, 2, 4500.0, "none")
    rec.vacancy(4, 1 / 3, "ordinary", None, 1, 3000.0, "none")
    rec.snapshot()
    return rec.tables()


def test_every_snapshot_counts_each_citizen_in_exactly_one_stage(recorded):
    snaps = recorded["snapshots"].to_pylist()
    assert [(s["time_days"], s["arrivals_cum"], s["exits_cum"], s["in_system"]) for s in snaps] \
        == [(0.0, 3, 0, 3), (5.0, 3, 1, 2), (7.0, 3, 1, 2)]
    for s in snaps:
        assert sum(s[f"n_{stage}"] for stage in STAGES) == s["in_system"]
        assert s["homeless"] == sum(s[f"n_{stage}"] for stage in HOMELESS)
    counts = [{stage: s[f"n_{stage}"] for stage in STAGES if s[f"n_{stage}"]} for s in snaps]
    assert counts == [
        {"awaiting_assessment": 1, "housed": 1, "in_botilbud": 1},
        {"in_assessment": 1, "housed": 1},
        {"awaiting_housing": 1, "awaiting_assessment": 1},
    ]
    assert [s["homeless"] for s in snaps] == [1, 1, 2]


def test_events_record_the_stage_after_the_move_and_the_stage_left_on_exit(recorded):
    rows = [(r["citizen_id"], r["time_days"], r["event"], r["stage"], r["route"], r["reason"],
             r["need_tier"], r["income_group"]) for r in recorded["events"].to_pylist()]
    assert rows == [
        (1, 0.0, "arrive", "awaiting_assessment", None, "newly_homeless", "low", "kontanthjaelp"),
        (2, 0.0, "arrive", "housed", None, "initial", "high", "kontanthjaelp"),
        (3, 0.0, "arrive", "in_botilbud", None, "initial", None, "kontanthjaelp"),
        (1, 5.0, "assessment_start", "in_assessment", None, None, "low", "kontanthjaelp"),
        (3, 5.0, "exit", "in_botilbud", None, "moved_on_from_botilbud", None, "kontanthjaelp"),
        (1, 7.0, "assessment_end", "awaiting_housing", "own_home", None, "low", "kontanthjaelp"),
        (2, 7.0, "tenancy_lost", "awaiting_assessment", None, None, "high", "kontanthjaelp"),
    ]
    kinds = [(r["citizen_id"], r["homeless_type"]) for r in recorded["events"].to_pylist()]
    assert kinds == [(1, "all"), (2, "chronic"), (3, "all"), (1, "all"), (3, "all"), (1, "all"),
                     (2, "chronic")]  # every row carries the citizen's type of homelessness


def test_snapshots_carry_each_pools_capacity_busy_and_queue_and_the_headcounts(recorded):
    snaps = recorded["snapshots"]
    pools = [name for name in snaps.column_names if name.startswith(("beds_", "places_"))]
    assert pools == ["beds_capacity", "beds_busy", "beds_queue",
                     "places_capacity", "places_busy", "places_queue"]
    assert snaps.select(pools).to_pylist()[1] == {
        "beds_capacity": 3.0, "beds_busy": 2.0, "beds_queue": 0,
        "places_capacity": 1.0, "places_busy": 1.0, "places_queue": 1}
    assert snaps.column("caseworkers_staff").to_pylist() == [2.0, 3.0, 3.0]


def test_snapshot_columns_in_order():
    env = Clock()
    rec = Recorder(env, [Pool(env, "beds", 1.0)], {"caseworkers": 1.0})
    rec.snapshot()
    assert rec.tables()["snapshots"].column_names == [
        "time_days", "arrivals_cum", "exits_cum", "in_system",
        *(f"n_{stage}" for stage in STAGES), "homeless",
        "beds_capacity", "beds_busy", "beds_queue", "caseworkers_staff"]


def test_vacancies_table_rows(recorded):
    assert recorded["vacancies"].to_pylist() == [
        {"time_days": 7.0, "department": 4, "quota_share": 1 / 3, "allocated_to": "social",
         "citizen_id": 1, "rooms": 2, "rent_dkk": 4500.0, "scheme": "none",
         "reason": None},
        {"time_days": 7.0, "department": 4, "quota_share": 1 / 3, "allocated_to": "ordinary",
         "citizen_id": None, "rooms": 1, "rent_dkk": 3000.0, "scheme": "none",
         "reason": None},
    ]


@pytest.mark.parametrize("empty", [False, True])
def test_tables_have_the_contracts_columns_and_types(recorded, empty):
    """Users' scripts read these columns by name and type, also from a run that recorded
    nothing (then the tables are empty, not missing columns)."""
    tables = Recorder(Clock(), [], {}).tables() if empty else recorded
    for name, columns in (("events", EVENT_COLUMNS), ("vacancies", VACANCY_COLUMNS)):
        schema = tables[name].schema
        assert {col: schema.field(col).type for col in columns} == columns, name
    assert set(tables) == {"events", "snapshots", "vacancies"}


# --- the census in a whole run ---------------------------------------------------------------


@pytest.fixture(scope="module")
def golden_run():
    """The golden scenario (every mechanism at work) with a snapshot every 5 days."""
    cfg = config.load(GOLDEN)
    data = cfg.model_dump(by_alias=True)
    data["run"]["snapshot_interval_days"] = 5.0
    return run_replication(Scenario.model_validate(data), 3, 0)


def test_the_census_adds_up_at_every_snapshot_of_a_run(golden_run):
    snaps = golden_run["snapshots"].to_pylist()
    assert len(snaps) > 100
    for s in snaps:
        assert s["in_system"] == s["arrivals_cum"] - s["exits_cum"]
        assert sum(s[f"n_{stage}"] for stage in STAGES) == s["in_system"], s["time_days"]
        assert s["homeless"] == sum(s[f"n_{stage}"] for stage in HOMELESS)
        assert min(s[f"n_{stage}"] for stage in STAGES) >= 0
    assert snaps[-1]["exits_cum"] > 0 and snaps[-1]["n_housed"] > 0  # moves were counted


def test_the_census_agrees_with_the_events(golden_run):
    """Replaying the events (each carries the stage after it; an exit leaves the system) gives
    every snapshot's counts: the census and the event log tell the same story. A snapshot taken
    on the day of other events may come before or after them (a staffing step on 2024-01-01
    lets a citizen in after that day's snapshot): it must match the replay up to either."""
    rows = golden_run["events"].select(["citizen_id", "time_days", "event", "stage"]).to_pylist()
    where: dict[int, str] = {}
    i = 0

    def replay(through: float, inclusive: bool) -> dict[str, int]:
        nonlocal i
        while i < len(rows) and (rows[i]["time_days"] < through
                                 or (inclusive and rows[i]["time_days"] == through)):
            row = rows[i]
            if row["event"] == "exit":
                where.pop(row["citizen_id"])
            else:
                where[row["citizen_id"]] = row["stage"]
            i += 1
        counts = Counter(where.values())
        return {stage: counts[stage] for stage in STAGES}

    ties = 0
    snaps = golden_run["snapshots"].to_pylist()
    for s in snaps:
        census = {stage: s[f"n_{stage}"] for stage in STAGES}
        before = replay(s["time_days"], inclusive=False)
        after = replay(s["time_days"], inclusive=True)
        assert census in (before, after), s["time_days"]
        ties += before != after
    assert ties < len(snaps) / 10  # almost every snapshot falls between events
