"""The record of a run: per-citizen events, periodic snapshots and the vacancy ledger.

Processes only call `emit`, `move` and `vacancy`; the recorder keeps one list per column and
turns them into `pyarrow.Table`s in the result files' schema (docs/outputs.md). It also keeps
the census (citizens per stage), which the snapshots copy: every statistic is computed later
from these tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from sim.config.stages import HOMELESS_STAGES, STAGE_NAMES

if TYPE_CHECKING:
    from sim.engine.pools import Pool


class Citizen(Protocol):
    """What the recorder reads of a citizen (the model's `Citizen` has it all)."""

    id: int
    stage: str | None
    tier: str | None
    income_group: str | None
    homeless_type: str | None


EVENT_SCHEMA = pa.schema(
    [
        ("citizen_id", pa.int64()),
        ("time_days", pa.float64()),
        ("event", pa.string()),
        ("stage", pa.string()),
        ("route", pa.string()),
        ("need_tier", pa.string()),
        ("department", pa.int32()),
        ("reason", pa.string()),
        ("income_group", pa.string()),
        ("rent_dkk", pa.float64()),  # monthly rent of the dwelling offered or taken
        ("scheme", pa.string()),  # rent subsidy: none, exit_dwelling or state_subsidy
        ("subsidy_dkk", pa.float64()),  # monthly rent subsidy granted
        ("homeless_type", pa.string()),  # the citizen's type of homelessness (population.types)
    ]
)
VACANCY_SCHEMA = pa.schema(
    [
        ("time_days", pa.float64()),
        ("department", pa.int32()),
        ("quota_share", pa.float64()),
        ("allocated_to", pa.string()),
        ("citizen_id", pa.int64()),
        ("rooms", pa.int8()),
        ("rent_dkk", pa.float64()),
        ("scheme", pa.string()),
        ("reason", pa.string()),  # why a vacancy was let ordinarily (null for a social let)
    ]
)


class Recorder:
    """Column buffers for events, snapshots and vacancies, plus the stage census."""

    def __init__(self, env, pools: list[Pool], staff: dict[str, float]) -> None:
        self.env = env
        self.pools = pools
        self.staff = staff  # headcount per staff group, kept current by the staffing schedule
        self.census = dict.fromkeys(STAGE_NAMES, 0)  # every citizen is in one stage
        self.arrivals = 0
        self.exits = 0
        self._ev: tuple[list, ...] = tuple([] for _ in EVENT_SCHEMA)
        self._vac: tuple[list, ...] = tuple([] for _ in VACANCY_SCHEMA)
        self._snap: dict[str, list] = {name: [] for name in self._snapshot_columns()}

    # --- events and census -------------------------------------------------------------

    def emit(self, c: Citizen, event: str, route=None, dept=None, reason=None,
             rent=None, scheme=None, subsidy=None) -> None:
        """Record one citizen event at the current time."""
        cid, t, ev, stage, rt, tier, dp, rs, income, rn, sc, sb, kind = self._ev
        cid.append(c.id)
        t.append(self.env._now)  # the attribute behind env.now: this runs for every event
        ev.append(event)
        stage.append(c.stage)
        rt.append(route)
        tier.append(c.tier)
        dp.append(dept)
        rs.append(reason)
        income.append(c.income_group)
        rn.append(rent)
        sc.append(scheme)
        sb.append(subsidy)
        kind.append(c.homeless_type)

    def arrive(self, c: Citizen, stage: str, reason: str) -> None:
        self.arrivals += 1
        self.census[stage] += 1
        c.stage = stage
        self.emit(c, "arrive", reason=reason)

    def move(self, c: Citizen, stage: str) -> None:
        """Move a citizen to another stage of the census."""
        self.census[c.stage] -= 1
        self.census[stage] += 1
        c.stage = stage

    def leave(self, c: Citizen, reason: str) -> None:
        self.exits += 1
        self.census[c.stage] -= 1
        self.emit(c, "exit", reason=reason)
        c.stage = None

    def vacancy(self, dept: int, quota_share: float, allocated_to: str, cid: int | None,
                rooms: int, rent: float, scheme: str, reason: str | None = None) -> None:
        t, dp, share, to, who, rm, rn, sc, why = self._vac  # as in `emit`: one append a column
        t.append(self.env._now)
        dp.append(dept)
        share.append(quota_share)
        to.append(allocated_to)
        who.append(cid)
        rm.append(rooms)
        rn.append(rent)
        sc.append(scheme)
        why.append(reason)

    # --- snapshots ---------------------------------------------------------------------

    def _snapshot_columns(self) -> list[str]:
        cols = ["time_days", "arrivals_cum", "exits_cum", "in_system"]
        cols += [f"n_{s}" for s in STAGE_NAMES]
        cols += ["homeless"]
        for pool in self.pools:
            cols += [f"{pool.name}_capacity", f"{pool.name}_busy", f"{pool.name}_queue"]
        cols += [f"{group}_staff" for group in self.staff]
        return cols

    def snapshot(self) -> None:
        """Append one row: the census, every pool's capacity, load and queue, and headcounts."""
        row = [self.env.now, self.arrivals, self.exits, self.arrivals - self.exits]
        row += [self.census[s] for s in STAGE_NAMES]
        row.append(sum(self.census[s] for s in HOMELESS_STAGES))
        for pool in self.pools:
            row += [pool.capacity, pool.busy, pool.queue_length]
        row += list(self.staff.values())
        for col, value in zip(self._snap.values(), row, strict=True):
            col.append(value)

    # --- tables ------------------------------------------------------------------------

    def tables(self) -> dict[str, pa.Table]:
        """The three record tables of a run, in the result files' schema."""
        return {
            "events": pa.Table.from_arrays(list(self._ev), schema=EVENT_SCHEMA),
            "snapshots": pa.table(self._snap),
            "vacancies": pa.Table.from_arrays(list(self._vac), schema=VACANCY_SCHEMA),
        }
