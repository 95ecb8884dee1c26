"""Reading the record tables: event columns as numpy arrays, and spans between a citizen's
events (a stay, a wait, a course), the building blocks of every statistic and cost."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.config import ROUTES, TIERS

# Equity: metrics also by need tier, by income group (which sets the rent one can pay) and by
# route (where the citizen's last assessment sent them); `Events.equity` adds the types of
# homelessness (`population.types`), whose names are the scenario's
EQUITY = (("need_tier", TIERS), ("income_group", ("kontanthjaelp", "foertidspension")),
          ("route", ROUTES))
TYPE_COLUMN = "homeless_type"


class Events:
    """An events table as numpy columns, with boolean masks by event name."""

    def __init__(self, table: pa.Table) -> None:
        self.cid = table.column("citizen_id").to_numpy()
        self.t = table.column("time_days").to_numpy()
        self.table = table
        self._cols = {name: table.column(name) for name in table.column_names
                      if pa.types.is_string(table.schema.field(name).type)}
        self._cache: dict = {}

    def where(self, column: str, value: str) -> np.ndarray:
        key = (column, value)
        if key not in self._cache:
            mask = pc.fill_null(pc.equal(self._cols[column], value), False)
            self._cache[key] = mask.to_numpy(zero_copy_only=False)
        return self._cache[key]

    def by_last(self, column: str, value: str, set_by: str) -> np.ndarray:
        """Rows of citizens whose last `set_by` event carried `column` == value (the route
        their last assessment gave, say), so a citizen's whole path can be grouped by it."""
        key = (column, value, set_by)
        if key not in self._cache:
            rows = np.flatnonzero(self.of(set_by))[::-1]  # latest first
            citizens, first = np.unique(self.cid[rows], return_index=True)
            last = rows[first]
            self._cache[key] = np.isin(self.cid, citizens[self.where(column, value)[last]])
        return self._cache[key]

    def equity(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The equity groups (column, values) of this table: EQUITY, and the types of
        homelessness when it has more than one (their names are the scenario's: read from the
        table, sorted)."""
        if "equity" not in self._cache:
            groups = EQUITY
            if TYPE_COLUMN in self._cols:
                kinds = pc.unique(self._cols[TYPE_COLUMN].drop_null()).to_pylist()
                if len(kinds) > 1:
                    groups = (*EQUITY, (TYPE_COLUMN, tuple(sorted(kinds))))
            self._cache["equity"] = groups
        return self._cache["equity"]

    def of(self, *names: str) -> np.ndarray:
        mask = np.zeros(len(self.t), dtype=bool)
        for name in names:
            mask |= self.where("event", name)
        return mask


class Spans(NamedTuple):
    """Spans from start events to the same citizen's next end event."""

    row: np.ndarray  # row of the start event in the events table
    start: np.ndarray  # time of the start event
    end: np.ndarray  # time of the end event, or the horizon if none came
    observed: np.ndarray  # an end event came before the horizon (and before another start)
    end_row: np.ndarray  # row of the end event (-1 if not observed)


def spans(ev: Events, start: np.ndarray, end: np.ndarray, horizon: float) -> Spans:
    """From each start event to the same citizen's next end (if it comes before another start);
    spans not observed to end run to the horizon."""
    idx = np.flatnonzero(start | end)
    idx = idx[np.argsort(ev.cid[idx], kind="stable")]  # events are in time order already
    cid, t, is_start = ev.cid[idx], ev.t[idx], start[idx]
    next_cid = np.append(cid[1:], -1)
    next_t = np.append(t[1:], horizon)
    next_row = np.append(idx[1:], -1)
    next_is_start = np.append(is_start[1:], True)
    observed = is_start & (next_cid == cid) & ~next_is_start
    finish = np.where(observed, next_t, horizon)
    return Spans(idx[is_start], t[is_start], finish[is_start], observed[is_start],
                 np.where(observed, next_row, -1)[is_start])


def homes(ev: Events, start: np.ndarray, horizon: float) -> Spans:
    """Spans in a home from `start` (moving in) to the tenancy's loss, the citizen's death or
    moving away, or the horizon; `observed` only for a loss, so that an exit censors retention
    while it still ends care and subsidy."""
    s = spans(ev, start, ev.of("tenancy_lost", "exit"), horizon)
    lost = s.observed & ev.of("tenancy_lost")[np.maximum(s.end_row, 0)]
    return s._replace(observed=lost)


def spell_starts(ev: Events) -> np.ndarray:
    """Rows where a homeless spell begins: a newly homeless arrival, or a lost tenancy."""
    return (ev.of("arrive") & ev.where("reason", "newly_homeless")) | ev.of("tenancy_lost")


def durations(ev: Events, start: np.ndarray, end: np.ndarray, horizon: float):
    """(start time, duration, observed) of each span from a start to the citizen's next end."""
    s = spans(ev, start, end, horizon)
    return s.start, s.end - s.start, s.observed


def in_force(times: np.ndarray, values: np.ndarray, day: float) -> float:
    """The value of a snapshot series in force on `day`: the last snapshot at or before it
    (the first before any)."""
    return float(values[max(int(np.searchsorted(times, day, side="right")) - 1, 0)])


def window_integral(times: np.ndarray, values: np.ndarray, lo: float, hi: float) -> float:
    """∫ values dt over [lo, hi] of a snapshot series, each value holding until the next."""
    ends = np.append(times[1:], times[-1])
    overlap = np.clip(np.minimum(ends, hi) - np.maximum(times, lo), 0.0, None)
    return float(np.sum(values * overlap))


def in_group(ev: Events, column: str, value: str) -> np.ndarray:
    """Rows in an equity group: need tier and income group as recorded on the row; route as
    the citizen's last assessment gave it (so waits before the assessment count too)."""
    if column == "route":
        return ev.by_last("route", value, "assessment_end")
    return ev.where(column, value)


def kaplan_meier(duration: np.ndarray, observed: np.ndarray, at: float) -> float:
    """Kaplan–Meier survival at `at` days, with censoring; NaN if nobody was followed that long."""
    return float(kaplan_meier_curve(duration, observed, np.array([at]))[0])


def kaplan_meier_curve(duration: np.ndarray, observed: np.ndarray,
                       grid: np.ndarray) -> np.ndarray:
    """Kaplan–Meier survival at each grid time; NaN beyond the longest follow-up."""
    times, deaths = np.unique(duration[observed], return_counts=True)
    at_risk = len(duration) - np.searchsorted(np.sort(duration), times, side="left")
    surv = np.cumprod(1.0 - deaths / np.maximum(at_risk, 1))
    out = np.ones(len(grid))
    steps = np.searchsorted(times, grid, side="right")
    has = steps > 0
    out[has] = surv[steps[has] - 1]
    out[grid > np.max(duration, initial=-np.inf)] = math.nan
    return out
