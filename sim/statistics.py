"""Statistics from the record tables only: per-replication metrics, then means with 95 %
t-intervals over replications, and paired differences between scenarios run with common random
numbers. Nothing here looks inside the model."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from sim.config import Scenario

DAYS_PER_MONTH = 365.25 / 12
RETENTION_DAYS = {"retention_6m": 182.625, "retention_12m": 365.25, "retention_24m": 730.5}
POOLS = ("caseworkers", "housing_advisors", "support_workers", "shelter_beds",
         "botilbud_places", "skaev_bolig_places")
STAFF_GROUPS = ("caseworkers", "housing_advisors", "support_workers", "department_heads")
SELF_EXIT_REASONS = ("moved_away", "died", "housed_alone")
QUEUES = ("awaiting_assessment", "awaiting_housing", "moving_in", "awaiting_botilbud",
          "awaiting_skaev_bolig")
# (metric, start event, end event): waits between two events of the same citizen
WAITS = (
    ("wait_assessment_days_mean", "referred", ("assessment_start",)),
    ("wait_allocation_days_mean", "nominated", ("offer_accepted",)),
    ("wait_move_in_days_mean", "offer_accepted", ("move_in_start",)),
    ("wait_support_days_mean", "housed", ("support_start", "support_declined")),
    ("shelter_stay_days_mean", "shelter_enter", ("shelter_leave",)),
)


def unit_of(metric: str) -> str:
    """The unit of a summary metric, read from its name."""
    if metric.endswith("_dkk"):
        return "DKK"
    if metric.endswith("_days_mean") or metric.endswith("_days_median"):
        return "days"
    if metric.startswith(("retention_", "utilisation_", "unbounded_")):
        return "share"
    if metric.endswith("_per_month"):
        return "citizens/month"
    if metric.endswith("_per_count"):
        return "ratio"
    return "citizens"


class Events:
    """An events table as numpy columns, with boolean masks by event name."""

    def __init__(self, table: pa.Table) -> None:
        self.cid = table.column("citizen_id").to_numpy()
        self.t = table.column("time_days").to_numpy()
        self._cols = {name: table.column(name) for name in ("event", "route", "reason", "stage")}
        self._cache: dict = {}

    def where(self, column: str, value: str) -> np.ndarray:
        key = (column, value)
        if key not in self._cache:
            mask = pc.fill_null(pc.equal(self._cols[column], value), False)
            self._cache[key] = mask.to_numpy(zero_copy_only=False)
        return self._cache[key]

    def of(self, *names: str) -> np.ndarray:
        mask = np.zeros(len(self.t), dtype=bool)
        for name in names:
            mask |= self.where("event", name)
        return mask


def durations(ev: Events, start: np.ndarray, end: np.ndarray, horizon: float):
    """Time from each start to the same citizen's next end (if it comes before another start).

    Returns (start_time, duration, observed); unobserved durations run to the horizon.
    """
    idx = np.flatnonzero(start | end)
    idx = idx[np.argsort(ev.cid[idx], kind="stable")]  # events are in time order already
    cid, t, is_start = ev.cid[idx], ev.t[idx], start[idx]
    next_cid = np.append(cid[1:], -1)
    next_t = np.append(t[1:], horizon)
    next_is_start = np.append(is_start[1:], True)
    observed = is_start & (next_cid == cid) & ~next_is_start
    finish = np.where(observed, next_t, horizon)
    return t[is_start], (finish - t)[is_start], observed[is_start]


def kaplan_meier(duration: np.ndarray, observed: np.ndarray, at: float) -> float:
    """Kaplan–Meier survival at `at` days, with censoring; NaN if nobody was followed that long."""
    if not np.any(duration >= at):
        return math.nan
    times = np.unique(duration[observed & (duration <= at)])
    surv = 1.0
    for time in times:
        at_risk = np.count_nonzero(duration >= time)
        surv *= 1.0 - np.count_nonzero((duration == time) & observed) / at_risk
    return surv


def _homeless_in_year(ev: Events, snap: dict) -> float:
    """Citizens homeless at some time in the first year, per citizen homeless at the start
    (VIVE: 2.5–2.7 times the point count); the inflow is calibrated against it."""
    first_year = ev.t < 365.0
    became = (ev.of("arrive") & ev.where("reason", "newly_homeless")) | ev.of("tenancy_lost")
    at_start = snap["homeless"][0]
    ever = at_start + len(np.unique(ev.cid[became & first_year]))
    return ever / at_start if at_start > 0 else math.nan


def _window_integral(snap: dict, column: str, lo: float, hi: float) -> float:
    """∫ column dt over [lo, hi] from step-wise snapshots (value holds until the next row)."""
    t = snap["time_days"]
    ends = np.append(t[1:], t[-1])
    overlap = np.clip(np.minimum(ends, hi) - np.maximum(t, lo), 0.0, None)
    return float(np.sum(snap[column] * overlap))


def rep_metrics(tables: dict[str, pa.Table], cfg: Scenario) -> dict[str, float]:
    """Every summary metric of one replication, computed from its tables."""
    run = cfg.run
    lo, hi = run.warmup_days, run.horizon_days
    ev = Events(tables["events"])
    snap = {c: tables["snapshots"].column(c).to_numpy() for c in tables["snapshots"].column_names}
    after = ev.t >= lo
    out: dict[str, float] = {}

    housed = ev.of("housed") & after
    out["housed_total"] = float(np.count_nonzero(housed))
    out["housed_per_month"] = out["housed_total"] / ((hi - lo) / DAYS_PER_MONTH)
    for year, (y0, y1) in _years(run.start_date, lo, hi).items():
        out[f"housed_{year}"] = float(np.count_nonzero(housed & (ev.t >= y0) & (ev.t < y1)))
    out["homeless_at_end"] = float(snap["homeless"][-1])
    out["in_shelter_at_end"] = float(snap["shelter_beds_busy"][-1])
    out["homeless_mean"] = _window_integral(snap, "homeless", lo, hi) / (hi - lo)
    out["homeless_in_year_per_count"] = _homeless_in_year(ev, snap)

    for metric, start, ends in WAITS:
        begin, length, seen = durations(ev, ev.of(start), ev.of(*ends), hi)
        out[metric] = _mean(length[seen & (begin >= lo)])
    for route in ("botilbud", "skaev_bolig"):
        referred = ev.of("assessment_end") & ev.where("route", route)
        begin, length, seen = durations(ev, referred, ev.of(f"{route}_enter"), hi)
        out[f"wait_{route}_days_mean"] = _mean(length[seen & (begin >= lo)])

    spell_start = (ev.of("arrive") & ev.where("reason", "newly_homeless")) | ev.of("tenancy_lost")
    begin, length, seen = durations(ev, spell_start, ev.of("housed"), hi)
    chosen = length[seen & (begin >= lo)]
    out["homeless_to_home_days_median"] = float(np.median(chosen)) if len(chosen) else math.nan

    begin, length, seen = durations(ev, ev.of("housed"), ev.of("tenancy_lost"), hi)
    keep = begin >= lo
    for metric, days in RETENTION_DAYS.items():
        out[metric] = kaplan_meier(length[keep], seen[keep], days)
    out["returns_to_homelessness"] = float(np.count_nonzero(ev.of("tenancy_lost") & after))
    self_exit = np.logical_or.reduce([ev.where("reason", r) for r in SELF_EXIT_REASONS])
    out["left_by_themselves"] = float(np.count_nonzero(ev.of("exit") & after & self_exit))

    for pool in POOLS:
        capacity = _window_integral(snap, f"{pool}_capacity", lo, hi)
        out[f"utilisation_{pool}"] = _window_integral(snap, f"{pool}_busy", lo, hi) / capacity \
            if capacity > 0 else math.nan
    out.update(_costs(snap, cfg, lo, hi))
    out.update(unbounded_queues(snap, lo, hi))
    return out


def unbounded_queues(snap: dict, lo: float, hi: float) -> dict[str, float]:
    """1 for a queue that grows without levelling off over the window, else 0: it grows in the
    second half at least three quarters as much as in the first, and ends over twice as long
    as it began (plus ten). Such a scenario has no steady state."""
    t = snap["time_days"]
    at = np.searchsorted(t, [lo, (lo + hi) / 2, hi], side="right") - 1
    out = {}
    for stage in QUEUES:
        start, middle, end = snap[f"n_{stage}"][np.maximum(at, 0)]
        first, second = middle - start, end - middle
        grows = first > 0 and second >= 0.75 * first and end >= 2 * start + 10
        out[f"unbounded_{stage}"] = float(grows)
    return out


def _costs(snap: dict, cfg: Scenario, lo: float, hi: float) -> dict[str, float]:
    """Costs in DKK over the window, by item and by payer (municipality, state)."""
    costs = cfg.costs
    shelter = _window_integral(snap, "shelter_beds_busy", lo, hi) * costs.shelter_per_day_dkk
    staff = sum(_window_integral(snap, f"{g}_staff", lo, hi) / 365.0
                * getattr(costs.salary_per_year_dkk, g) for g in STAFF_GROUPS)
    item = {
        "cost_shelter_dkk": shelter,
        "cost_botilbud_dkk": _window_integral(snap, "n_in_botilbud", lo, hi)
        * costs.botilbud_per_day_dkk,
        "cost_skaev_bolig_dkk": _window_integral(snap, "n_in_skaev_bolig", lo, hi)
        * costs.skaev_bolig_per_day_dkk,
        "cost_staff_dkk": staff,
    }
    total = sum(item.values())
    state = shelter * costs.shelter_state_refund_share
    return {**item, "cost_total_dkk": total, "cost_state_dkk": state,
            "cost_municipality_dkk": total - state}


def _years(start: dt.date, lo: float, horizon: float) -> dict[int, tuple[float, float]]:
    """Calendar years fully inside [lo, horizon], as (first day, day after last) in run days."""
    out = {}
    first = start + dt.timedelta(days=math.ceil(lo))
    year = first.year if (first.month, first.day) == (1, 1) else first.year + 1
    while True:
        y0 = (dt.date(year, 1, 1) - start).days
        y1 = (dt.date(year + 1, 1, 1) - start).days
        if y1 > horizon:
            return out
        out[year] = (float(y0), float(y1))
        year += 1


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else math.nan


# --- over replications -------------------------------------------------------------------


def t_interval(values) -> tuple[float, float, float, int]:
    """Mean and 95 % t-interval of the finite values; NaN where they are too few."""
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(np.mean(x))
    if n == 1:
        return mean, math.nan, math.nan, 1
    half = float(stats.t.ppf(0.975, n - 1) * np.std(x, ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def metric_names(per_rep: list[dict[str, float]]) -> list[str]:
    """Metric names in the order first seen."""
    return list(dict.fromkeys(name for rep in per_rep for name in rep))


def summary_table(results: dict[str, list[dict[str, float]]]) -> pa.Table:
    """scenario × metric: mean and 95 % interval over replications (CONTRACT.md summary)."""
    rows = []
    for scenario, per_rep in results.items():
        for metric in metric_names(per_rep):
            mean, low, high, n = t_interval(rep.get(metric, math.nan) for rep in per_rep)
            rows.append((scenario, metric, unit_of(metric), mean, low, high, n))
    return _table(rows)


def compare_table(results: dict[str, list[dict[str, float]]]) -> pa.Table:
    """Paired differences of each scenario to the first, replication by replication (common
    random numbers), with the half-width independent runs would have given beside it."""
    names = list(results)
    base = results[names[0]]
    rows = []
    for scenario in names[1:]:
        other = results[scenario]
        for metric in metric_names(base):
            a = np.array([rep.get(metric, math.nan) for rep in base], dtype=float)
            b = np.array([rep.get(metric, math.nan) for rep in other], dtype=float)
            n = min(len(a), len(b))
            mean, low, high, reps = t_interval(b[:n] - a[:n])
            rows.append((scenario, metric, unit_of(metric), mean, low, high, reps,
                         _independent_half_width(a, b)))
    table = _table([r[:7] for r in rows])
    return table.append_column("ci_half_width_independent", pa.array([r[7] for r in rows],
                                                                       pa.float64()))


def _independent_half_width(a: np.ndarray, b: np.ndarray) -> float:
    """Half-width of a Welch 95 % interval for b − a, as if the runs were independent."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return math.nan
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    if va + vb == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(stats.t.ppf(0.975, dof) * math.sqrt(va + vb))


def _table(rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    return pa.table({
        "scenario": pa.array(columns[0], pa.string()),
        "metric": pa.array(columns[1], pa.string()),
        "unit": pa.array(columns[2], pa.string()),
        "mean": pa.array(columns[3], pa.float64()),
        "ci_low": pa.array(columns[4], pa.float64()),
        "ci_high": pa.array(columns[5], pa.float64()),
        "reps": pa.array(columns[6], pa.int64()),
    })
