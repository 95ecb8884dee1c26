"""Where a replication's time goes, from a py-spy profile: shares of the samples by layer.

Record one replication of `replication.py` (its set-up, imports and all) as py-spy's raw,
collapsed stacks, then summarise them:

    py-spy record --rate 500 --format raw -o profile.txt -- \\
        python benchmarks/replication.py --only run
    python benchmarks/profile_shares.py profile.txt

Each sample inside the timed replication (`run_once`) goes to the layer of the function it was
in (its innermost frame): the event loop (the clock's own methods: popping, scheduling, filing
by day; `Clock.pending`, the benchmark's own count, is about 1 % of it), processes, pools and
interrupts (resuming a citizen's generator, starting and ending processes, the pools, SimPy's
interrupts and conditions), recording (`recorder.py`), random draws (`rng.py`), the model's own
work (everything else inside the run: stages, decisions, the allocation), or outside the run
(building the city, making its tables, freeing it). Ends with the ten lines with most samples.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

TIMED = "run_once ("  # replication.py's timed function
RUN = "City.run ("
CLOCK = ("sim/engine/clock.py", "Clock.")  # its file and the prefix of its own methods
LOOP = "event loop"
LAYERS = (("processes, pools, interrupts", ("sim/engine/clock.py", "sim/engine/pools.py",
                                            "simpy/")),
          ("recording", ("sim/engine/recorder.py",)), ("random draws", ("sim/engine/rng.py",)))
MODEL = "model's own work"
OUTSIDE = "outside the run (build, tables, freeing)"
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?):(?P<line>\d+)\)$")


def layer(frames: list[str]) -> str:
    """The layer a sample's stack belongs to (see the module's docstring)."""
    if not any(frame.startswith(RUN) for frame in frames):
        return OUTSIDE
    found = FRAME.match(frames[-1])
    function, file = (found["function"], found["file"]) if found else ("", frames[-1])
    if file.endswith(CLOCK[0]) and function.startswith(CLOCK[1]):
        return LOOP
    return next((name for name, paths in LAYERS if any(path in file for path in paths)), MODEL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path, help="py-spy record --format raw output")
    args = parser.parse_args()
    layers: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    for row in args.profile.read_text(encoding="utf-8").splitlines():
        stack, _, count = row.rpartition(" ")
        frames = stack.split(";")
        if not any(frame.startswith(TIMED) for frame in frames):
            continue  # imports, reading the scenario: not part of the replication
        layers[layer(frames)] += int(count)
        lines[frames[-1]] += int(count)
    total = sum(layers.values())
    print(f"{total:,} samples in the timed replication")
    for name in [LOOP, *(name for name, _ in LAYERS), MODEL, OUTSIDE]:
        print(f"  {layers[name] / total:6.1%}  {name}")
    print("lines with most samples:")
    for frame, count in lines.most_common(10):
        print(f"  {count / total:6.1%}  {frame}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
