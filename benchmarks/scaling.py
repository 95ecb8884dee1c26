"""Benchmark: does run time grow linearly with the size of the city?

Scales the baseline by 1, 4 and 16 — population, inflow, shelter beds, every staff group,
residential places, dwellings and subsidised dwellings together, so that per citizen nothing
changes — and runs one replication of each. "vs linear" is wall time / (scale × wall time at
scale 1): 1 when the time per event does not grow (the events grow with the scale). Beside it,
the bare heapq loop of `replication.py` with the same events and as many pending: how much of
the growth a heap of that size costs by itself. The scales take turns over the repeats, so that
a slow spell of a shared machine does not fall on one scale alone; the ratio is also given per
round, whose runs are closest in time. Its median over the rounds is the figure beside the
regression guard for ×16 (docs/performance.md); the benchmark exits 1 when the guard fails, 0
otherwise.
Usage: python benchmarks/scaling.py [--years 2] [--repeat 3] [--scales 1 4 16]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from guards import exit_code, guard
from replication import in_new_process, measured
from spread import spread

from sim import config
from sim.config import Scenario

ROOT = Path(__file__).resolve().parent.parent
STAFF = (("assessment", "caseworkers"), ("move_in", "housing_advisors"),
         ("support", "support_workers"), ("support", "department_heads"),
         ("shelter", "beds"), ("botilbud", "places"), ("skaev_bolig", "places"))
# Regression guard: 2026-12-03's 1.38 plus about 10 % (benchmarks/RESULTS.md): "vs linear" at
# a scale, the median of the rounds, at most this
GUARDS = {16: 1.5}


def scaled(cfg: Scenario, factor: int) -> Scenario:
    """The scenario with `factor` times the people, staff, places and dwellings."""
    data = cfg.model_dump(by_alias=True)
    pop = data["population"]
    pop["initial_homeless"] *= factor
    pop["initial_housed_in_support"] *= factor
    pop["inflow_per_month"] = [{**s, "value": s["value"] * factor} for s in pop["inflow_per_month"]]
    for table, key in STAFF:
        data[table][key] = [{**s, "value": s["value"] * factor} for s in data[table][key]]
    for department in data["housing"]["departments"]:
        department["dwellings"] *= factor  # the same departments, each `factor` times larger
    for scheme in ("exit_dwelling", "state_subsidy"):
        steps = data["subsidy"][scheme]["dwellings_per_year"]
        data["subsidy"][scheme]["dwellings_per_year"] = [{**s, "value": s["value"] * factor}
                                                         for s in steps]
    return Scenario.model_validate(data)


def one(factor: int, years: float) -> None:
    """Print `measured` for one replication at `factor`, as JSON (run by `in_new_process`)."""
    cfg = scaled(config.load(ROOT / "scenarios" / "baseline.toml").with_years(years), factor)
    print(json.dumps(measured(cfg, 1)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one scale, for main
    args = parser.parse_args()
    if args.one is not None:
        one(args.one, args.years)
        return 0
    print(f"baseline scaled, {args.years:g} years after warm-up, best of {args.repeat}, "
          "each run in its own process")
    print(f"{'scale':>5} {'wall s':>8} {'events':>10} {'pending':>8} {'µs/event':>9} "
          f"{'vs linear':>10}   {'floor µs/event':>14} {'floor vs linear':>15}")
    runs: dict[int, list] = {factor: [] for factor in args.scales}
    for _ in range(args.repeat):  # the scales take turns: a slow spell of the machine is shared
        for factor in args.scales:
            runs[factor].append(in_new_process(__file__, "--years", args.years, "--one", factor))
    base = args.scales[0]  # linear means as fast per unit of scale as this one
    unit = min(runs[base])[0] / base
    floor_unit = min(run[4] for run in runs[base]) / base
    for factor in args.scales:
        wall, events, _, pending, _, _ = min(runs[factor])
        floor = min(run[4] for run in runs[factor])
        ratio, floor_ratio = wall / (factor * unit), floor / (factor * floor_unit)
        print(f"{factor:>5} {wall:8.2f} {events:10,d} {pending:8,.0f} {wall / events * 1e6:9.2f} "
              f"{ratio:9.2f}x  {floor / events * 1e6:14.2f} {floor_ratio:14.2f}x")
    print("vs linear within each round (its runs close in time; median, range):")
    within = {}
    for factor in args.scales[1:]:
        rounds = [(run[0] / factor) / (first[0] / base)
                  for run, first in zip(runs[factor], runs[base], strict=True)]
        within[factor] = statistics.median(rounds)
        print(f"{factor:>5} {within[factor]:9.2f}x   ({spread(rounds)})")
    return exit_code([guard(f"x{factor} vs linear, median of rounds", within[factor],
                            at_most=bound) for factor, bound in GUARDS.items() if factor in within])


if __name__ == "__main__":
    raise SystemExit(main())
