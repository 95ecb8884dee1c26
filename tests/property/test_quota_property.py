"""Property: for any set of departments and quota shares, the running quota holds at every
prefix of every department's vacancies, and shielded departments get no social allocation;
with an allocation agreement that starts during the run, the law's share holds in the
departments not shielded before it and every department's running count starts again on its
day."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import config
from sim.config import Scenario
from sim.model.city import run_replication

BASE = config.load(Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml")
AMPLE = [{"from": dt.date(2023, 1, 1), "value": 10000}]
START, END = dt.date(2023, 1, 1), dt.date(2023, 9, 30)


@st.composite
def departments(draw) -> list[dict]:
    out = []
    for number in range(1, draw(st.integers(1, 6)) + 1):
        one = draw(st.floats(0.0, 1.0))
        two = draw(st.floats(0.0, 1.0 - one))
        out.append({
            "department": number, "name": f"d{number}", "area": "a",
            "dwellings": draw(st.integers(0, 4000)),
            "turnover_per_year_share": draw(st.floats(0.0, 0.3)),
            "rooms_1_share": one, "rooms_2_share": two, "rooms_3_share": max(0.0, 1 - one - two),
            "rent_1_room_dkk_per_month": draw(st.floats(1000.0, 6000.0)),
            "rent_2_room_dkk_per_month": draw(st.floats(1000.0, 8000.0)),
            "rent_3_room_dkk_per_month": draw(st.floats(1000.0, 10000.0)),
        })
    return out


@st.composite
def markets(draw) -> Scenario:
    depts = draw(departments())
    ids = [d["department"] for d in depts]
    data = BASE.model_dump(by_alias=True)
    data["name"] = "market"
    data["run"].update(warmup_days=0.0, start_date=START, end_date=END)
    data["population"].update(initial_homeless=400, self_exit_per_year=0.0)
    data["housing"]["departments"] = depts
    data["allocation"].update(
        quota_share=draw(st.floats(0.0, 1.0)),
        shielded_departments=draw(st.lists(st.sampled_from(ids), unique=True)),
        support_rule=draw(st.sampled_from(["require_capacity", "waiting_list", "forecast"])),
        priority=draw(st.sampled_from(["homeless_first", "others_first", "shared"])),
        others_first_share=draw(st.floats(0.0, 1.0)),
        other_households_per_year=[{"from": dt.date(2023, 1, 1),
                                    "value": draw(st.floats(0.0, 3000.0))}],
        agreement_start=draw(st.none() | st.dates(START, END)),
        support_rule_start=None, support_rule_before=None,
    )
    data["allocation"]["quota_share_before_agreement"] = \
        None if data["allocation"]["agreement_start"] is None else draw(st.floats(0.0, 1.0))
    data["move_in"]["housing_advisors"] = AMPLE
    return Scenario.model_validate(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=markets(), seed=st.integers(0, 2**32 - 1))
def test_running_quota_holds_for_any_market(cfg: Scenario, seed: int):
    vacancies = run_replication(cfg, seed, 0)["vacancies"].to_pylist()
    rules = cfg.allocation
    shielded = set(rules.shielded_departments)
    agreement = 0.0 if rules.agreement_start is None else (rules.agreement_start - START).days
    seen: dict[int, int] = {}
    social: dict[int, int] = {}
    restarted = agreement <= 0.0
    for row in sorted(vacancies, key=lambda r: r["time_days"]):  # stable: ties keep order
        if not restarted and row["time_days"] >= agreement:
            seen, social, restarted = {}, {}, True
        dept = row["department"]
        seen[dept] = seen.get(dept, 0) + 1
        # the right is shared: lets to other households count against the quota too
        social[dept] = social.get(dept, 0) + row["allocated_to"].startswith("social")
        share = row["quota_share"]
        if dept in shielded:
            expected = rules.shielded_quota_share
        else:
            expected = rules.quota_share if restarted else rules.quota_share_before_agreement
        assert share == expected
        assert social[dept] <= math.floor(seen[dept] * share + 1e-9), (dept, seen[dept])
        if dept in shielded:
            assert social[dept] == 0
