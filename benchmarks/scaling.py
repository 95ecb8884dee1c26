"""Benchmark: does run time grow linearly with the size of the city?

Scales the baseline by 1, 4 and 16 — population, inflow, shelter beds, every staff group,
residential places, dwellings and subsidised dwellings together, so that per citizen nothing
changes — and
runs one replication of each. Linear means wall time / (scale × wall time at scale 1) within
1 ± 0.15. Usage: python benchmarks/scaling.py [--years 2] [--repeat 3] [--scales 1 4 16]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim import config
from sim.city import City
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


def run_once(cfg: Scenario) -> tuple[float, int]:
    start = time.perf_counter()
    city = City(cfg, 1, 0)
    city.run()
    city.rec.tables()
    return time.perf_counter() - start, next(city.env._eid)  # SimPy's event counter (private)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    base = config.load(ROOT / "scenarios" / "baseline.toml").with_years(args.years)
    print(f"baseline scaled, {args.years:g} years after warm-up, best of {args.repeat}")
    print(f"{'scale':>5} {'wall s':>8} {'events':>10} {'µs/event':>9} {'vs linear':>10}")
    unit = None
    for factor in args.scales:
        cfg = scaled(base, factor)
        wall, events = min(run_once(cfg) for _ in range(args.repeat))
        unit = unit or wall / factor
        ratio = wall / (factor * unit)
        verdict = "linear" if abs(ratio - 1) <= TOLERANCE else "NOT linear"
        print(f"{factor:>5} {wall:8.2f} {events:10,d} {wall / events * 1e6:9.2f} {ratio:9.2f}x"
              f"  {verdict}")


if __name__ == "__main__":
    main()
