"""A deterministic run: every duration equals its mean and no capacity binds, so each stage of a
newly homeless citizen's path takes exactly its configured time, and the only wait is for a
vacancy (read from the vacancies table)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from sim import config

YEARS = 1.0
REFERRAL, ASSESSMENT, NEED, MOVE_IN = 10.0, 20.0, 7.0, 15.0
PATH = ("arrive", "referred", "assessment_start", "assessment_end", "nominated",
        "support_need_assessed", "offer", "offer_accepted", "move_in_start", "housed",
        "support_start")
AMPLE = "[{ from = 2023-01-01, value = 100000 }]"
# one department of 1-room dwellings at a rent everybody can pay: 520 vacancies a year
ONE_DEPARTMENT = (
    "department,name,area,dwellings,turnover_per_year_share,rooms_1_share,rooms_2_share,"
    "rooms_3_share,rent_1_room_dkk_per_month,rent_2_room_dkk_per_month,rent_3_room_dkk_per_month\n"
    "1,Test,Test,26000,0.02,1.0,0.0,0.0,1000,2000,3000\n"
)
DETERMINISTIC = f"""
[run]
duration_distribution = "fixed"

[population]
initial_homeless = 3
initial_housed_in_support = 0
inflow_per_month = [{{ from = 2023-01-01, value = 30 }}]
self_exit_per_year = 0.0

[shelter]
beds = {AMPLE}

[assessment]
caseworkers = {AMPLE}
referral_days_mean = {REFERRAL}
assessment_days_mean = {ASSESSMENT}

[assessment.route_share]
own_home = 1.0
botilbud = 0.0
skaev_bolig = 0.0
not_ready = 0.0

[allocation]
offer_refusal_share = 0.0
shielded_departments = []
other_households_per_year = [{{ from = 2023-01-01, value = 0 }}]

[housing]
departments_csv = "one_department.csv"  # fewer vacancies than citizens put forward: a queue forms

[housing.rooms_needed_share]
one = 1.0
two = 0.0

[support]
private_provider_share = 0.0
support_workers = {AMPLE}
need_assessment_days = {NEED}
decline_share = 0.0

[move_in]
housing_advisors = {AMPLE}
move_in_days_mean = {MOVE_IN}

[tenancy]
death_per_year = 0.0
move_away_per_year = 0.0

[tenancy.loss_per_year_supported]
low = 0.0
medium = 0.0
high = 0.0

[tenancy.loss_per_year_unsupported]
low = 0.0
medium = 0.0
high = 0.0

[tenancy.loss_per_year_after_support]
low = 0.0
medium = 0.0
high = 0.0

[botilbud]
initial_occupancy_share = 0.0

