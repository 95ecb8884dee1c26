"""Benchmark: one 10-year replication of the baseline scenario.

Prints wall time, SimPy events processed per second, recorded citizen events per second and
the process's peak memory. Usage: python benchmarks/replication.py [--years 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from sim import config
from sim.city import City

ROOT = Path(__file__).resolve().parent.parent


def run_once(cfg, seed: int) -> tuple[float, int, int]:
    """Wall seconds, SimPy events scheduled and citizen events recorded in one replication."""
    start = time.perf_counter()
    city = City(cfg, seed, 0)
    city.run()
    tables = city.rec.tables()
    wall = time.perf_counter() - start
    scheduled = next(city.env._eid)  # SimPy's running event counter (private, benchmark only)
    return wall, scheduled, tables["events"].num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.toml")
    args = parser.parse_args()
    cfg = config.load(args.scenario).with_years(args.years)
    runs = [run_once(cfg, seed) for seed in range(args.repeat)]
    best = min(runs)
    wall, scheduled, recorded = best
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    simulated = cfg.run.horizon_days / 365.25
    print(f"scenario {cfg.name}, {args.years:g} years after warm-up ({simulated:.1f} simulated), "
          f"best of {args.repeat}")
    walls = ", ".join(f"{r[0]:.2f}" for r in runs)
    print(f"wall time           {wall:8.2f} s   (all runs: {walls})")
    print(f"SimPy events        {scheduled:8d}     {scheduled / wall:10,.0f} per s")
    print(f"recorded events     {recorded:8d}     {recorded / wall:10,.0f} per s")
    print(f"peak memory (RSS)   {peak_mib:8.1f} MiB")


if __name__ == "__main__":
    main()
