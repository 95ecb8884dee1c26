"""Benchmark: sweeps in parallel, and the memory of a sweep as it grows.

1. 32 replications of the default scenario (baseline.toml, its full horizon) as a one-point
   sweep: serially, with a process pool of 2 and with a Dask LocalCluster of 2 workers. Prints
   wall times and parallel efficiency = serial time / (workers × parallel time), beside the
   guards 0.90 (pool) and 0.72 (Dask). Dask's time includes starting the cluster. The three
   take turns for `--rounds` rounds, and each round's runs are compared with each other: this
   VM's noise moved one Dask run from 29 to 38 s.
2. Peak memory (parent and the largest worker, Linux) of a sweep of 100 and of 1,000
   replications of a short variant of the baseline (30-day warm-up, 90 days after it), each in
   a fresh process with a pool of 2; guard: at most 20 % more for 1,000.

The guards are regression guards (docs/performance.md); the benchmark exits 1 when one fails,
0 otherwise. Run it on an otherwise idle machine. Usage:
    python benchmarks/sweep.py [--reps 32] [--rounds 3] [--workers 2] [--memory-reps 100 1000]
                               [--skip-dask] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from guards import exit_code, guard
from spread import spread

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
# Regression guards (benchmarks/RESULTS.md): parallel efficiency at least this (the pool's is
# the issue's goal, 2026-11-26's 0.97 less 7 %; Dask's median, 0.80, sat at its goal, so its
# guard is that less 10 %) ...
EFFICIENCY_GUARDS = {"pool": 0.90, "dask": 0.72}
MEMORY_GUARD = 0.20  # ... and a sweep's peak memory at most this much larger for 10 times the reps

ONE_POINT = """
name = "bench"
base = "{base}"
method = "grid"
reps = {reps}
seed = 2024
metrics = ["housed_per_month"]

[[factors]]
path = "allocation.quota_share"   # one level: the baseline's own value
levels = [0.3333333333333333]
"""

SHORT = """
extends = "{baseline}"
name = "short"
[run]
warmup_days = 30
end_date = 2023-04-30
"""

CHILD = """
import resource, sys
from sim.cli import main
code = main(sys.argv[1:])
print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
POLL_SECONDS = 0.2


def write_design(folder: Path, base: Path, reps: int) -> Path:
    path = folder / f"bench-{base.stem}-{reps}.toml"
    path.write_text(ONE_POINT.format(base=base.as_posix(), reps=reps), encoding="utf-8")
    return path


def timed_sweep(design: Path, out: Path, options: list[str]) -> float:
    """Wall seconds of `run_sim.py sweep` in a fresh process (start-up included)."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "run_sim.py"), "sweep", str(design), "--out",
                    str(out), "--quiet", *options], check=True, cwd=ROOT,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def efficiency(folder: Path, reps: int, workers: int, dask: bool, rounds: int) -> list[bool]:
    """Serial, pool and Dask in turn, `rounds` times: each round's efficiencies compare runs
    close in time, so a slow spell of a shared machine falls on one round, not one executor.
    Whether each parallel executor's median efficiency kept its guard."""
    design = write_design(folder, BASELINE, reps)
    runs = {"serial": ["--workers", "1"], "pool": ["--workers", str(workers)]}
    if dask:
        runs["dask"] = ["--scheduler", "local", "--workers", str(workers)]
    walls: dict[str, list[float]] = {name: [] for name in runs}
    summaries = set()
    for _ in range(rounds):
        for name, options in runs.items():
            walls[name].append(timed_sweep(design, folder / name, options))
            summaries.add((folder / name / "summary.parquet").read_bytes())
    print(f"{reps} replications of baseline.toml, one sweep each; {rounds} rounds taking turns, "
          "medians (range)")
    print(f"  serial          {statistics.median(walls['serial']):7.1f} s   "
          f"({spread(walls['serial'], '.1f')})")
    medians = {}
    for name in [name for name in runs if name != "serial"]:
        effs = [serial / (workers * wall) for serial, wall in zip(walls["serial"], walls[name],
                                                                  strict=True)]
        medians[name] = statistics.median(effs)
        print(f"  {name:<5} of {workers}       {statistics.median(walls[name]):7.1f} s   "
              f"efficiency {medians[name]:.2f} ({spread(effs)})")
    print(f"  summaries byte-identical across executors and rounds: {len(summaries) == 1}")
    return [guard(f"{name} efficiency, median of rounds", eff, at_least=EFFICIENCY_GUARDS[name],
                  unit="") for name, eff in medians.items()]


def peak_kib(pid: int) -> int:
    """A process's peak resident memory so far (Linux /proc: VmHWM), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmHWM")), 0)


def python_children(pid: int) -> list[int]:
    """The process's child processes that run Python (the pool's workers, not `git`)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(k) for k in kids if "python" in Path(f"/proc/{k}/comm").read_text()]
    except OSError:  # a child ended while we looked
        return []


def measured_sweep(design: Path, out: Path, workers: int) -> tuple[int, int, float]:
    """Run a sweep in a fresh process; return its peak memory, the largest worker's peak (both
    KiB; workers are polled, as a child forked from a large parent would report the parent's
    memory) and the wall seconds."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", CHILD, "sweep", str(design), "--out",
                                str(out), "--quiet", "--workers", str(workers)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    worker = 0
    while process.poll() is None:
        worker = max([worker, *(peak_kib(k) for k in python_children(process.pid))])
        time.sleep(POLL_SECONDS)
    stdout, stderr = process.communicate()
    code, parent = map(int, stdout.split()[-2:])
    assert code == 0, stderr
    return parent, worker, time.perf_counter() - start


def memory(folder: Path, counts: list[int], workers: int) -> list[bool]:
    """Peak memory of a sweep of each count of replications; whether the growth from the
    smallest to the largest kept its guard, in the parent and in the largest worker."""
    short = folder / "short.toml"
    short.write_text(SHORT.format(baseline=BASELINE.as_posix()), encoding="utf-8")
    print(f"peak memory of a sweep (short scenario, pool of {workers})")
    peaks = {}
    for reps in counts:
        parent, worker, wall = measured_sweep(write_design(folder, short, reps),
                                              folder / f"memory-{reps}", workers)
        peaks[reps] = (parent, worker)
        print(f"  {reps:>5} replications  parent {parent / 1024:6.0f} MiB   largest worker "
              f"{worker / 1024:6.0f} MiB   ({wall:.0f} s)")
    small, large = peaks[min(counts)], peaks[max(counts)]
    growth = [b / a - 1 for a, b in zip(small, large, strict=True)]
    print(json.dumps({"memory_kib": {str(k): v for k, v in peaks.items()}}))
    return [guard(f"{who} memory, {max(counts)} vs {min(counts)} reps", grew,
                  at_most=MEMORY_GUARD, spec="+.0%", unit="")
            for who, grew in zip(("parent", "worker"), growth, strict=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-reps", type=int, nargs=2, default=[100, 1000])
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        held = efficiency(folder, args.reps, args.workers, not args.skip_dask, args.rounds)
        if not args.skip_memory:
            held += memory(folder, args.memory_reps, args.workers)
    return exit_code(held)


if __name__ == "__main__":
    raise SystemExit(main())