[skaev_bolig]
initial_occupancy_share = 0.0
"""


@dataclass
class Run:
    cfg: config.Scenario
    tables: dict
    events: dict[int, dict[str, list[float]]]  # citizen -> event -> times
    vacancy_of: dict[int, float]  # citizen -> time of the vacancy allocated to them
    newly: list[int]  # citizens who arrived newly homeless

    def housed_newly(self) -> list[int]:
        return [cid for cid in self.newly if self.events[cid]["housed"]]


@pytest.fixture(scope="module")
def run(tmp_path_factory, replication) -> Run:
    folder = tmp_path_factory.mktemp("deterministic")
    (folder / "one_department.csv").write_text(ONE_DEPARTMENT, encoding="utf-8")
    path = folder / "deterministic.toml"
    baseline = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
    path.write_text(f'extends = "{baseline.as_posix()}"\nname = "deterministic"\n'
                    + DETERMINISTIC, encoding="utf-8")
    data = config.load(path).model_dump(by_alias=True)
    data["population"]["types"] = None  # one type: the values above for everyone
    cfg = config.Scenario.model_validate(data)
    tables = replication(cfg, YEARS, seed=3)
    events: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    reasons: dict[int, str] = {}
    for row in tables["events"].to_pylist():
        events[row["citizen_id"]][row["event"]].append(row["time_days"])
        if row["event"] == "arrive":
            reasons[row["citizen_id"]] = row["reason"]
    vacancy_of = {}
    for row in tables["vacancies"].to_pylist():
        if row["citizen_id"] is not None:
            assert row["citizen_id"] not in vacancy_of  # one dwelling each in this run
            vacancy_of[row["citizen_id"]] = row["time_days"]
    newly = [cid for cid, reason in reasons.items() if reason == "newly_homeless"]
    return Run(cfg, tables, events, vacancy_of, newly)


def test_scenario_is_as_intended(run):
    assert run.cfg.run.duration_distribution == "fixed"
    names = set(run.tables["events"].column("event").to_pylist())
    assert not names & {"exit", "offer_refused", "tenancy_lost", "support_declined"}, names
    assert len(run.newly) >= 300  # about 30 a month for at least a year
    assert len(run.housed_newly()) >= 50


def test_arrivals_are_evenly_spaced(run):
    times = sorted(run.events[cid]["arrive"][0] for cid in run.newly)
    gap = 365.25 / 12 / 30
    for before, after in pairwise(times):
        assert after - before == pytest.approx(gap, abs=1e-9)


def test_each_stage_takes_its_configured_time(run):
    checked = 0
    for cid in run.housed_newly():
        ev = {name: times[0] for name, times in run.events[cid].items()}
        assert all(len(run.events[cid][name]) == 1 for name in PATH), cid
        arrive = ev["arrive"]
        assert ev["referred"] == pytest.approx(arrive + REFERRAL, abs=1e-9)
        assert ev["assessment_start"] == pytest.approx(ev["referred"], abs=1e-9)
        assert ev["assessment_end"] == pytest.approx(ev["assessment_start"] + ASSESSMENT, abs=1e-9)
        assert ev["nominated"] == pytest.approx(ev["assessment_end"], abs=1e-9)
        assert ev["support_need_assessed"] == pytest.approx(ev["nominated"] + NEED, abs=1e-9)
        assert ev["offer_accepted"] == pytest.approx(run.vacancy_of[cid], abs=1e-9)
        assert ev["offer_accepted"] >= ev["support_need_assessed"] - 1e-9
        assert ev["move_in_start"] == pytest.approx(ev["offer_accepted"], abs=1e-9)
        assert ev["housed"] == pytest.approx(ev["move_in_start"] + MOVE_IN, abs=1e-9)
        assert ev["support_start"] == pytest.approx(ev["housed"], abs=1e-9)
        checked += 1
    assert checked >= 50


def test_homeless_to_home_is_the_sum_of_the_stages(run):
    waits = []
    for cid in run.housed_newly():
        arrive, housed = run.events[cid]["arrive"][0], run.events[cid]["housed"][0]
        queued = arrive + REFERRAL + ASSESSMENT + NEED
        wait = run.vacancy_of[cid] - queued
        assert wait >= -1e-9
        assert housed - arrive == pytest.approx(REFERRAL + ASSESSMENT + NEED + wait + MOVE_IN,
                                                abs=1e-9)
        waits.append(wait)
    assert max(waits) > 30.0  # the wait for a vacancy is part of what is checked


def test_vacancies_go_to_the_queue_in_order(run):
    events, housed = run.events, run.housed_newly()
    queued = sorted(housed, key=lambda cid: events[cid]["support_need_assessed"][0])
    offered = [run.vacancy_of[cid] for cid in queued]
    assert offered == sorted(offered)
    # nobody who joined the queue before the last housed citizen is still waiting
    last_joined = max(events[cid]["support_need_assessed"][0] for cid in housed)
    waiting = [cid for cid in run.newly if events[cid]["support_need_assessed"]
               and events[cid]["support_need_assessed"][0] < last_joined
               and not events[cid]["offer_accepted"]]
    assert waiting == []
