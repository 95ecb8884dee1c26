"""Statistics from tables: t-intervals, paired comparisons, Kaplan–Meier, durations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sim import config
from sim.analysis.metrics import (
    compare_table,
    rep_metrics,
    route_waits,
    summary_table,
    t_interval,
    unit_of,
)
from sim.analysis.records import Events, durations, homes, kaplan_meier
from sim.model.city import run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_t_interval_of_one_to_five():
    # mean 3, s = sqrt(2.5), se = s / sqrt(5) = 0.7071068; t(0.975, 4 df) = 2.776445 (tables)
    mean, low, high, n = t_interval([1, 2, 3, 4, 5])
    assert (mean, n) == (3.0, 5)
    assert low == pytest.approx(3 - 1.963243, abs=1e-6)
    assert high == pytest.approx(3 + 1.963243, abs=1e-6)


def test_t_interval_of_three_values():
    # mean 13, s² = (9 + 1 + 16) / 2 = 13, se = sqrt(13 / 3) = 2.081666; t(0.975, 2) = 4.302653
    mean, low, high, n = t_interval([10.0, 12.0, 17.0])
    assert (mean, n) == (13.0, 3)
    assert high - mean == pytest.approx(4.302653 * 2.081666, abs=1e-5)
    assert mean - low == pytest.approx(high - mean)


def test_t_interval_ignores_missing_values():
    assert t_interval([1.0, math.nan, 3.0, None, math.inf])[3] == 2
    assert t_interval([1.0, math.nan, 3.0])[0] == 2.0


def test_t_interval_of_too_few_values():
    mean, low, high, n = t_interval([4.0])
    assert (mean, n) == (4.0, 1) and math.isnan(low) and math.isnan(high)
    mean, low, high, n = t_interval([math.nan])
    assert n == 0 and math.isnan(mean) and math.isnan(low) and math.isnan(high)


def test_summary_counts_only_finite_reps():
    table = summary_table({"a": [{"m": 1.0}, {"m": math.nan}, {"m": 3.0}]})
    row = table.to_pylist()[0]
    assert (row["scenario"], row["metric"], row["mean"], row["reps"]) == ("a", "m", 2.0, 2)


@pytest.fixture(scope="module")
def per_rep():
    cfg = config.load(SCENARIOS / "baseline.toml").with_years(1)
    return [rep_metrics(run_replication(cfg, 13, rep), cfg) for rep in range(3)]


def test_compare_with_itself_is_exactly_zero(per_rep):
    table = compare_table({"a": per_rep, "b": per_rep}).to_pylist()
    defined = [row for row in table if row["reps"] > 0]
    assert len(defined) >= 20
    assert {row["scenario"] for row in table} == {"b"}
    for row in defined:
        finite = sum(math.isfinite(rep[row["metric"]]) for rep in per_rep)
        assert row["reps"] == finite, row["metric"]
        assert row["mean"] == 0.0, row["metric"]
        if finite >= 2:  # an interval needs two replications
            assert (row["ci_low"], row["ci_high"]) == (0.0, 0.0), row["metric"]
    # what unpaired runs would have given is not zero: the pairing is what removes the noise
    housed = next(row for row in table if row["metric"] == "housed_total")
    assert housed["ci_half_width_independent"] > 0


def test_compare_pairs_replication_by_replication():
    base = [{"m": 10.0}, {"m": 20.0}, {"m": 30.0}]
    other = [{"m": 11.0}, {"m": 21.0}, {"m": 31.0}]  # +1 in every rep: no spread in the difference
    row = compare_table({"a": base, "b": other}).to_pylist()[0]
    assert (row["mean"], row["ci_low"], row["ci_high"], row["reps"]) == (1.0, 1.0, 1.0, 3)


# Kaplan–Meier by hand: durations 1 2 2+ 3 4+ 5 (+ censored)
#   t=1: 6 at risk, 1 event  -> 5/6
#   t=2: 5 at risk, 1 event  -> 5/6 × 4/5 = 2/3   (the one censored at 2 is still at risk)
#   t=3: 3 at risk, 1 event  -> 2/3 × 2/3 = 4/9
#   t=5: 1 at risk, 1 event  -> 0
DURATION = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
OBSERVED = np.array([True, True, False, True, False, True])


@pytest.mark.parametrize(("at", "expected"), [
    (0.5, 1.0), (1.0, 5 / 6), (2.5, 2 / 3), (3.0, 4 / 9), (4.5, 4 / 9), (5.0, 0.0)])
def test_kaplan_meier_by_hand(at, expected):
    assert kaplan_meier(DURATION, OBSERVED, at) == pytest.approx(expected)


def test_kaplan_meier_order_does_not_matter():
    order = np.array([5, 2, 0, 4, 1, 3])
    assert kaplan_meier(DURATION[order], OBSERVED[order], 3.0) == pytest.approx(4 / 9)


def test_kaplan_meier_beyond_follow_up_is_undefined():
    assert math.isnan(kaplan_meier(DURATION, OBSERVED, 6.0))
    assert math.isnan(kaplan_meier(np.array([]), np.array([], dtype=bool), 1.0))


def test_kaplan_meier_without_censoring_is_the_empirical_share():
    duration = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    assert kaplan_meier(duration, np.ones(5, dtype=bool), 3.5) == pytest.approx(2 / 5)


def events_table(rows) -> pa.Table:
    """Events from (citizen, time, event) or (citizen, time, event, route, reason) rows."""
    rows = [(*row, None, None)[:5] for row in sorted(rows, key=lambda r: r[1])]
    cid, t, event, route, reason = zip(*rows, strict=True)
    return pa.table({"citizen_id": pa.array(cid, pa.int64()),
                     "time_days": pa.array(t, pa.float64()), "event": pa.array(event),
                     "route": pa.array(route, pa.string()), "reason": pa.array(reason, pa.string()),
                     "stage": pa.nulls(len(rows), pa.string())})


def test_waits_by_route_follow_each_citizen_to_the_place_of_their_route():
    new = "newly_homeless"
    ev = Events(events_table([
        (1, 10.0, "arrive", None, new), (1, 20.0, "referred"),
        (1, 50.0, "assessment_end", "own_home"), (1, 110.0, "housed"),
        (2, 15.0, "arrive", None, new), (2, 25.0, "referred"),
        (2, 85.0, "assessment_end", "botilbud"), (2, 215.0, "botilbud_enter"),
        (3, 5.0, "arrive", None, new), (3, 6.0, "referred"),
        (3, 26.0, "assessment_end", "not_ready"),
        (4, 0.5, "arrive", None, new), (4, 300.0, "housed"),  # became homeless in the warm-up
    ]))
    out = route_waits(ev, lo=1.0, hi=1000.0)
    assert out["homeless_to_placed_days_mean__route_own_home"] == 100.0
    assert out["homeless_to_placed_days_mean__route_botilbud"] == 200.0
    assert math.isnan(out["homeless_to_placed_days_mean__route_skaev_bolig"])
    assert out["homeless_to_placed_days_mean"] == 150.0
    assert out["referral_to_decision_days_median__route_not_ready"] == 20.0
    assert out["referral_to_decision_days_mean__route_botilbud"] == 60.0
    assert out["placed_total__route_own_home"] == 2  # citizen 4 is housed after the warm-up


def test_durations_pair_each_start_with_the_next_end():
    ev = Events(events_table([(1, 0.0, "s"), (3, 1.0, "e"), (2, 2.0, "s"), (2, 4.0, "e"),
                              (1, 5.0, "e"), (1, 10.0, "s")]))
    begin, length, seen = durations(ev, ev.of("s"), ev.of("e"), horizon=20.0)
    got = sorted(zip(begin.tolist(), length.tolist(), seen.tolist(), strict=True))
    assert got == [(0.0, 5.0, True), (2.0, 2.0, True), (10.0, 10.0, False)]


def test_a_home_ends_by_loss_or_exit_but_only_a_loss_counts_against_retention():
    """Citizen 1 loses the home after 100 days, citizen 2 dies in it after 50, citizen 3 is
    still housed at the horizon; a homeless exit after a loss (citizen 1) ends nothing."""
    ev = Events(events_table([(1, 0.0, "housed"), (1, 100.0, "tenancy_lost"),
                              (1, 150.0, "exit", None, "died"),
                              (2, 10.0, "housed"), (2, 60.0, "exit", None, "died_housed"),
                              (3, 20.0, "housed")]))
    home = homes(ev, ev.of("housed"), horizon=400.0)
    got = sorted(zip(home.start.tolist(), (home.end - home.start).tolist(),
                     home.observed.tolist(), strict=True))
    assert got == [(0.0, 100.0, True), (10.0, 50.0, False), (20.0, 380.0, False)]
    # at day 100 two are still followed (citizen 2 was censored on day 50): one of two lost
    assert kaplan_meier(home.end - home.start, home.observed, 200.0) == 0.5


def test_route_groups_a_citizen_by_the_last_assessment():
    ev = Events(events_table([
        (1, 1.0, "referred"), (1, 2.0, "assessment_end", "not_ready"),
        (1, 9.0, "assessment_end", "own_home"), (1, 12.0, "housed"),
        (2, 3.0, "referred"),  # never assessed: in no route's group
        (3, 4.0, "assessment_end", "botilbud")]))
    own_home = ev.by_last("route", "own_home", "assessment_end")
    assert ev.cid[own_home].tolist() == [1, 1, 1, 1]
    assert not ev.by_last("route", "not_ready", "assessment_end").any()
    assert ev.cid[ev.by_last("route", "botilbud", "assessment_end")].tolist() == [3]


@pytest.mark.parametrize(("metric", "unit"), [
    ("warmup_mser5_days", "days"), ("wait_allocation_days_mean", "days"),
    ("wait_allocation_days_mean__need_tier_high", "days"), ("retention_12m", "share"),
    ("housed_per_month", "citizens/month"), ("cost_total_dkk", "DKK"), ("housed_total", "citizens"),
    ("quota_used_share", "share"), ("vacancies_blocked_by_quota", "dwellings"),
])
def test_a_metric_s_unit_is_read_from_its_name(metric, unit) -> None:
    assert unit_of(metric) == unit
