"""The waits between two events of a citizen, and each again by Kaplan–Meier: every wait
`metrics` summarises over the waits that ended, again with the waits that did not end counted
as right-censored, so that a long queue is not under-reported.

A wait starts as in `metrics` (after the warm-up) and is observed when the citizen's next event
among its start, its end and the events that close a wait otherwise is its end. It is censored
at whatever came first instead: the citizen left the model (`exit`), the spell ended another way
(a place on another route, a lost home), the same wait started again, or the run ended (the
horizon). The completed-only figures of `metrics` stay beside these, unchanged
(docs/outputs.md).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.analysis.records import Events, in_group, kaplan_meier_curve, spans, spell_starts

# Where each route ends: a home of one's own, a botilbud place, a skæv bolig
PLACED_BY = {"own_home": "housed", "botilbud": "botilbud_enter", "skaev_bolig": "skaev_bolig_enter"}
# (metric, start event, end event): waits between two events of the same citizen
WAITS = (
    ("wait_assessment_days_mean", "referred", ("assessment_start",)),
    ("wait_allocation_days_mean", "nominated", ("offer_accepted",)),
    ("wait_move_in_days_mean", "offer_accepted", ("move_in_start",)),
    ("wait_move_in_help_days_mean", "housed", ("move_in_help",)),
    ("wait_support_days_mean", "housed", ("support_start", "support_declined")),
    ("shelter_stay_days_mean", "shelter_enter", ("shelter_leave",)),
)
# Events that close any wait that has not ended yet, with the start of a new homeless spell
# (`spell_starts`): leaving the model, a place on any route. A wait's own start or end event is
# never one of them.
CLOSERS = ("exit", *PLACED_BY.values())
TIE = 1e-9  # survival within this of 0.5 counts as exactly 0.5 (the no-censoring median)


class Followed(NamedTuple):
    """Waits that started in the window, each followed until it ended or was censored."""

    duration: np.ndarray  # days from the start to the end event, or to the censoring
    observed: np.ndarray  # ended by the wait's end event
    close_row: np.ndarray  # row whose need tier and income group the wait is grouped by


def metrics(ev: Events, lo: float, hi: float) -> dict[str, float]:
    """Kaplan–Meier median and restricted mean of every wait, its censored share, and the median
    and restricted mean by need tier, income group and route (as the completed-only waits)."""
    closers = ev.of(*CLOSERS) | spell_starts(ev)
    last = last_rows(ev)
    out: dict[str, float] = {}
    grouped = [(metric, start, end, True) for metric, start, end in wait_specs(ev)]
    # the waits `route_waits` groups by how they ended: overall only
    grouped += [("referral_to_decision_days_mean", ev.of("referred"), ev.of("assessment_end"),
                 False),
                ("homeless_to_placed_days_mean", spell_starts(ev), ev.of(*PLACED_BY.values()),
                 False)]
    for metric, start, end, by_group in grouped:
        w = follow(ev, start, end, closers & ~start & ~end, last, lo, hi)
        out.update(km_summary(metric, w.duration, w.observed))
        stem = metric.removesuffix("_days_mean")
        out[f"{stem}_censored_share"] = float(np.mean(~w.observed)) if len(w.duration) \
            else math.nan
        if not by_group:
            continue
        for column, group in ev.equity():
            for value in group:
                mine = in_group(ev, column, value)[w.close_row]
                for key, v in km_summary(metric, w.duration[mine], w.observed[mine]).items():
                    out[f"{key}__{column}_{value}"] = v
    return out


def follow(ev: Events, start: np.ndarray, end: np.ndarray, stop: np.ndarray,
           last: np.ndarray, lo: float, hi: float) -> Followed:
    """Each wait from a start row at or after `lo` to the citizen's next end row (observed), or
    censored at the first of: a `stop` row, the citizen's next start row, the horizon `hi`.
    A wait is grouped at the row that closed it: its end, the stop, the next start, or (at the
    horizon) the citizen's last row, which carries the need tier assessed meanwhile."""
    s = spans(ev, start, end | stop, hi)
    ended = s.observed & end[np.maximum(s.end_row, 0)]
    cid = ev.cid[s.row]
    again = ~s.observed & np.append(cid[1:] == cid[:-1], False)  # spans keep a citizen's rows
    finish = np.where(again, np.append(s.start[1:], hi), s.end)  # together, in time order
    close = np.where(s.observed, s.end_row,
                     np.where(again, np.append(s.row[1:], -1), last[s.row]))
    keep = s.start >= lo
    return Followed((finish - s.start)[keep], ended[keep], close[keep])


def last_rows(ev: Events) -> np.ndarray:
    """For every row, the row of the same citizen's last event."""
    citizens, first_from_end = np.unique(ev.cid[::-1], return_index=True)
    last = len(ev.cid) - 1 - first_from_end
    return last[np.searchsorted(citizens, ev.cid)]


def km_summary(metric: str, duration: np.ndarray, observed: np.ndarray) -> dict[str, float]:
    """`<metric stem>_km_median` and `_km_mean_restricted` of one set of waits (NaN if none)."""
    stem = metric.removesuffix("_mean")
    median, mean = km_median_mean(duration, observed) if len(duration) else (math.nan, math.nan)
    return {f"{stem}_km_median": median, f"{stem}_km_mean_restricted": mean}


def km_median_mean(duration: np.ndarray, observed: np.ndarray) -> tuple[float, float]:
    """The Kaplan–Meier median and restricted mean of waits (at least one).

    The median is the first time the curve falls to 0.5 or below; where it stays at exactly 0.5
    until the next wait ends, the midpoint of the two (so that without censoring it is the
    sample median); NaN when the curve stays above 0.5 (too many waits censored early). The
    restricted mean is the area under the curve up to the longest wait followed (at most the
    window): the mean wait when the curve reaches 0, a lower bound of it when it does not."""
    times = np.unique(duration[observed])  # when waits ended, and the survival just after
    surv = kaplan_meier_curve(duration, observed, times)
    edges = np.concatenate(([0.0], times, [np.max(duration)]))
    mean = float(np.sum(np.diff(edges) * np.concatenate(([1.0], surv))))
    reached = np.flatnonzero(surv <= 0.5 + TIE)
    if not len(reached):
        return math.nan, mean
    k = reached[0]
    if surv[k] >= 0.5 - TIE and k + 1 < len(times):
        return float((times[k] + times[k + 1]) / 2), mean
    return float(times[k]), mean


def wait_specs(ev: Events) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(metric, start rows, end rows) of every wait `_waits` summarises."""
    specs = [(metric, ev.of(start), ev.of(*ends)) for metric, start, ends in WAITS]
    specs += [(f"wait_{route}_days_mean", ev.of("assessment_end") & ev.where("route", route),
               ev.of(f"{route}_enter")) for route in ("botilbud", "skaev_bolig")]
    specs.append(("homeless_to_home_days_mean", spell_starts(ev), ev.of("housed")))
    return specs
