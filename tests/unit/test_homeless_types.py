"""Types of homelessness (`population.types`): without them every citizen is of one type, `all`,
with the scenario's own values, and nothing is drawn for it, so results are those of the model
without types; with several, the type is drawn at arrival from a stream of its own (by the
inflow shares, or the initial shares for the citizens there at the start) and sets the citizen's
self-exit hazard, shelter use, routes and need tier; every event carries it, and the metrics get
`__homeless_type_<type>` variants.

The small city (tests/unit/conftest.py) has fixed durations: referral 10 days, assessment 30,
support need assessment 10; one caseworker with one assessment at a time; no vacancies."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim import config
from sim.analysis.metrics import rep_metrics
from sim.config import Scenario, ScenarioError
from sim.config.schema import ALL_TYPES
from sim.model.citizen import TYPE_STREAM
from sim.model.city import run_replication
from sim.model.population import new_citizen

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "golden.toml"
SMALL = ROOT / "tests" / "unit" / "data" / "small.toml"
ROUTES = ("own_home", "botilbud", "skaev_bolig", "not_ready")
TIERS = ("low", "medium", "high")
SELF_EXIT = {"moved_away", "died", "housed_alone"}
THREE = {"transitional": 0.8, "episodic": 0.1, "chronic": 0.1}


def only(names: tuple[str, ...], chosen: str) -> dict[str, float]:
    return {name: float(name == chosen) for name in names}


def types(**kinds: dict) -> dict:
    """`population` overrides with these types (each a dict of its values)."""
    return {"types": kinds}


def kinds_of(town) -> dict[int, str]:
    """Each citizen's type, from their arrival row."""
    return {row["citizen_id"]: row["homeless_type"]
            for row in town.rec.tables()["events"].to_pylist() if row["event"] == "arrive"}


def with_types(cfg: Scenario, kinds: dict | None) -> Scenario:
    data = cfg.model_dump(by_alias=True)
    data["population"]["types"] = kinds
    return Scenario.model_validate(data)


def golden_one_type() -> Scenario:
    """The golden scenario (every mechanism at work) without its types of homelessness."""
    return with_types(config.load(GOLDEN), None)


# --- one type: today's model -----------------------------------------------------------------


def test_without_types_every_citizen_is_of_one_type_with_the_scenarios_values_and_nothing_drawn(
        small_city):
    town = small_city(population={"self_exit_per_year": 0.5}, shelter={"user_share": 0.3})
    c = town.arrive("awaiting_assessment")
    assert c.homeless_type == ALL_TYPES
    assert c.kind.self_exit_per_day == 0.5 / 365.0
    assert c.kind.shelter_user_share == 0.3
    assert c.kind.shelter_stay_days_mean == town.cfg.shelter.stay_days_mean
    assert c.kind.route_share is town.cfg.assessment.route_share
    assert c.kind.tier_share is town.cfg.support.tier_share
    assert TYPE_STREAM not in town.city.draw  # the stream was never even created
    assert {row["homeless_type"] for row in town.rec.tables()["events"].to_pylist()} == {"all"}


def test_one_type_with_the_scenarios_values_gives_the_same_tables_as_none():
    cfg = golden_one_type()
    one = with_types(cfg, {"everyone": {"inflow_share": 1.0}})
    plain, typed = run_replication(cfg, 5, 0), run_replication(one, 5, 0)
    for name in ("snapshots", "vacancies"):
        assert plain[name].equals(typed[name]), name
    events = typed["events"]
    assert set(events.column("homeless_type").to_pylist()) == {"everyone"}
    assert plain["events"].drop_columns(["homeless_type"]).equals(
        events.drop_columns(["homeless_type"]))


def test_types_draw_from_their_own_stream_and_leave_every_other_draw_alone(small_city):
    plain = small_city()
    typed = small_city(population=types(**{k: {"inflow_share": v} for k, v in THREE.items()}))
    for _ in range(50):
        a, b = new_citizen(plain.city), new_citizen(typed.city)
        assert (a.u, a.exit_budget, a.rooms_needed, a.income_group) \
            == (b.u, b.exit_budget, b.rooms_needed, b.income_group)
    assert TYPE_STREAM in typed.city.draw and TYPE_STREAM not in plain.city.draw


# --- shares at arrival -----------------------------------------------------------------------


