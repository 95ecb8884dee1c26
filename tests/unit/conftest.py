"""Fixtures for unit tests: scenario files derived from the shipped baseline, and a small
hand-built city for the tests of the model stages."""

from __future__ import annotations

import math
from pathlib import Path
from textwrap import dedent

import pytest

from sim import config
from sim.config import Scenario
from sim.model.city import City
from sim.model.population import new_citizen
from sim.model.support import assess_need

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def make_scenario(tmp_path):
    """Write `<name>.toml` into tmp_path: extends the baseline (or `extends`), adds `body`."""

    def make(body: str = "", name: str = "variant", extends: str | Path | None = None,
             scenario_name: str | None = None) -> Path:
        parent = Path(extends) if extends is not None else SCENARIOS / "baseline.toml"
        shown = name if scenario_name is None else scenario_name
        head = f'extends = "{parent.as_posix()}"\nname = "{shown}"\n'
        path = tmp_path / f"{name}.toml"
        path.write_text(head + dedent(body), encoding="utf-8")
        return path

    return make


# --- a small hand-built city for the unit tests of the model stages ---------------------------
# Everything that knows how a City is built, how a citizen is put into it, and where its queue
# and pools are, is in `SmallCity`: a change to the model's construction is adapted here. Tests
# drive the stages through their public functions and read the effects from the recorder's
# tables, the allocation queue and the pools.

SMALL = Path(__file__).resolve().parent / "data" / "small.toml"


def _merge(base: dict, override: dict, start) -> dict:
    """Deep-merge `override` into scenario data. A plain number where the scenario has dated
    steps becomes one step from the run start; `departments` may be {id: {column: value}}."""
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if key == "departments" and isinstance(value, dict):
            out[key] = [{**row, **value.get(row["department"], {})} for row in current]
        elif isinstance(value, dict) and isinstance(current, dict):
            out[key] = _merge(current, value, start)
        elif isinstance(value, int | float) and isinstance(current, list | tuple):
            out[key] = [{"from": start, "value": float(value)}]
        else:
            out[key] = value
    return out


def small_scenario(**sections):
    """tests/unit/data/small.toml with `sections` ({table: {key: value}}) merged in, validated
    into a new frozen Scenario (the loaded one is never changed)."""
    base = config.load(SMALL)
    data = _merge(base.model_dump(by_alias=True), sections, base.run.start_date)
    return Scenario.model_validate(data)


class SmallCity:
    """A `City` built from the small scenario, and the few ways the tests act on it.

    The small city is deterministic and empty: fixed durations, no inflow, no initial
    population, no self-exits, no shelter use, no vacancies of its own (department 1, open, and
    department 2, shielded, have no turnover); every citizen needs 1 room, can pay 3500 DKK a
    month, is of the low need tier with municipal support; nobody refuses an offer.
    """

    def __init__(self, seed: int = 1, rep: int = 0, **sections) -> None:
        self.city = City(small_scenario(**sections), seed, rep)
        self.cfg, self.env, self.rec = self.city.cfg, self.city.env, self.city.rec

    def run(self, until: float) -> None:
        """Run the city up to day `until` (not processing events due then)."""
        if until > self.env.now:
            self.env.run(until=until)

    def settle(self) -> None:
        """Process every event due now (new processes take their first step), as `City.run`
        does before its first snapshot."""
        while self.env.peek() <= self.env.now:
            self.env.step()

    def arrive(self, stage: str = "awaiting_housing", *, rooms_needed: int | None = None,
               affordable_rent: float | None = None, tier: str | None = None,
               provider: str | None = None, tenancy_budget: float | None = None,
               exit_budget: float | None = None):
        """A citizen enters now in `stage`, as the initial population does, and their path
        takes its first step (put forward into the allocation queue, in the caseworkers'
        queue, …). `tenancy_budget` sets their first tenancy's Exp(1) hazard budget and
        `exit_budget` that of leaving by themselves (spent over all homeless spells)."""
        c = new_citizen(self.city)
        if rooms_needed is not None:
            c.rooms_needed = rooms_needed
        if affordable_rent is not None:
            c.affordable_rent = affordable_rent
        if provider is not None:
            c.provider = provider
        if tenancy_budget is not None:
            c.u["tenancy"] = -math.expm1(-tenancy_budget)  # exp1 of it is the budget
        if exit_budget is not None:
            c.exit_budget = exit_budget
        if stage == "awaiting_housing":  # put forward: their support need is assessed
            c.route = "own_home"
            assess_need(self.city, c)
        if tier is not None:
            c.tier = tier
        self.rec.arrive(c, stage, "initial")
        self.city.start_life(c, stage)
        self.settle()
        return c

    def let(self, dept: int = 1, rooms: int = 1, at: float | None = None) -> None:
        """One vacancy of a department, through `Allocation.let`, at day `at` (now if None)."""
        if at is not None:
            self.run(at)
        department = next(d for d in self.cfg.housing.departments if d.department == dept)
        self.city.allocation.let(department, rooms)

    def queued(self) -> list[int]:
        """Ids of the citizens in the allocation queue, in queue order."""
        return [c.id for c in self.city.allocation.queue.in_order(lambda *_: True)]

    def pool(self, name: str):
        """A pool by its snapshot name: caseworkers, support_workers, botilbud_places, …"""
        return self.city.pools[name]

    def events(self, citizen=None, *columns: str) -> list[tuple]:
        """Rows of the events table (of one citizen): (time_days, event, *columns)."""
        cid = getattr(citizen, "id", citizen)
        return [(row["time_days"], row["event"], *(row[col] for col in columns))
                for row in self.rec.tables()["events"].to_pylist()
                if cid is None or row["citizen_id"] == cid]

    def vacancies(self) -> list[dict]:
        return self.rec.tables()["vacancies"].to_pylist()


@pytest.fixture
def small_city():
    """`small_city(**sections)`: a SmallCity with scenario overrides, e.g.
    `small_city(allocation={"quota_share": 0.5}, support={"support_workers": 2})`."""
    return SmallCity
