"""Benchmark: sweeps in parallel, and the memory of a sweep as it grows.

1. 32 replications of the default scenario (baseline.toml, its full horizon) as a one-point
   sweep: serially, with a process pool of 2 and with a Dask LocalCluster of 2 workers. Prints
   wall times and parallel efficiency = serial time / (workers × parallel time), against the
   goals 0.90 (pool) and 0.80 (Dask). Dask's time includes starting the cluster.
2. Peak memory (parent and the largest worker, Linux) of a sweep of 100 and of 1,000
   replications of a short variant of the baseline (30-day warm-up, 90 days after it), each in
   a fresh process with a pool of 2; goal: the same within 20 %.

Run it on an otherwise idle machine. Usage:
    python benchmarks/sweep.py [--reps 32] [--workers 2] [--memory-reps 100 1000] [--skip-dask]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
GOALS = {"pool": 0.90, "dask": 0.80}

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


def efficiency(folder: Path, reps: int, workers: int, dask: bool) -> None:
    design = write_design(folder, BASELINE, reps)
    serial = timed_sweep(design, folder / "serial", ["--workers", "1"])
    print(f"{reps} replications of baseline.toml, one sweep each")
    print(f"  serial          {serial:7.1f} s")
    runs = {"pool": ["--workers", str(workers)]}
    if dask:
        runs["dask"] = ["--scheduler", "local", "--workers", str(workers)]
    summaries = {"serial": (folder / "serial" / "summary.parquet").read_bytes()}
    for name, options in runs.items():
        wall = timed_sweep(design, folder / name, options)
        eff = serial / (workers * wall)
        mark = "meets" if eff >= GOALS[name] else "MISSES"
        print(f"  {name:<5} of {workers}       {wall:7.1f} s   efficiency {eff:.2f} "
              f"({mark} the goal {GOALS[name]:.2f})")
        summaries[name] = (folder / name / "summary.parquet").read_bytes()
    same = len(set(summaries.values())) == 1
    print(f"  summaries byte-identical across executors: {same}")


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


def memory(folder: Path, counts: list[int], workers: int) -> None:
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
    print(f"  growth {min(counts)} -> {max(counts)}: parent {growth[0]:+.0%}, worker "
          f"{growth[1]:+.0%} (goal: within ±20 %)")
    print(json.dumps({"memory_kib": {str(k): v for k, v in peaks.items()}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-reps", type=int, nargs=2, default=[100, 1000])
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        efficiency(folder, args.reps, args.workers, dask=not args.skip_dask)
        if not args.skip_memory:
            memory(folder, args.memory_reps, args.workers)


if __name__ == "__main__":
    main()