@pytest.mark.parametrize("at_start", [False, True])
def test_types_are_drawn_by_their_inflow_or_initial_shares(small_city, at_start):
    """Counts of each type among n draws are binomial(n, p): each must lie within 4.5 standard
    deviations of n·p (a fair draw fails that less than once in 100,000 seeds per type; the
    seed is fixed, so the test is deterministic). The two sets of shares differ enough (0.1
    against 0.3 of 6,000) that using the wrong one fails by over 20 deviations."""
    initial = {"transitional": 0.5, "episodic": 0.2, "chronic": 0.3}
    town = small_city(population=types(**{k: {"inflow_share": v, "initial_share": initial[k]}
                                         for k, v in THREE.items()}))
    n = 6000
    drawn = [new_citizen(town.city, at_start=at_start).homeless_type for _ in range(n)]
    shares = initial if at_start else THREE
    for kind, p in shares.items():
        assert abs(drawn.count(kind) - n * p) <= 4.5 * math.sqrt(n * p * (1 - p)), kind


def test_the_starting_population_takes_the_initial_shares_and_the_inflow_the_inflow_shares():
    cfg = with_types(config.load(GOLDEN), {
        "short": {"inflow_share": 1.0, "initial_share": 0.0},
        "long": {"inflow_share": 0.0, "initial_share": 1.0}})
    rows = run_replication(cfg, 5, 0)["events"].to_pylist()
    arrivals = [(row["reason"], row["homeless_type"]) for row in rows if row["event"] == "arrive"]
    assert {kind for reason, kind in arrivals if reason == "initial"} == {"long"}
    assert {kind for reason, kind in arrivals if reason == "newly_homeless"} == {"short"}


# --- what a type sets ------------------------------------------------------------------------


def test_a_types_self_exit_hazard_applies(small_city):
    """No vacancies: citizens waiting for a dwelling wait for good. A type with no hazard never
    leaves by itself; one with a huge hazard always does, within days."""
    town = small_city(population=types(stayer={"inflow_share": 0.5, "self_exit_per_year": 0.0},
                                       leaver={"inflow_share": 0.5,
                                               "self_exit_per_year": 1000.0}))
    for _ in range(40):
        town.arrive("awaiting_housing")
    town.run(200.0)
    kinds = kinds_of(town)
    left = {row["citizen_id"]: row["time_days"] for row in town.rec.tables()["events"].to_pylist()
            if row["event"] == "exit" and row["reason"] in SELF_EXIT}
    assert set(kinds.values()) == {"stayer", "leaver"}
    assert set(left) == {cid for cid, kind in kinds.items() if kind == "leaver"}
    assert max(left.values()) < 10.0


def test_a_types_shelter_use_and_stays_apply(small_city):
    """Fixed durations: a shelter user goes in after one spell outside and stays the type's
    stay; a type that uses no shelter never goes in."""
    town = small_city(
        shelter={"beds": 100},
        population=types(sheltered={"inflow_share": 0.5, "shelter_user_share": 1.0,
                                    "shelter_stay_days_mean": 7.0,
                                    "shelter_between_stays_days_mean": 3.0},
                         outside={"inflow_share": 0.5, "shelter_user_share": 0.0}))
    for _ in range(20):
        town.arrive("awaiting_housing")
    town.run(30.0)
    kinds = kinds_of(town)
    stays = [(row["citizen_id"], row["event"], row["time_days"])
             for row in town.rec.tables()["events"].to_pylist()
             if row["event"] in ("shelter_enter", "shelter_leave")]
    users = {cid for cid, _, _ in stays}
    assert users == {cid for cid, kind in kinds.items() if kind == "sheltered"}
    for cid in users:  # in on day 3, out on 10, in on 13, out on 20, in on 23
        assert [(e, t) for c, e, t in stays if c == cid] == [
            ("shelter_enter", 3.0), ("shelter_leave", 10.0), ("shelter_enter", 13.0),
            ("shelter_leave", 20.0), ("shelter_enter", 23.0)]


