"""How much each factor of a sweep moves each chosen metric, from the sweep's per-replication
metrics only:

- sobol: Sobol' first-order and total indices with bootstrap 95 % intervals, through SALib (the
  `sensitivity` extra), on the point means over replications;
- grid: one-at-a-time arc elasticities (% change in the metric per % change in the factor,
  from its lowest to its highest level, the other factors at their middle level), computed
  replication by replication (common random numbers) with a 95 % t-interval;
- lhs: Spearman rank correlations of factor and point mean with a Fisher-z 95 % interval.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from sim.analysis.metrics import t_interval
from sim.config.design import Sweep

BOOTSTRAP_RESAMPLES = 1000
Row = tuple[str, str, str, float, float, float, int]


def table(sweep: Sweep, per_point: list[list[dict[str, float]]]) -> pa.Table:
    """metric × factor × index: value, ci_low, ci_high and n (replications or samples).
    Raises ImportError for sobol when SALib is not installed."""
    method = {"sobol": sobol_rows, "grid": elasticity_rows, "lhs": rank_correlation_rows}
    rows = method[sweep.design.method](sweep, per_point)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    return pa.table({
        "metric": pa.array(columns[0], pa.string()),
        "factor": pa.array(columns[1], pa.string()),
        "index": pa.array(columns[2], pa.string()),
        "value": pa.array(columns[3], pa.float64()),
        "ci_low": pa.array(columns[4], pa.float64()),
        "ci_high": pa.array(columns[5], pa.float64()),
        "n": pa.array(columns[6], pa.int64()),
    })


def point_means(per_point: list[list[dict[str, float]]], metric: str) -> np.ndarray:
    """Each point's mean of a metric over its replications (NaN where it has none)."""
    return np.array([t_interval(rep.get(metric, math.nan) for rep in reps)[0]
                     for reps in per_point])


def sobol_rows(sweep: Sweep, per_point: list[list[dict[str, float]]]) -> list[Row]:
    from SALib.analyze import sobol  # the sensitivity extra

    factors = sweep.design.factors
    problem = {"num_vars": len(factors), "names": list(sweep.paths),
               "bounds": [[f.low, f.high] for f in factors]}
    n = sweep.design.samples
    rows: list[Row] = []
    for metric in sweep.design.metrics:
        y = point_means(per_point, metric)
        if not np.all(np.isfinite(y)):
            continue  # a point without a value: indices would be meaningless
        if np.ptp(y) == 0:  # nothing moves it: every index is zero (SALib would divide by 0)
            found = {key: np.zeros(len(factors)) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            found = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                                  num_resamples=BOOTSTRAP_RESAMPLES, seed=sweep.design.seed)
        for i, path in enumerate(sweep.paths):
            for index, key in (("first_order", "S1"), ("total", "ST")):
                value, half = float(found[key][i]), float(found[f"{key}_conf"][i])
                rows.append((metric, path, index, value, value - half, value + half, n))
    return rows


def elasticity_rows(sweep: Sweep, per_point: list[list[dict[str, float]]]) -> list[Row]:
    levels = [sorted(set(f.levels)) for f in sweep.design.factors]
    middle = [lv[(len(lv) - 1) // 2] for lv in levels]
    where = {values: point for point, values in enumerate(sweep.values)}
    rows: list[Row] = []
    for i, path in enumerate(sweep.paths):
        if len(levels[i]) < 2:
            continue
        low, high = (tuple(v if j != i else end for j, v in enumerate(middle))
                     for end in (levels[i][0], levels[i][-1]))
        x_change = _relative_change(levels[i][0], levels[i][-1])
        for metric in sweep.design.metrics:
            per_rep = [_relative_change(a.get(metric, math.nan), b.get(metric, math.nan))
                       / x_change for a, b in zip(per_point[where[low]], per_point[where[high]],
                                                  strict=True)]
            mean, ci_low, ci_high, n = t_interval(per_rep)
            rows.append((metric, path, "elasticity", mean, ci_low, ci_high, n))
    return rows


def _relative_change(a: float, b: float) -> float:
    """(b − a) over the midpoint of a and b (arc change); NaN when the midpoint is 0."""
    middle = (a + b) / 2
    return (b - a) / middle if middle else math.nan


def rank_correlation_rows(sweep: Sweep, per_point: list[list[dict[str, float]]]) -> list[Row]:
    from scipy import stats  # here, not at the top: a sweep's workers import this module
    # (through sim.sweep) and would wait 0.9 s for scipy.stats, which only the parent uses

    x = np.array(sweep.values)
    rows: list[Row] = []
    for metric in sweep.design.metrics:
        y = point_means(per_point, metric)
        keep = np.isfinite(y)
        n = int(keep.sum())
        for i, path in enumerate(sweep.paths):
            rho = float(stats.spearmanr(x[keep, i], y[keep]).statistic) if n > 3 else math.nan
            half = 1.96 / math.sqrt(n - 3) if n > 3 else math.nan
            z = math.atanh(max(min(rho, 1 - 1e-12), -1 + 1e-12)) if math.isfinite(rho) \
                else math.nan
            rows.append((metric, path, "rank_correlation", rho, math.tanh(z - half),
                         math.tanh(z + half), n))
    return rows
