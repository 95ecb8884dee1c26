"""The housing market: affordability, refusals that take a citizen off the list, rent
subsidies that end, and costs that add up (issue 4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from sim import config
from sim.analysis import costs, metrics
from sim.analysis.records import Events, spans
from sim.config.steps import value_at

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
YEARS = 2.0


def rows(table, event: str) -> list[dict]:
    return table.filter(pc.equal(table.column("event"), event)).to_pylist()


def test_nobody_is_housed_in_a_dwelling_they_cannot_pay(replication):
    cfg = config.load(SCENARIOS / "reform_2024.toml")
    housed = rows(replication("reform_2024", YEARS)["events"], "housed")
    afford = cfg.housing.affordable_rent_dkk_per_month
    schemes = {"exit_dwelling": cfg.subsidy.exit_dwelling,
               "state_subsidy": cfg.subsidy.state_subsidy}
    subsidised = 0
    for row in housed:
        can_pay = getattr(afford, row["income_group"])
        if row["scheme"] == "none":
            assert row["rent_dkk"] <= can_pay + 1e-9, row
        else:
            subsidised += 1
            assert row["rent_dkk"] - row["subsidy_dkk"] <= can_pay + 1e-9, row
            assert 0 < row["subsidy_dkk"] <= schemes[row["scheme"]].max_dkk_per_month, row
    assert len(housed) > 200 and subsidised > 20  # both kinds were checked


def test_subsidised_dwellings_stay_within_each_scheme_a_year(replication):
    cfg = config.load(SCENARIOS / "reform_2024.toml")
    events = replication("reform_2024", YEARS)["events"]
    accepted = [r for r in rows(events, "offer_accepted") if r["scheme"] != "none"]
    per_year: dict[tuple[str, int], int] = {}
    for r in accepted:
        year = (cfg.run.start_date + dt.timedelta(days=int(r["time_days"]))).year
        key = (r["scheme"], year)
        per_year[key] = per_year.get(key, 0) + 1
    for (scheme, year), count in per_year.items():
        steps = getattr(cfg.subsidy, scheme).dwellings_per_year
        limit = value_at(steps, (dt.date(year, 1, 1) - cfg.run.start_date).days,
                         cfg.run.start_date)
        assert count <= limit, (scheme, year, count)
    assert max(per_year.values()) == 75  # the exit-dwelling scheme is used to its limit


REFUSE_ALL = """
[allocation]
offer_refusal_share = 1.0
refusal_removal_share = 1.0
removal_days = 45.0
offers_per_vacancy_max = 1
"""


def test_refusal_with_removal_takes_the_citizen_off_the_list_for_the_delay(
        make_scenario, replication):
    cfg = config.load(make_scenario(REFUSE_ALL, name="refuse_all"))
    events = replication(cfg, 1.0)["events"]
    by_citizen: dict[int, list[tuple[float, str]]] = {}
    for cid, t, name in zip(events.column("citizen_id").to_pylist(),
                            events.column("time_days").to_pylist(),
                            events.column("event").to_pylist(), strict=True):
        by_citizen.setdefault(cid, []).append((t, name))
    removals = 0
    for life in by_citizen.values():
        for i, (t, name) in enumerate(life):
            if name != "removed_from_list":
                continue
            removals += 1
            later = [(u, n) for u, n in life[i + 1:] if n in ("returned_to_list", "offer", "exit")]
            if not later or later[0][1] == "exit":
                continue  # left by themselves while off the list, or the run ended
            back, what = later[0]
            assert what == "returned_to_list"  # no offer while off the list
            assert back - t == pytest.approx(45.0, abs=1e-9)
    assert removals > 100
    assert rows(events, "offer_accepted") == []  # everybody refuses


SUBSIDY_HEAVY = """
[subsidy]
can_pay_share_with_followup = {pay}
can_pay_share_without_followup = {pay}
loss_multiplier_cannot_pay = 6.0

[subsidy.exit_dwelling]
dwellings_per_year = [{{ from = 2023-01-01, value = 400 }}]
max_dkk_per_month = 4000.0
months = 6.0
"""


def test_subsidies_ending_unpaid_raise_tenancy_losses(make_scenario, replication):
    lost = {}
    for pay in (0.0, 1.0):
        cfg = config.load(make_scenario(SUBSIDY_HEAVY.format(pay=pay), name=f"pay_{int(pay)}"))
        events = replication(cfg, 3.0, seed=9)["events"]
        ends = rows(events, "subsidy_end")
        assert ends and {r["reason"] for r in ends} == {"takes_over" if pay else "cannot_pay"}
        ev = Events(events)
        subsidised = ev.of("housed") & ev.where("scheme", "exit_dwelling")
        lost[pay] = int(spans(ev, subsidised, ev.of("tenancy_lost"),
                              cfg.run.horizon_days).observed.sum())
    assert lost[0.0] > 1.5 * lost[1.0], lost


def test_every_cost_total_is_the_sum_of_its_parts(replication):
    cfg = config.load(SCENARIOS / "reform_2024.toml").with_years(YEARS)
    m = metrics.rep_metrics(replication("reform_2024", YEARS), cfg)
    payers = sum(m[f"cost_{p}_dkk"] for p in costs.PAYERS)
    items = sum(v for k, v in m.items()
                if k.startswith("cost_") and k.endswith("_dkk") and k.count("_") >= 2
                and k.removeprefix("cost_").removesuffix("_dkk") not in (*costs.PAYERS, "total")
                and not k.removeprefix("cost_")[:4].isdigit())
    assert payers == pytest.approx(m["cost_total_dkk"], rel=1e-12)
    assert items == pytest.approx(m["cost_total_dkk"], rel=1e-12)
    years = [k for k in m if k.startswith("cost_20") and k.endswith("_total_dkk")]
    assert len(years) == 2
    for key in years:
        year = key.split("_")[1]
        assert m[key] == pytest.approx(sum(m[f"cost_{year}_{p}_dkk"] for p in costs.PAYERS))
    assert sum(m[k] for k in years) == pytest.approx(m["cost_total_dkk"], rel=1e-9)
    assert m["cost_state_dkk"] > 0 and m["cost_citizens_dkk"] > 0


def test_shelter_refund_never_exceeds_the_cap_for_a_citizen_year(replication):
    cfg = config.load(SCENARIOS / "reform_2024.toml").with_years(4.0)  # past 2026-04-01
    ev = Events(replication("reform_2024", 4.0)["events"])
    rows_, a, b, *_ = spans(ev, ev.of("shelter_enter"), ev.of("shelter_leave"),
                           cfg.run.horizon_days)
    cid = ev.cid[rows_]
    stay, ra, rb = costs.refundable_shelter_days(cid, a, b, cfg.costs.shelter_refund_cap_days,
                                                 cfg.run.start_date)
    assert len(ra) > 0 and np.all(rb > ra)
    assert np.all((a[stay] <= ra + 1e-9) & (rb <= b[stay] + 1e-9))  # inside their own stay
    totals: dict[tuple[int, int], float] = {}
    for i, s, e in zip(stay, ra, rb, strict=True):
        key = (int(cid[i]), (cfg.run.start_date + dt.timedelta(days=float(s))).year)
        totals[key] = totals.get(key, 0.0) + (e - s)
    assert max(totals.values()) <= 120.0 + 1e-9
    assert max(totals.values()) > 100.0  # long stayers exist, so the cap is what binds