def test_a_types_route_and_tier_shares_apply(small_city):
    """The scenario routes everyone to own home with a low need; one type is routed to botilbud,
    another to own home with a high need."""
    town = small_city(
        assessment={"caseload_per_caseworker": 20.0},
        population=types(
            placed={"inflow_share": 0.5, "route_share": only(ROUTES, "botilbud")},
            housed={"inflow_share": 0.5, "tier_share": only(TIERS, "high")}))
    for _ in range(12):
        town.arrive("awaiting_assessment")
    town.run(100.0)
    kinds = kinds_of(town)
    rows = town.rec.tables()["events"].to_pylist()
    routes = {row["citizen_id"]: row["route"] for row in rows if row["event"] == "assessment_end"}
    tiers = {row["citizen_id"]: row["need_tier"] for row in rows
             if row["event"] == "support_need_assessed"}
    assert set(kinds.values()) == {"placed", "housed"}
    assert set(routes) == set(kinds)
    for cid, kind in kinds.items():
        assert routes[cid] == ("botilbud" if kind == "placed" else "own_home")
        assert tiers.get(cid) == (None if kind == "placed" else "high")
    direct = town.arrive("awaiting_housing")  # put forward at the start: tier by type too
    assert direct.tier == ("high" if direct.homeless_type == "housed" else "low")


# --- records and metrics ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def typed_run():
    cfg = with_types(config.load(GOLDEN), {
        "transitional": {"inflow_share": 0.6, "self_exit_per_year": 1.5},
        "episodic": {"inflow_share": 0.2, "shelter_stay_days_mean": 10.0},
        "chronic": {"inflow_share": 0.2, "self_exit_per_year": 0.1,
                    "tier_share": {"low": 0.0, "medium": 0.2, "high": 0.8}}})
    return cfg, run_replication(cfg, 8, 0)


def test_every_event_carries_the_citizens_type(typed_run):
    _, tables = typed_run
    events = tables["events"]
    cid = events.column("citizen_id").to_numpy()
    kind = np.array(events.column("homeless_type").to_pylist(), dtype=object)
    assert set(kind) == {"transitional", "episodic", "chronic"}
    for citizen in np.unique(cid):
        assert len(set(kind[cid == citizen])) == 1, citizen


def test_metrics_come_by_type_and_the_types_add_up(typed_run):
    cfg, tables = typed_run
    m = rep_metrics(tables, cfg)
    kinds = ("chronic", "episodic", "transitional")
    for kind in kinds:
        for metric in ("housed_total", "left_by_themselves", "returns_to_homelessness",
                       "wait_allocation_days_mean", "homeless_to_home_days_median",
                       "wait_assessment_days_km_median", "retention_12m"):
            assert f"{metric}__homeless_type_{kind}" in m, (metric, kind)
    for metric in ("housed_total", "left_by_themselves", "returns_to_homelessness"):
        assert sum(m[f"{metric}__homeless_type_{k}"] for k in kinds) == m[metric], metric
    assert m["left_by_themselves"] > 0 and m["housed_total"] > 0


def test_one_type_adds_no_type_variants():
    cfg = golden_one_type()
    m = rep_metrics(run_replication(cfg, 8, 0), cfg)
    assert not [name for name in m if "__homeless_type_" in name]
    assert "left_by_themselves__need_tier_high" in m


# --- the scenario file -----------------------------------------------------------------------


def test_the_baseline_has_three_types_whose_shares_sum_to_one():
    cfg = config.load(ROOT / "scenarios" / "baseline.toml")
    resolved = cfg.homeless_types
    assert list(resolved.kinds) == ["transitional", "episodic", "chronic"]
    assert math.isclose(sum(vars(resolved.inflow_shares).values()), 1.0)
    assert math.isclose(sum(vars(resolved.initial_shares).values()), 1.0)
    assert resolved.kinds["transitional"].shelter_user_share == cfg.shelter.user_share  # inherited


@pytest.mark.parametrize(("body", "key"), [
    ("[population.types.a]\ninflow_share = 0.5\n[population.types.b]\ninflow_share = 0.4\n",
     "population"),
    ("[population.types.a]\ninflow_share = 0.5\ninitial_share = 0.9\n"
     "[population.types.b]\ninflow_share = 0.5\n", "population"),
    ("[population.types.a]\ninflow_share = 1.0\nself_exit = 1.0\n", "population.types.a"),
    ("[population.types.a]\ninflow_share = 1.0\n[population.types.a.route_share]\n"
     "own_home = 0.5\n", "population.types.a.route_share"),
    ("[population.types]\n", "population"),  # no types: their shares sum to 0
])
def test_bad_types_are_refused(make_scenario, body, key):
    with pytest.raises(ScenarioError) as info:
        config.load(make_scenario(body, extends=SMALL))
    assert info.value.key.startswith(key), info.value
