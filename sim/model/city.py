"""The simulated city for one replication: clock, named random streams, staff and places, the
housing departments, the population and the recorder — and `run_replication`, the one pure
function every executor calls."""

from __future__ import annotations

import gc
from contextlib import contextmanager

import pyarrow as pa

from sim.config import Scenario
from sim.config.stages import CAPACITIES, POOLS, STAFF_GROUPS
from sim.config.steps import value_at
from sim.engine.clock import Clock
from sim.engine.pools import Pool, follow_schedule
from sim.engine.recorder import Recorder
from sim.engine.rng import Durations, Uniforms
from sim.model import pathway, population
from sim.model.allocation import Allocation
from sim.model.staffing import Recruitment


class Streams(dict):
    """Named uniform streams of one replication, created on first use."""

    def __init__(self, seed: int, rep: int) -> None:
        super().__init__()
        self.seed, self.rep = seed, rep

    def __missing__(self, name: str) -> Uniforms:
        self[name] = Uniforms(self.seed, self.rep, name)
        return self[name]


class City:
    """Everything one replication shares: built from a frozen scenario, never changing it."""

    def __init__(self, cfg: Scenario, seed: int, rep: int) -> None:
        self.cfg = cfg
        self.env = env = Clock(window=1.0)  # the heap holds one day of events, not all pending
        self.start = cfg.run.start_date
        self.draw = Streams(seed, rep)
        self.dur = Durations(cfg.run.duration_distribution)
        self.citizens = 0
        self.pools = {cap.name: Pool(env, cap.name) for cap in POOLS}
        self.staff = dict.fromkeys(STAFF_GROUPS, 0.0)  # headcounts, kept by the schedules
        self.rec = Recorder(env, list(self.pools.values()), self.staff)
        self._schedule_capacities()
        self.allocation = Allocation(self)
        population.initial(self)
        env.process(population.inflow(self))
        self.allocation.start()

    def _schedule_capacities(self) -> None:
        """Staffing and places follow their dated steps (the registry says where they are);
        each staff member carries a caseload. Places change on the step's date; staff posts a
        step adds are filled over the recruitment period (`staffing.py`), fewer apply at once."""
        for cap in CAPACITIES:
            table = getattr(self.cfg, cap.table)
            steps = getattr(table, cap.steps)
            units = getattr(table, cap.caseload) if cap.caseload else 1.0
            apply = self._applier(cap.staff_group, self.pools.get(cap.name), units)
            first = value_at(steps, 0.0, self.start)
            apply(first)
            if cap.staff_group is not None:
                apply = Recruitment(self, cap.staff_group, first, apply).step
            self.env.process(follow_schedule(self.env, steps, self.start, apply))

    def _applier(self, group: str | None, pool: Pool | None, units: float):
        def apply(value: float) -> None:
            if group is not None:
                self.staff[group] = value
            if pool is not None:
                pool.set_capacity(value * units)
        return apply

    def run(self) -> None:
        """Settle the starting population (everything due at time 0), then run to the horizon
        with a snapshot every interval and one at the horizon itself."""
        env = self.env
        while env.peek() <= 0.0:
            env.step()
        env.process(self._snapshots())
        env.run(until=self.cfg.run.horizon_days)
        self.rec.snapshot()

    def _snapshots(self):
        interval, horizon = self.cfg.run.snapshot_interval_days, self.cfg.run.horizon_days
        while self.env.now < horizon:
            self.rec.snapshot()
            yield self.env.timeout(interval)

    def caseload_weight(self, tier: str) -> float:
        return getattr(self.cfg.support.caseload_weight, tier)

    def start_life(self, c, stage: str, inside_shelter: bool = False) -> None:
        c.main = self.env.process(pathway.life(self, c, stage, inside_shelter))


def run_replication(cfg: Scenario, seed: int, rep: int) -> dict[str, pa.Table]:
    """Run one replication to the horizon; same inputs give the same tables, anywhere."""
    with collector_paused():
        city = City(cfg, seed, rep)
        city.run()
        tables = city.rec.tables()
        del city  # garbage now, and all of it young: the collection on leaving frees it
    return tables


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a city is built, run and recorded, and
    collect only the youngest generation on leaving.

    Every object made in the block is then still young, so a city dropped in it is freed by
    walking the city once. With the collector on, its full collections walked every live object
    over and over (a city 8 times as large took 2 times as long per event), and each city was
    walked several more times before it was freed. The model leaves few cycles while it runs, so
    memory peaks as high without the collector."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        if collecting:
            gc.enable()
