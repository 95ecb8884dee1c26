"""Benchmark: one 10-year replication of the baseline scenario.

Prints wall time, SimPy events processed per second, recorded citizen events per second, the
ratio to a bare heapq event loop that processes as many events with a heap as large as the
model's (the floor for pure Python), and the peak memory of a replication's process. Each run
has its own process. The ratio to the floor is printed beside its regression guard
(docs/performance.md); the benchmark exits 1 when the guard fails, 0 otherwise.
Usage: python benchmarks/replication.py [--years 10] [--repeat 3] [--seed 0] [--scenario FILE]
Every repeat runs the same seed: the best of them times one workload, whose event counts are
the same from one use of the benchmark to the next.
For a change too small for this machine's noise, count instructions instead:
       valgrind --tool=callgrind python benchmarks/replication.py --years 3 --only run
minus the same with `--only none` (the set-up alone); repeated runs agree within about 0.5 %.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from guards import exit_code, guard

from sim import config
from sim.model.city import City, collector_paused

ROOT = Path(__file__).resolve().parent.parent
# Counting the pending events walks the clock's list for every later day (thousands): at every
# daily snapshot that was 10 % of a replication's time, so it is sampled about monthly.
SAMPLE_EVERY = 30
# Regression guard: 2026-12-03's 12.3 plus about 10 % (benchmarks/RESULTS.md): a replication
# at most this many times the heapq floor's time
FLOOR_GUARD = 13.5


def run_once(cfg, seed: int) -> tuple[float, int, int, float]:
    """Wall seconds, SimPy events scheduled, citizen events recorded, and the mean number of
    events pending (sampled at every SAMPLE_EVERY-th snapshot) of one replication."""
    start = time.perf_counter()
    with collector_paused():  # as in `run_replication`: freeing the city is timed too
        scheduled, recorded, pending = _replicate(cfg, seed)
    return time.perf_counter() - start, scheduled, recorded, pending


def _replicate(cfg, seed: int) -> tuple[int, int, float]:
    """`run_once`'s figures but the time; the city is garbage when this returns."""
    city = City(cfg, seed, 0)
    pending = []
    snapshot, snapshots = city.rec.snapshot, itertools.count()

    def sampled() -> None:
        if next(snapshots) % SAMPLE_EVERY == 0:
            pending.append(city.env.pending)
        snapshot()

    city.rec.snapshot = sampled
    city.run()
    recorded = city.rec.tables()["events"].num_rows
    scheduled = next(city.env._eid)  # SimPy's running event counter (private, benchmark only)
    return scheduled, recorded, float(np.mean(pending))


def heapq_floor(events: int, pending: int, seed: int = 1) -> float:
    """Wall seconds for a bare event loop: pop the next event, schedule one, `events` times,
    with `pending` events in the heap as in the model."""
    rng = np.random.default_rng(seed)
    delays = rng.exponential(10.0, events).tolist()
    heap = [(t, i, None) for i, t in enumerate(rng.exponential(10.0, pending).tolist())]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    start = time.perf_counter()
    for order, delay in enumerate(delays, start=pending):
        now, _, _ = pop(heap)
        push(heap, (now + delay, order, None))
    return time.perf_counter() - start


def in_new_process(script: str, *args, environment: dict[str, str] | None = None) -> list:
    """What `script args` prints as JSON, run in a new interpreter (with `environment` added to
    this one's): every run then starts from the same memory state (a run after another reuses
    the memory it freed, scattered)."""
    out = subprocess.run([sys.executable, script, *map(str, args)], stdout=subprocess.PIPE,
                         env={**os.environ, **(environment or {})}, text=True, check=True).stdout
    return json.loads(out)


def measured(cfg, seed: int) -> list:
    """`run_once`'s figures, the heapq floor for as many events, and the peak RSS in MiB."""
    pa.array([0])  # pyarrow imports pandas (if installed) at its first conversion: not timed
    wall, scheduled, recorded, pending = run_once(cfg, seed)
    floor = heapq_floor(scheduled, round(pending))
    return [wall, scheduled, recorded, pending, floor,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.toml")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one seed, for main
    parser.add_argument("--only", choices=["run", "none"],
                        help="one replication, silently (for callgrind; none: set-up only)")
    args = parser.parse_args()
    cfg = config.load(args.scenario).with_years(args.years)
    if args.only:
        pa.array([0])  # as in `measured`: Arrow's first conversion is set-up
        if args.only == "run":
            run_once(cfg, args.seed)
        return 0
    if args.one is not None:
        print(json.dumps(measured(cfg, args.one)))
        return 0
    runs = [in_new_process(__file__, "--years", args.years, "--scenario", args.scenario,
                           "--one", args.seed) for _ in range(args.repeat)]
    wall, scheduled, recorded, pending, _, _ = min(runs)
    floor = min(run[4] for run in runs)
    peak_mib = max(run[5] for run in runs)
    simulated = cfg.run.horizon_days / 365.25
    print(f"scenario {cfg.name}, seed {args.seed}, {args.years:g} years after warm-up "
          f"({simulated:.1f} simulated), best of {args.repeat}, each run in its own process")
    walls = ", ".join(f"{r[0]:.2f}" for r in runs)
    print(f"wall time           {wall:8.2f} s   (all runs: {walls})")
    print(f"SimPy events        {scheduled:8d}     {scheduled / wall:10,.0f} per s")
    print(f"recorded events     {recorded:8d}     {recorded / wall:10,.0f} per s")
    print(f"heapq floor         {floor:8.2f} s   same events, {pending:,.0f} pending")
    print(f"peak memory (RSS)   {peak_mib:8.1f} MiB")
    return exit_code([guard("replication time / heapq floor", wall / floor, at_most=FLOOR_GUARD,
                            spec=".1f")])


if __name__ == "__main__":
    raise SystemExit(main())
