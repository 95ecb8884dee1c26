"""Benchmark: does run time grow linearly with the size of the city?

Scales the baseline by 1, 4 and 16 — population, inflow, shelter beds, every staff group,
residential places, dwellings and subsidised dwellings together, so that per citizen nothing
changes — and
runs one replication of each. Linear means wall time / (scale × wall time at scale 1) within
1 ± 0.15. Beside it, the bare heapq loop of `replication.py` with the same events and as many
pending: how much of the growth a heap of that size costs by itself.
Usage: python benchmarks/scaling.py [--years 2] [--repeat 3] [--scales 1 4 16]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from replication import heapq_floor, run_once

from sim import config
from sim.config import Scenario

ROOT = Path(__file__).resolve().parent.parent
STAFF = (("assessment", "caseworkers"), ("move_in", "housing_advisors"),
         ("support", "support_workers"), ("support", "department_heads"),
         ("shelter", "beds"), ("botilbud", "places"), ("skaev_bolig", "places"))
TOLERANCE = 0.15


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    base = config.load(ROOT / "scenarios" / "baseline.toml").with_years(args.years)
    print(f"baseline scaled, {args.years:g} years after warm-up, best of {args.repeat}")
    print(f"{'scale':>5} {'wall s':>8} {'events':>10} {'pending':>8} {'µs/event':>9} "
          f"{'vs linear':>10}   {'floor µs/event':>14} {'floor vs linear':>15}")
    unit = floor_unit = None
    for factor in args.scales:
        cfg = scaled(base, factor)
        wall, events, _, pending = min(run_once(cfg, 1) for _ in range(args.repeat))
        floor = min(heapq_floor(events, round(pending)) for _ in range(args.repeat))
        unit = unit or wall / factor
        floor_unit = floor_unit or floor / factor
        ratio, floor_ratio = wall / (factor * unit), floor / (factor * floor_unit)
        verdict = "linear" if abs(ratio - 1) <= TOLERANCE else "NOT linear"
        print(f"{factor:>5} {wall:8.2f} {events:10,d} {pending:8,.0f} {wall / events * 1e6:9.2f} "
              f"{ratio:9.2f}x  {floor / events * 1e6:14.2f} {floor_ratio:14.2f}x  {verdict}")


if __name__ == "__main__":
    main()
