"""Benchmark: what 2 MiB transparent huge pages do to a replication, in alternating pairs.

Python's allocator cannot ask for huge pages; glibc's malloc can (since 2.35), so a process
started with `HUGE_PAGES` keeps its objects on them. That spares a large city's scattered reads
the misses in the processor's page-address cache (TLB), at the price of glibc's malloc, which
takes more instructions than Python's own. Runs one replication of the baseline scaled by each
factor (as `scaling.py` does) in a new process with and in one without, by turns, so that a slow
spell of a shared machine falls on both alike; prints every pair and the median ratio.
Usage: python benchmarks/huge_pages.py [--pairs 6] [--years 2] [--scales 1 16]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from replication import in_new_process
from spread import spread

SCALING = str(Path(__file__).resolve().parent / "scaling.py")
HUGE_PAGES = {"PYTHONMALLOC": "malloc", "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()
    print(f"baseline scaled, {args.years:g} years after warm-up; wall s without and with "
          f"{' '.join(f'{k}={v}' for k, v in HUGE_PAGES.items())}")
    for factor in args.scales:
        ratios = []
        for _ in range(args.pairs):
            run = ("--years", args.years, "--one", factor)
            without = in_new_process(SCALING, *run, environment={})[0]
            with_huge = in_new_process(SCALING, *run, environment=HUGE_PAGES)[0]
            ratios.append(with_huge / without)
            print(f"x{factor:<3} {without:7.2f} {with_huge:7.2f}   {with_huge / without:5.2f}")
        print(f"x{factor:<3} median ratio {statistics.median(ratios):.2f} "
              f"(range {spread(ratios)}) over {args.pairs} pairs")


if __name__ == "__main__":
    main()
