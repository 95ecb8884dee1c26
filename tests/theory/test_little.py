"""Little's law on the records of a model run: for every stage, the time-average number in it
equals the rate of entering it times the mean time spent in it, over the run — computed from the
same events, once as a sweep over the census and once as a sum over stays. The census rebuilt
from the events also matches the recorder's own counts in every snapshot."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from sim import config
from sim.config.stages import STAGE_NAMES
from sim.model.city import run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def run():
    cfg = config.load(SCENARIOS / "surge.toml").with_years(1.0)
    return cfg.run.horizon_days, run_replication(cfg, 5, 0)


def stays(events, horizon: float) -> dict[str, list[tuple[float, float]]]:
    """(enter, leave) of every stay in every stage; a stay still open ends at the horizon.
    Each event row carries the stage after it (an exit row the stage left)."""
    cid = events.column("citizen_id").to_pylist()
    t = events.column("time_days").to_pylist()
    name = events.column("event").to_pylist()
    stage = events.column("stage").to_pylist()
    current: dict[int, tuple[str, float]] = {}
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c, when, event, after in zip(cid, t, name, stage, strict=True):
        after = None if event == "exit" else after
        before = current.get(c)
        if before is not None and before[0] == after:
            continue
        if before is not None:
            out[before[0]].append((before[1], when))
        if after is None:
            current.pop(c, None)
        else:
            current[c] = (after, when)
    for s, since in current.values():
        out[s].append((since, horizon))
    return out


def census(spans: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """The number in a stage as a step function: change times and the count from each on."""
    times = np.array([a for a, _ in spans] + [b for _, b in spans])
    steps = np.array([1] * len(spans) + [-1] * len(spans))
    order = np.lexsort((steps, times))  # at equal times, leaving before entering
    return times[order], np.cumsum(steps[order])


def test_littles_law_holds_exactly_for_every_stage(run):
    horizon, tables = run
    by_stage = stays(tables["events"], horizon)
    for stage in STAGE_NAMES:
        spans = by_stage[stage]
        assert spans, stage
        times, count = census(spans)
        area = float(np.sum(count[:-1] * np.diff(times)))  # ∫ N(t) dt over the run
        entries = len(spans)
        rate = entries / horizon  # λ: stays begun per day (those there at the start included)
        mean_stay = sum(b - a for a, b in spans) / entries  # W
        assert area / horizon == pytest.approx(rate * mean_stay, rel=1e-9, abs=1e-12), stage


def test_census_from_events_matches_the_snapshots(run):
    horizon, tables = run
    by_stage = stays(tables["events"], horizon)
    snap = tables["snapshots"]
    at = snap.column("time_days").to_numpy()
    event_times = set(tables["events"].column("time_days").to_pylist())
    # snapshots at an instant with no event (and before the horizon, where open stays are
    # closed for the sums above)
    clean = np.array([t not in event_times and t < horizon for t in at])
    assert clean.sum() > 0.9 * len(at)
    for stage in STAGE_NAMES:
        times, count = census(by_stage[stage])
        rebuilt = np.concatenate([[0], count])[np.searchsorted(times, at, side="right")]
        recorded = snap.column(f"n_{stage}").to_numpy()
        np.testing.assert_array_equal(rebuilt[clean], recorded[clean], err_msg=stage)
        still_there = sum(b == horizon for _, b in by_stage[stage])
        assert still_there == recorded[-1], stage
