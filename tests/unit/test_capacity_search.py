"""The capacity search's building blocks: dated additions through the config layer, the date a
scenario departs from its reference, and stage loads read from snapshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from sim import config
from sim.analysis import bottleneck
from sim.config.steps import add_from
from sim.experiments.capacity_search import change_date, variant

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
D = dt.date


def test_add_from_inserts_a_step_and_raises_later_ones():
    steps = [{"from": D(2023, 1, 1), "value": 20.0}, {"from": D(2026, 1, 1), "value": 30.0}]
    assert add_from(steps, D(2025, 1, 1), 2.0) == [
        {"from": D(2023, 1, 1), "value": 20.0}, {"from": D(2025, 1, 1), "value": 22.0},
        {"from": D(2026, 1, 1), "value": 32.0}]
    assert add_from(steps, D(2026, 1, 1), 1.0)[-1] == {"from": D(2026, 1, 1), "value": 31.0}
    assert steps[1]["value"] == 30.0  # the input is left alone


def test_variant_is_validated_and_leaves_the_base_unchanged():
    surge = config.load(SCENARIOS / "surge.toml")
    before = surge.sha256()
    more = variant(surge, {"caseworkers": 1, "exit_dwellings": 2}, D(2025, 1, 1), "more")
    assert [(s.start, s.value) for s in more.assessment.caseworkers] == [
        (D(2023, 1, 1), 20.0), (D(2024, 1, 1), 25.0), (D(2025, 1, 1), 27.0)]
    assert more.subsidy.exit_dwelling.dwellings_per_year[-1].value == 75.0 + 40.0
    assert more.name == "more" and surge.sha256() == before


def test_change_date_is_where_the_scenario_departs_from_the_reference():
    surge, reform = (config.load(SCENARIOS / f"{n}.toml") for n in ("surge", "reform_2024"))
    baseline = config.load(SCENARIOS / "baseline_2023.toml")
    assert change_date(surge, reform) == D(2025, 1, 1)
    assert change_date(reform, baseline) == D(2024, 1, 1)
    assert change_date(reform, reform) == D(2024, 1, 1)  # none: the end of the warm-up


def snapshots(queue: list[float], busy: float) -> pa.Table:
    n = len(queue)
    cols = {"time_days": [float(i) for i in range(n)]}
    for stage in bottleneck.STAGES:
        if stage.pool is not None:
            cols[f"{stage.pool}_busy"] = [busy] * n
            cols[f"{stage.pool}_capacity"] = [10.0] * n
        cols[stage.queue] = queue
    return pa.table(cols)


def test_stage_load_and_pressure():
    hot = bottleneck.stage_load(snapshots([0.0, 10.0, 20.0], busy=10.0), 0.0, 2.0)
    cool = bottleneck.stage_load(snapshots([0.0, 0.0, 0.0], busy=5.0), 0.0, 2.0)
    use, growth = hot["assessment (caseworkers)"]
    assert use == 1.0 and abs(growth - 20.0 * 365.25 / 2.0) < 1e-9
    assert cool["assessment (caseworkers)"] == (0.5, 0.0)
    assert set(bottleneck.pressured(hot, cool)) == {s.name for s in bottleneck.STAGES}
    assert bottleneck.pressured(cool, hot) == []
