"""Statistics from the record tables only: per-replication metrics, then means with 95 %
t-intervals over replications, and paired differences between scenarios run with common random
numbers. Nothing here looks inside the model."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
from scipy.special import stdtrit  # Student's t quantile, as stats.t.ppf: 0.9 s less to import

from sim.analysis import costs, vacancies, waits
from sim.analysis.records import (
    Events,
    homes,
    in_group,
    kaplan_meier_curve,
    spans,
    spell_starts,
    window_integral,
)
from sim.analysis.waits import PLACED_BY, wait_specs
from sim.config import DAYS_PER_MONTH, NO_SCHEME, ROUTES, SCHEMES, TIERS, Scenario
from sim.config.stages import POOL_NAMES, QUEUE_STAGES, STAFF_POOLS, STAGE_NAMES

RETENTION_DAYS = {"retention_6m": 182.625, "retention_12m": 365.25, "retention_24m": 730.5}
SELF_EXIT_REASONS = ("moved_away", "died", "housed_alone")
HOUSED_EXIT_REASONS = ("died_housed", "moved_away_housed")  # a housed citizen's home ends
RETENTION_MONTHS = np.arange(0, 49, dtype=float)  # retention curves: 0 to 48 months
# Counts drawn over time with interval bands
SERIES_COUNTS = ("homeless", "shelter_beds_busy", *(f"n_{stage}" for stage in STAGE_NAMES),
                 *(f"{pool}_queue" for pool in STAFF_POOLS))


def unit_of(metric: str) -> str:
    """The unit of a summary metric, read from its name (a __group suffix does not count)."""
    metric = metric.split("__")[0]
    if metric.endswith("_dkk"):
        return "DKK"
    if "_days_" in metric or metric.endswith("_days"):
        return "days"
    if metric.startswith(("retention_", "utilisation_", "unbounded_")) or metric.endswith("_share"):
        return "share"
    if metric.startswith("vacancies_"):
        return "dwellings"
    if metric.endswith("_per_month"):
        return "citizens/month"
    if metric.endswith("_per_count"):
        return "ratio"
    return "citizens"


def mser5(series: np.ndarray) -> int:
    """MSER-5 warm-up: the truncation point (in observations) that minimises the marginal
    standard error of the mean of 5-observation batch means (White 1997), searched over the
    first half of the series."""
    batches = len(series) // 5
    if batches < 4:
        return 0
    means = series[: batches * 5].reshape(batches, 5).mean(axis=1)
    best, best_d = math.inf, 0
    for d in range(batches // 2):
        rest = means[d:]
        score = np.var(rest) / len(rest)
        if score < best:
            best, best_d = score, d
    return best_d * 5


def _homeless_in_year(ev: Events, snap: dict) -> float:
    """Citizens homeless at some time in the first year, per citizen homeless at the start
    (VIVE: 2.5–2.7 times the point count); the inflow is calibrated against it."""
    first_year = ev.t < 365.0
    became = spell_starts(ev)
    at_start = snap["homeless"][0]
    ever = at_start + len(np.unique(ev.cid[became & first_year]))
    return ever / at_start if at_start > 0 else math.nan


def _window_integral(snap: dict, column: str, lo: float, hi: float) -> float:
    """∫ column dt over [lo, hi] from the snapshots."""
    return window_integral(snap["time_days"], snap[column], lo, hi)


def rep_metrics(tables: dict[str, pa.Table], cfg: Scenario) -> dict[str, float]:
    """Every summary metric of one replication, computed from its tables."""
    run = cfg.run
    lo, hi = run.warmup_days, run.horizon_days
    ev = Events(tables["events"])
    snap = {c: tables["snapshots"].column(c).to_numpy() for c in tables["snapshots"].column_names}
    years = _years(run.start_date, lo, hi)
    out = _throughput(ev, snap, lo, hi, years)
    out.update(_waits(ev, lo, hi))
    out.update(route_waits(ev, lo, hi))
    out.update(waits.metrics(ev, lo, hi))
    out.update(_retention(ev, lo, hi))
    out.update(_utilisation(snap, lo, hi))
    out.update(unbounded_queues(snap, lo, hi))
    out.update(vacancies.metrics(tables["vacancies"], lo, hi))
    out["warmup_mser5_days"] = float(snap["time_days"][mser5(snap["homeless"])])
    out.update(costs.metrics(costs.flows(tables, cfg, ev, snap), cfg, years))
    return out


def _throughput(ev: Events, snap: dict, lo: float, hi: float, years) -> dict[str, float]:
    """Housed (in all, per month, by subsidy scheme, by year, by need tier, income group and
    route), counts at the end and over time, routes chosen, returns and self-exits."""
    after = ev.t >= lo
    months = (hi - lo) / DAYS_PER_MONTH
    housed = ev.of("housed") & after
    out = {"housed_total": float(np.count_nonzero(housed))}
    out["housed_per_month"] = out["housed_total"] / months
    for scheme in (NO_SCHEME, *SCHEMES):
        out[f"housed_{scheme}_per_month"] = np.count_nonzero(housed & ev.where("scheme", scheme)) \
            / months
    for year, (y0, y1) in years.items():
        out[f"housed_{year}"] = float(np.count_nonzero(housed & (ev.t >= y0) & (ev.t < y1)))
    out["homeless_at_end"] = float(snap["homeless"][-1])
    out["in_shelter_at_end"] = float(snap["shelter_beds_busy"][-1])
    out["homeless_mean"] = _window_integral(snap, "homeless", lo, hi) / (hi - lo)
    out["homeless_in_year_per_count"] = _homeless_in_year(ev, snap)
    for route in ROUTES:
        routed = ev.of("assessment_end") & ev.where("route", route) & after
        out[f"routed_{route}"] = float(np.count_nonzero(routed))
    out["returns_to_homelessness"] = float(np.count_nonzero(ev.of("tenancy_lost") & after))
    self_exit = np.logical_or.reduce([ev.where("reason", r) for r in SELF_EXIT_REASONS])
    out["left_by_themselves"] = float(np.count_nonzero(ev.of("exit") & after & self_exit))
    for reason in HOUSED_EXIT_REASONS:
        out[reason] = float(np.count_nonzero(ev.of("exit") & after & ev.where("reason", reason)))
    for column, group in ev.equity():
        for value in group:
            mine = in_group(ev, column, value)
            out[f"housed_total__{column}_{value}"] = float(np.count_nonzero(housed & mine))
            out[f"returns_to_homelessness__{column}_{value}"] = float(
                np.count_nonzero(ev.of("tenancy_lost") & after & mine))
            out[f"left_by_themselves__{column}_{value}"] = float(
                np.count_nonzero(ev.of("exit") & after & self_exit & mine))
    return out


def _waits(ev: Events, lo: float, hi: float) -> dict[str, float]:
    """Each wait's mean and 10th, 50th and 90th percentiles, over the waits that started after
    the warm-up and ended in the run; the mean and median also by need tier, income group
    (taken at the event that ends the wait) and route."""
    out: dict[str, float] = {}
    for metric, start, end in wait_specs(ev):
        s = spans(ev, start, end, hi)
        done = s.observed & (s.start >= lo)
        waits = s.end - s.start
        out.update(_distribution(metric, waits[done]))
        for column, group in ev.equity():
            masks = {value: in_group(ev, column, value) for value in group}
            out.update(_grouped(metric, waits, done, s.end_row, column, masks))
    return out


def route_waits(ev: Events, lo: float, hi: float) -> dict[str, float]:
    """Who waits, by route: time from referral to the assessment's decision (by the route
    decided), and from becoming homeless to a place of one's own on each route (own home,
    botilbud, skæv bolig; by the route taken), with how many were placed on each."""
    out: dict[str, float] = {}
    spell_start = spell_starts(ev)
    arrivals = {route: ev.of(event) for route, event in PLACED_BY.items()}
    for metric, start, end, groups in (
            ("referral_to_decision_days_mean", ev.of("referred"), ev.of("assessment_end"),
             {route: ev.where("route", route) for route in ROUTES}),
            ("homeless_to_placed_days_mean", spell_start, ev.of(*PLACED_BY.values()),
             arrivals)):
        s = spans(ev, start, end, hi)
        done = s.observed & (s.start >= lo)
        waits = s.end - s.start
        out.update(_distribution(metric, waits[done]))
        out.update(_grouped(metric, waits, done, s.end_row, "route", groups))
    for route, mask in arrivals.items():
        out[f"placed_total__route_{route}"] = float(np.count_nonzero(mask & (ev.t >= lo)))
    return out


def _grouped(metric: str, waits: np.ndarray, done: np.ndarray, end_rows: np.ndarray,
             column: str, masks: dict[str, np.ndarray]) -> dict[str, float]:
    """A wait's mean and median in each group (a row mask, read at the event that ended the
    wait), named `<metric>__<column>_<value>`."""
    out = {}
    for value, mask in masks.items():
        mine = done & mask[np.maximum(end_rows, 0)]
        for key, v in _distribution(metric, waits[mine]).items():
            if key.endswith(("_mean", "_median")):
                out[f"{key}__{column}_{value}"] = v
    return out


def _distribution(metric: str, waits: np.ndarray) -> dict[str, float]:
    """metric (a mean) and its median, 10th and 90th percentiles, named after it."""
    stem = metric.removesuffix("_mean")
    if not len(waits):
        return {metric: math.nan, f"{stem}_median": math.nan,
                f"{stem}_p10": math.nan, f"{stem}_p90": math.nan}
    p10, p50, p90 = np.percentile(waits, [10, 50, 90])
    return {metric: float(np.mean(waits)), f"{stem}_median": float(p50),
            f"{stem}_p10": float(p10), f"{stem}_p90": float(p90)}


def _retention(ev: Events, lo: float, hi: float) -> dict[str, float]:
    """Kaplan–Meier share still housed 6, 12 and 24 months after moving in (censored at the
    horizon), overall and by need tier, income group and route."""
    s = homes(ev, ev.of("housed"), hi)
    keep = s.start >= lo
    length = s.end - s.start
    grid = np.array(list(RETENTION_DAYS.values()))
    out = dict(zip(RETENTION_DAYS, kaplan_meier_curve(length[keep], s.observed[keep], grid),
                   strict=True))
    for column, group in ev.equity():
        for value in group:
            mine = keep & in_group(ev, column, value)[s.row]
            curve = kaplan_meier_curve(length[mine], s.observed[mine], grid)
            for metric, v in zip(RETENTION_DAYS, curve, strict=True):
                out[f"{metric}__{column}_{value}"] = float(v)
    return {k: float(v) for k, v in out.items()}


def _utilisation(snap: dict, lo: float, hi: float) -> dict[str, float]:
    """Busy over capacity, integrated over the window, for every staff group and place pool."""
    out = {}
    for pool in POOL_NAMES:
        capacity = _window_integral(snap, f"{pool}_capacity", lo, hi)
        out[f"utilisation_{pool}"] = _window_integral(snap, f"{pool}_busy", lo, hi) / capacity \
            if capacity > 0 else math.nan
    return out


def unbounded_queues(snap: dict, lo: float, hi: float) -> dict[str, float]:
    """1 for a queue that grows without levelling off over the window, else 0: it grows in the
    second half at least three quarters as much as in the first, and ends over twice as long
    as it began (plus ten). Such a scenario has no steady state."""
    t = snap["time_days"]
    at = np.searchsorted(t, [lo, (lo + hi) / 2, hi], side="right") - 1
    out = {}
    for stage in QUEUE_STAGES:
        start, middle, end = snap[f"n_{stage}"][np.maximum(at, 0)]
        first, second = middle - start, end - middle
        grows = first > 0 and second >= 0.75 * first and end >= 2 * start + 10
        out[f"unbounded_{stage}"] = float(grows)
    return out


def rep_series(tables: dict[str, pa.Table], cfg: Scenario) -> dict[str, np.ndarray]:
    """Time series of one replication for interval bands: counts on the first of every month
    (from the snapshots), and Kaplan–Meier retention by month since moving in."""
    snap = tables["snapshots"]
    t = snap.column("time_days").to_numpy()
    grid = month_grid(cfg)
    at = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, len(t) - 1)
    out = {f"count:{name}": snap.column(name).to_numpy()[at].astype(float)
           for name in SERIES_COUNTS}
    ev = Events(tables["events"])
    s = homes(ev, ev.of("housed"), cfg.run.horizon_days)
    keep = s.start >= cfg.run.warmup_days
    months = RETENTION_MONTHS * DAYS_PER_MONTH
    out["retention:all"] = kaplan_meier_curve((s.end - s.start)[keep], s.observed[keep], months)
    for tier in TIERS:
        mine = keep & ev.where("need_tier", tier)[s.row]
        out[f"retention:{tier}"] = kaplan_meier_curve((s.end - s.start)[mine], s.observed[mine],
                                                     months)
    return out


def month_grid(cfg: Scenario) -> np.ndarray:
    """Run days of the first of every month in the run."""
    start, days = cfg.run.start_date, []
    year, month = start.year, start.month
    while True:
        day = (dt.date(year, month, 1) - start).days
        if day > cfg.run.horizon_days:
            return np.array(days, dtype=float)
        if day >= 0:
            days.append(float(day))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


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
    half = float(stdtrit(n - 1, 0.975) * np.std(x, ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def precise_enough(results: dict[str, list[dict[str, float]]], metrics: tuple[str, ...],
                   relative: float) -> bool:
    """Whether every metric's 95 % half-width is within `relative` of |mean| in every scenario
    (a metric with no value in any replication is left out)."""
    for per_rep in results.values():
        for metric in metrics:
            mean, low, high, n = t_interval(rep.get(metric, math.nan) for rep in per_rep)
            if n == 0 and len(per_rep) > 1:
                continue
            if n < 2 or (high - low) / 2 > relative * abs(mean):
                return False
    return True


def metric_names(per_rep: list[dict[str, float]]) -> list[str]:
    """Metric names in the order first seen."""
    return list(dict.fromkeys(name for rep in per_rep for name in rep))


def summary_table(results: dict[str, list[dict[str, float]]]) -> pa.Table:
    """scenario × metric: mean and 95 % interval over replications (summary.parquet)."""
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


def series_table(results: dict[str, list[dict[str, np.ndarray]]],
                 axes: dict[str, dict[str, np.ndarray]]) -> pa.Table:
    """scenario × series × point: mean and 95 % t-interval over replications (counts by run
    day, retention by days since moving in), for interval bands in tables and figures."""
    cols: dict[str, list] = {k: [] for k in ("scenario", "series", "x_days", "mean", "ci_low",
                                             "ci_high", "reps")}
    for scenario, per_rep in results.items():
        for name in dict.fromkeys(k for rep in per_rep for k in rep):
            stacked = np.vstack([rep[name] for rep in per_rep])
            grid = axes[scenario][name.split(":")[0]]
            for i, point in enumerate(grid):
                mean, low, high, n = t_interval(stacked[:, i])
                for key, value in zip(cols, (scenario, name, point, mean, low, high, n),
                                      strict=True):
                    cols[key].append(value)
    return pa.table({k: pa.array(v, pa.int64() if k == "reps" else None)
                     for k, v in cols.items()})


def series_axes(cfg: Scenario) -> dict[str, np.ndarray]:
    """The x axis of each kind of series: run days of month starts, months since moving in."""
    return {"count": month_grid(cfg), "retention": RETENTION_MONTHS * DAYS_PER_MONTH}


def _independent_half_width(a: np.ndarray, b: np.ndarray) -> float:
    """Half-width of a Welch 95 % interval for b − a, as if the runs were independent."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return math.nan
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    if va + vb == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(stdtrit(dof, 0.975) * math.sqrt(va + vb))


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
