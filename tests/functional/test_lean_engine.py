"""The lean clock changes nothing: a run on `sim.engine.clock.Clock` (with the pool's shortcut,
processes that end without an event and later events filed by day) gives the same tables, bit for
bit, as on SimPy's own `simpy.Environment`, where every request and every process end goes
through one heap of events."""

from __future__ import annotations

import gc
from pathlib import Path

import simpy

from sim import config
from sim.engine import pools as capacity
from sim.engine.clock import Clock, Process
from sim.model import city
from sim.model.citizen import Citizen
from sim.model.city import City, run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
LIVING = (City, Clock, Process, Citizen, capacity.Pool)  # what a city is made of


def shortcuts_taken(cfg, monkeypatch) -> int:
    """Run once on the Clock, counting requests granted without an event."""
    taken = 0
    acquire = capacity.Pool.acquire

    def counting(self, units=1.0):
        nonlocal taken
        event = acquire(self, units)
        taken += event is self.env.granted
        return event

    with monkeypatch.context() as patch:
        patch.setattr(capacity.Pool, "acquire", counting)
        run_replication(cfg, 3, 1)
    return taken


def test_clock_gives_simpys_tables(monkeypatch):
    cfg = config.load(SCENARIOS / "surge.toml").with_years(1.5)
    lean = run_replication(cfg, 3, 1)
    assert shortcuts_taken(cfg, monkeypatch) > 300  # the shortcut is really exercised
    monkeypatch.setattr(city, "Clock", lambda window: simpy.Environment())
    plain = run_replication(cfg, 3, 1)
    for name in ("events", "snapshots", "vacancies"):
        assert lean[name].equals(plain[name]), name


def test_a_replication_frees_its_city_before_it_returns():
    """Every city object is freed by the young collection at the end of `run_replication`: none
    is left for the full collections that would walk it with everything else, and the collector
    is on again as it was."""
    cfg = config.load(SCENARIOS / "baseline.toml").with_years(0.2)
    gc.collect()
    run_replication(cfg, 3, 1)
    assert gc.isenabled()
    left = [type(o).__name__ for o in gc.get_objects() if isinstance(o, LIVING)]
    assert left == []
