"""Waits by Kaplan–Meier (sim/analysis/waits.py): known survival answers, censoring at the
horizon, at an exit, at another end of the spell and at the wait's next start, and on a real run
the direction censoring must move the median."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from sim import config
from sim.analysis import waits
from sim.analysis.metrics import rep_metrics, unit_of
from sim.analysis.records import Events, spell_starts
from sim.analysis.waits import wait_specs
from sim.model.city import run_replication

LO, HI = 5.0, 50.0


def events(*rows) -> Events:
    """Events from (citizen, time, event, need tier) rows, in time order."""
    cid, t, event, tier = zip(*sorted(rows, key=lambda r: r[1]), strict=True)
    n = len(rows)
    return Events(pa.table({
        "citizen_id": pa.array(cid, pa.int64()), "time_days": pa.array(t, pa.float64()),
        "event": pa.array(event, pa.string()), "need_tier": pa.array(tier, pa.string()),
        "route": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
        "income_group": pa.array(["kontanthjaelp"] * n, pa.string()),
    }))


def followed(ev: Events, start: str, *ends: str) -> waits.Followed:
    s, e = ev.of(start), ev.of(*ends)
    stop = (ev.of(*waits.CLOSERS) | spell_starts(ev)) & ~s & ~e
    return waits.follow(ev, s, e, stop, waits.last_rows(ev), LO, HI)


# Waits for a dwelling: 20 and 10 days ended; 15 days until the citizen left, 30 until the horizon
ALLOCATION = events(
    (1, 10.0, "nominated", None), (1, 30.0, "offer_accepted", "low"),
    (2, 12.0, "nominated", None), (2, 27.0, "exit", None),
    (3, 20.0, "nominated", None), (3, 21.0, "support_need_assessed", "high"),
    (4, 15.0, "nominated", None), (4, 25.0, "offer_accepted", "low"),
    (5, 2.0, "nominated", None),  # started in the warm-up: left out, as the completed waits do
)


def test_four_waits_two_censored_have_the_known_survival_median_and_restricted_mean():
    # S = 3/4 after 10 (4 at risk), 15 censored, 3/4 × 1/2 = 3/8 after 20 (2 at risk)
    duration = np.array([10.0, 20.0, 15.0, 30.0])
    observed = np.array([True, True, False, False])
    median, mean = waits.km_median_mean(duration, observed)
    assert median == 20.0
    assert mean == pytest.approx(21.25)  # area up to 30: 10 × 1 + 10 × 3/4 + 10 × 3/8


@pytest.mark.parametrize("n", [1, 2, 7, 10, 501])
def test_with_no_censoring_the_median_and_mean_are_the_sample_s(n):
    x = np.round(np.random.default_rng(n).exponential(30.0, n), 0)  # ties included
    everyone = np.ones(n, dtype=bool)
    median, mean = waits.km_median_mean(x, everyone)
    assert median == pytest.approx(float(np.percentile(x, 50)))
    assert mean == pytest.approx(float(np.mean(x)))


def test_a_median_the_curve_does_not_reach_is_nan_not_a_guess():
    duration = np.array([10.0, 20.0, 30.0])
    observed = np.array([True, False, False])  # S stays at 2/3
    median, mean = waits.km_median_mean(duration, observed)
    assert math.isnan(median)
    assert mean == pytest.approx(10 + 20 * 2 / 3)
    nothing = waits.km_summary("x_days_mean", np.array([]), np.array([], dtype=bool))
    assert all(math.isnan(v) for v in nothing.values())


def test_a_wait_is_censored_at_an_exit_and_at_the_horizon():
    w = followed(ALLOCATION, "nominated", "offer_accepted")
    got = sorted(zip(w.duration.tolist(), w.observed.tolist(), strict=True))
    assert got == [(10.0, True), (15.0, False), (20.0, True), (30.0, False)]


def test_allocation_metrics_from_an_events_table():
    out = waits.metrics(ALLOCATION, LO, HI)
    assert out["wait_allocation_days_km_median"] == 20.0
    assert out["wait_allocation_days_km_mean_restricted"] == pytest.approx(21.25)
    assert out["wait_allocation_censored_share"] == 0.5
    # grouped at the row that closed the wait: at the horizon, the citizen's last row, which
    # carries the need tier assessed after the nomination
    assert math.isnan(out["wait_allocation_days_km_median__need_tier_high"])
    assert out["wait_allocation_days_km_mean_restricted__need_tier_high"] == 30.0
    assert out["wait_allocation_days_km_median__need_tier_low"] == 15.0  # 10 and 20, no censoring


def test_a_wait_is_censored_at_its_next_start_and_at_another_end_of_the_spell():
    ev = events(
        (1, 10.0, "nominated", None), (1, 18.0, "nominated", None),
        (1, 40.0, "offer_accepted", None),
        (2, 6.0, "arrive", None), (2, 40.0, "botilbud_enter", None), (2, 45.0, "exit", None),
        (3, 7.0, "arrive", None), (3, 30.0, "housed", None), (3, 35.0, "tenancy_lost", None),
    )
    w = followed(ev, "nominated", "offer_accepted")
    assert (w.duration.tolist(), w.observed.tolist()) == ([8.0, 22.0], [False, True])
    new = pa.array(["newly_homeless" if e == "arrive" else None
                    for e in ev.table.column("event").to_pylist()], pa.string())
    ev = Events(ev.table.set_column(ev.table.schema.get_field_index("reason"), "reason", new))
    home = waits.follow(ev, spell_starts(ev), ev.of("housed"),
                        ev.of(*waits.CLOSERS) & ~ev.of("housed"), waits.last_rows(ev), LO, HI)
    # citizen 2 went to botilbud (censored there, not at the exit later); citizen 3 housed
    # after 23 days, then homeless again at 35 and still so at the horizon
    assert sorted(zip(home.duration.tolist(), home.observed.tolist(), strict=True)) == [
        (15.0, False), (23.0, True), (34.0, False)]


def test_the_new_metrics_carry_units_days_and_share():
    assert unit_of("wait_allocation_days_km_median") == "days"
    assert unit_of("wait_allocation_days_km_mean_restricted__route_own_home") == "days"
    assert unit_of("wait_allocation_censored_share") == "share"
    assert unit_of("homeless_to_home_censored_share") == "share"


@pytest.fixture(scope="module")
def one_year():
    cfg = config.load("scenarios/baseline.toml").with_years(1)
    tables = run_replication(cfg, 13, 0)
    return rep_metrics(tables, cfg), Events(tables["events"]), cfg


def test_on_a_run_censoring_only_lengthens_the_wait_for_a_dwelling(one_year):
    m, _, _ = one_year
    assert m["wait_allocation_censored_share"] > 0.1  # a long queue: many still waiting
    # censored waits stay in the risk set, so the curve lies above the completed-only one; its
    # median is undefined while more than half the waits are still running
    km = m["wait_allocation_days_km_median"]
    assert km >= m["wait_allocation_days_median"] or (
        math.isnan(km) and m["wait_allocation_censored_share"] > 0.5)
    assert m["wait_allocation_days_km_mean_restricted"] >= m["wait_allocation_days_mean"]


def test_on_a_run_the_ended_waits_are_the_completed_only_ones(one_year):
    m, ev, cfg = one_year
    lo, hi = cfg.run.warmup_days, cfg.run.horizon_days
    stop = ev.of(*waits.CLOSERS) | spell_starts(ev)
    for metric, start, end in wait_specs(ev):
        w = waits.follow(ev, start, end, stop & ~start & ~end, waits.last_rows(ev), lo, hi)
        ended = w.duration[w.observed]
        assert len(ended) == 0 or m[metric] == pytest.approx(float(np.mean(ended))), metric
        assert len(ended) > 0 or math.isnan(m[metric]), metric


def test_every_wait_with_equity_variants_has_them_by_kaplan_meier(one_year):
    m, ev, _ = one_year
    completed = [k for k in m if "_days_median__" in k
                 and not k.startswith(("homeless_to_placed", "referral_to_decision"))]
    # nine waits, twelve groups: 3 need tiers, 2 income groups, 4 routes, 3 types of homelessness
    assert len(completed) == 9 * 12
    for key in completed:
        stem, group = key.split("__")
        assert f"{stem.removesuffix('_median')}_km_median__{group}" in m
        assert f"{stem.removesuffix('_median')}_km_mean_restricted__{group}" in m
    for metric, *_ in wait_specs(ev):
        assert f"{metric.removesuffix('_days_mean')}_censored_share" in m
