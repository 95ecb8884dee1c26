"""Point-in-time censuses and calendar counts read back from the record tables: how many were
homeless on a count day, who was in a shelter bed and at which stage, how long those ready to
move on had waited, how many became homeless or were housed in a year. The back-test compares
them with published counts (VIVE, shelter statistics)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from sim.analysis.records import Events, durations, in_force, spell_starts
from sim.config.stages import READY_STAGES


def day_of(start: dt.date, date: dt.date) -> float:
    """Run time in days of a calendar date."""
    return float((date - start).days)


def count_day(year: int) -> dt.date:
    """The VIVE count is taken in week 6; its Wednesday stands for the week."""
    return dt.date.fromisocalendar(year, 6, 3)


def month_starts(year: int) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in range(1, 13)]


def snapshot_value(snapshots: pa.Table, column: str, day: float) -> float:
    """A snapshot column's value in force on `day` (the last snapshot at or before it)."""
    return in_force(snapshots.column("time_days").to_numpy(),
                    snapshots.column(column).to_numpy(), day)


def _last_rows(ev: Events, mask: np.ndarray, day: float) -> np.ndarray:
    """Row of each citizen's last event among `mask` at or before `day`."""
    rows = np.flatnonzero(mask & (ev.t <= day))[::-1]
    _, first = np.unique(ev.cid[rows], return_index=True)
    return rows[first]


def shelter_residents(ev: Events, day: float) -> np.ndarray:
    """Citizen ids in a shelter bed on `day`."""
    rows = _last_rows(ev, ev.of("shelter_enter", "shelter_leave"), day)
    return ev.cid[rows[ev.where("event", "shelter_enter")[rows]]]


def ready_in_shelter(ev: Events, day: float) -> tuple[int, np.ndarray]:
    """(shelter residents on `day`, days each resident judged ready has waited since the
    assessment that found them ready)."""
    residents = shelter_residents(ev, day)
    last = _last_rows(ev, np.ones(len(ev.t), dtype=bool), day)  # one row per citizen
    last = last[np.isin(ev.cid[last], residents)]
    ready = np.logical_or.reduce([ev.where("stage", s) for s in READY_STAGES])
    ready_ids = np.sort(ev.cid[last[ready[last]]])
    rows = _last_rows(ev, ev.of("assessment_end"), day)
    rows = rows[np.isin(ev.cid[rows], ready_ids)]
    return len(residents), day - ev.t[rows]


Census = list[tuple[int, np.ndarray]]  # per census day: residents, waits of those ready


def shelter_censuses(ev: Events, days: list[float]) -> Census:
    return [ready_in_shelter(ev, day) for day in days]


def ready_share(censuses: Census) -> float:
    """Share of shelter residents judged ready to move on, averaged over census days."""
    return float(np.nanmean([len(w) / n if n else np.nan for n, w in censuses]))


def waited_over_share(censuses: Census, limit_days: float) -> float:
    """Of shelter residents judged ready, the share who had waited over `limit_days`,
    averaged over census days."""
    return float(np.nanmean([np.mean(w > limit_days) if len(w) else np.nan
                             for _, w in censuses]))


def mean_stay(ev: Events, lo: float, hi: float, horizon: float) -> float:
    """Mean shelter stay of episodes that began in [lo, hi) and ended within the run."""
    begin, length, seen = durations(ev, ev.of("shelter_enter"), ev.of("shelter_leave"), horizon)
    chosen = length[seen & (begin >= lo) & (begin < hi)]
    return float(np.mean(chosen)) if len(chosen) else np.nan


def first_shelter_admissions(ev: Events, lo: float, hi: float) -> int:
    """Citizens whose first shelter admission of the run falls in [lo, hi): new shelter users,
    as the shelter statistics count first registrations (a run begun years before has seen
    nearly every earlier stay of those still around)."""
    enter = np.flatnonzero(ev.of("shelter_enter"))
    _, first = np.unique(ev.cid[enter], return_index=True)  # rows are in time order
    when = ev.t[enter[first]]
    return int(np.count_nonzero((when >= lo) & (when < hi)))


def became_homeless(ev: Events, lo: float, hi: float) -> int:
    """Citizens who became homeless (newly, or by losing their home) in [lo, hi)."""
    became = spell_starts(ev)
    return len(np.unique(ev.cid[became & (ev.t >= lo) & (ev.t < hi)]))


def housed_between(ev: Events, lo: float, hi: float) -> int:
    """Moves into own home in [lo, hi)."""
    return int(np.count_nonzero(ev.of("housed") & (ev.t >= lo) & (ev.t < hi)))
