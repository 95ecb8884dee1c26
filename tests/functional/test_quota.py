"""The running quota of boligsocial anvisning: after a department's n-th vacancy its social
allocations (to homeless citizens and other households alike) are at most floor(n ×
quota_share), at every prefix, and shielded departments get none. The shipped scenarios start
in 2023 under the law's every fourth vacancy; on the agreement's day (1 January 2024) its share
comes in and every department's count starts again."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pyarrow.compute as pc
import pytest

from sim import config

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
YEARS = 1.0
# Binds the quota: every vacancy fits and is affordable, nobody refuses, no support capacity
# needed (and plenty of it), and a queue of citizens put forward from the start that is longer
# than the vacancies the quota lets through (nobody leaves it by themselves).
BINDING = """
[allocation]
quota_share = 0.25
offer_refusal_share = 0.0
support_rule = "waiting_list"

[housing]
extra_rooms_accepted = 2

[housing.rooms_needed_share]
one = 1.0
two = 0.0

[housing.affordable_rent_dkk_per_month]
kontanthjaelp = 100000.0
foertidspension = 100000.0

[support]
support_workers = [{ from = 2023-01-01, value = 5000 }]

[move_in]
housing_advisors = [{ from = 2023-01-01, value = 5000 }]

[population]
self_exit_per_year = 0.0
initial_homeless = 3000

[population.initial_stage_share]
awaiting_assessment = 0.0
not_ready = 0.0
awaiting_housing = 1.0
awaiting_botilbud = 0.0
awaiting_skaev_bolig = 0.0
"""


AGREEMENT_DAY = 365.0  # 2024-01-01 in runs that start on 2023-01-01


def prefixes(vacancies) -> dict[int, list[tuple[int, int, float]]]:
    """Per department, in time order: (n vacancies so far, social lets so far, quota_share)."""
    order = pc.sort_indices(vacancies, [("time_days", "ascending")])  # stable: ties keep order
    rows = vacancies.take(order).to_pylist()
    seen: dict[int, int] = defaultdict(int)
    social: dict[int, int] = defaultdict(int)
    out: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for row in rows:
        dept = row["department"]
        seen[dept] += 1
        social[dept] += row["allocated_to"] in ("social", "social_other")
        out[dept].append((seen[dept], social[dept], row["quota_share"]))
    return out


def periods(vacancies) -> list:
    """The vacancies before the agreement's day, and from it on: each with its own count."""
    time = vacancies.column("time_days")
    return [vacancies.filter(pc.less(time, AGREEMENT_DAY)),
            vacancies.filter(pc.greater_equal(time, AGREEMENT_DAY))]


def bound(n: int, share: float) -> int:
    return math.floor(n * share + 1e-9)


def check_quota(vacancies) -> int:
    """Assert the running quota in each period; return how many prefixes sit exactly at a
    bound above 0."""
    return sum(check_period(period) for period in periods(vacancies))


def check_period(vacancies) -> int:
    at_bound = 0
    for dept, steps in prefixes(vacancies).items():
        shares = {share for _, _, share in steps}
        assert len(shares) == 1, (dept, shares)  # a department keeps its quota in a period
        for n, social, share in steps:
            assert social <= bound(n, share), (dept, n, social, share)
            if share == 0.0:
                assert social == 0, dept
            at_bound += social == bound(n, share) > 0
    return at_bound


@pytest.fixture(scope="module")
def binding_cfg(tmp_path_factory):
    path = tmp_path_factory.mktemp("quota") / "binding.toml"
    baseline = SCENARIOS / "baseline.toml"
    path.write_text(f'extends = "{baseline.as_posix()}"\nname = "binding"\n{BINDING}',
                    encoding="utf-8")
    return config.load(path)


@pytest.mark.parametrize("name", ["baseline_2023", "reform_2024"])
def test_quota_holds_in_shipped_scenarios(replication, name):
    vacancies = replication(name, YEARS)["vacancies"]
    check_quota(vacancies)
    before, after = periods(vacancies)
    assert set(before.column("quota_share").to_pylist()) == {0.0, 0.25}  # the law's
    assert set(after.column("quota_share").to_pylist()) == {0.0, 1 / 3}  # the agreement's
    for period in (before, after):  # the check covered real allocations of both kinds
        lets = period.column("allocated_to")
        assert pc.sum(pc.equal(lets, "social")).as_py() > 0
        assert pc.sum(pc.equal(lets, "social_other")).as_py() > 0


def test_shielded_departments_get_no_social_allocation(replication):
    cfg = config.load(SCENARIOS / "reform_2024.toml")
    vacancies = replication("reform_2024", YEARS)["vacancies"].to_pylist()
    shielded = {v["department"] for v in vacancies if v["quota_share"] == 0.0}
    assert shielded == set(cfg.allocation.shielded_departments)
    assert all(v["allocated_to"] == "ordinary" for v in vacancies if v["department"] in shielded)


def test_quota_binds_and_holds_at_a_quarter(replication, binding_cfg):
    vacancies = replication(binding_cfg, YEARS)["vacancies"]
    at_bound = check_quota(vacancies)
    assert at_bound > 100  # the quota is the constraint here, so the test can fail
    shares = set(vacancies.column("quota_share").to_pylist())
    assert shares == {0.0, 0.25}


def test_queue_takes_every_quarter_vacancy_when_nothing_else_binds(replication, binding_cfg):
    """With the queue never empty, each unshielded department's social count equals the bound
    after every vacancy: the quota is used in full, not just respected."""
    for period in periods(replication(binding_cfg, YEARS)["vacancies"]):
        for dept, steps in prefixes(period).items():
            for n, social, share in steps:
                assert social == bound(n, share), (dept, n, social)


def test_social_vacancies_name_the_citizen_who_accepted(replication):
    tables = replication("reform_2024", YEARS)
    accepted = {
        (row["citizen_id"], row["time_days"], row["department"])
        for row in tables["events"].filter(
            pc.equal(tables["events"].column("event"), "offer_accepted")).to_pylist()
    }
    social = set()
    for v in tables["vacancies"].to_pylist():
        if v["allocated_to"] == "social":
            assert v["citizen_id"] is not None
            social.add((v["citizen_id"], v["time_days"], v["department"]))
        else:
            assert v["citizen_id"] is None
    assert social == accepted
