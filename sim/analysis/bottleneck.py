"""Which stage chokes: utilisation and queue growth of every stage over a window, from the
snapshots' `<pool>_capacity`, `<pool>_busy`, `<pool>_queue` and `n_<stage>` columns only.

A stage is under pressure when its resource is (nearly) always busy and its queue grows faster
than in the reference; the bottleneck is the pressured stage whose queue grows most beyond the
reference's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.analysis.records import in_force, window_integral
from sim.config import DAYS_PER_YEAR
from sim.config.stages import POOLS

SATURATED = 0.9  # utilisation above which a resource counts as (nearly) always busy


@dataclass(frozen=True)
class Stage:
    """A stage of the path, the pool that serves it (if any) and the column of its queue."""

    name: str
    pool: str | None
    queue: str


# Every pool of the registry, and the allocation queue, which has none: dwellings come from
# vacancies. Under the support gate a citizen waits for bostøtte capacity in the allocation
# queue, so the support workers' own queue stays empty and their pressure shows as utilisation.
STAGES = (*(Stage(pool.serves, pool.name, f"{pool.name}_queue") for pool in POOLS),
          Stage("dwellings (allocation queue)", None, "n_awaiting_housing"))


def columns() -> list[str]:
    """Snapshot columns the stage table reads."""
    out = ["time_days"]
    for stage in STAGES:
        if stage.pool is not None:
            out += [f"{stage.pool}_busy", f"{stage.pool}_capacity"]
        out.append(stage.queue)
    return out


def stage_load(snap: pa.Table, lo: float, hi: float) -> dict[str, tuple[float, float]]:
    """Per stage: (utilisation over [lo, hi], queue growth in citizens a year over it)."""
    t = snap.column("time_days").to_numpy()
    out = {}
    for stage in STAGES:
        use = math.nan
        if stage.pool is not None:
            capacity = window_integral(t, snap.column(f"{stage.pool}_capacity").to_numpy(), lo, hi)
            busy = window_integral(t, snap.column(f"{stage.pool}_busy").to_numpy(), lo, hi)
            use = busy / capacity if capacity > 0 else math.nan
        queue = snap.column(stage.queue).to_numpy()
        growth = (in_force(t, queue, hi) - in_force(t, queue, lo)) / ((hi - lo) / DAYS_PER_YEAR)
        out[stage.name] = (use, growth)
    return out


def mean_load(loads: list[dict[str, tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """Stage loads averaged over replications."""
    return {name: tuple(float(np.mean([load[name][i] for load in loads])) for i in (0, 1))
            for name in loads[0]}


def pressured(load: dict[str, tuple[float, float]], ref: dict[str, tuple[float, float]]
              ) -> list[str]:
    """Stages whose resource is saturated (or who have none) and whose queue grows faster than
    in the reference, most excess growth first."""
    excess = {name: growth - ref[name][1] for name, (use, growth) in load.items()
              if (math.isnan(use) or use >= SATURATED) and growth - ref[name][1] > 0}
    return sorted(excess, key=excess.get, reverse=True)


def table(load: dict, ref: dict) -> str:
    """Utilisation and queue growth per stage, scenario beside reference."""
    head = ("stage", "utilisation ref", "utilisation", "queue growth/yr ref", "queue growth/yr")
    rows = [head]
    for name, (use, growth) in load.items():
        rows.append((name, _share(ref[name][0]), _share(use), f"{ref[name][1]:+.0f}",
                     f"{growth:+.0f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                     for r in rows)


def _share(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"
