"""Edges of the parameter space, on the small self-contained golden scenario: capacity without a
limit gives no waits; no housing and no way out gives a queue that grows linearly, and a warning
that there is no steady state; no staff of a group, or no places of a kind, gives a completed run
whose undefined metrics are NaN (0 replications), never a hang or a crash."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim import cli, config
from sim.analysis.metrics import rep_metrics
from sim.model.city import run_replication

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "golden.toml"
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
AMPLE = "[{ from = 2023-01-01, value = 1000000 }]"
NONE = "[{ from = 2023-01-01, value = 0 }]"


def metrics_of(path: Path, seed: int = 1) -> tuple[dict[str, float], dict]:
    cfg = config.load(path)
    tables = run_replication(cfg, seed, 0)
    return rep_metrics(tables, cfg), tables


def test_capacity_without_limit_gives_no_waits(make_scenario):
    path = make_scenario(f"""
        [shelter]
        beds = {AMPLE}
        [assessment]
        caseworkers = {AMPLE}
        [allocation]
        support_rule = "waiting_list"
        [support]
        support_workers = {AMPLE}
        [move_in]
        housing_advisors = {AMPLE}
        [botilbud]
        places = {AMPLE}
        initial_occupancy_share = 0.0
        [skaev_bolig]
        places = {AMPLE}
        initial_occupancy_share = 0.0
        """, extends=GOLDEN)
    metrics, tables = metrics_of(path)
    for wait in ("wait_assessment_days_mean", "wait_move_in_days_mean", "wait_support_days_mean",
                 "wait_botilbud_days_mean", "wait_skaev_bolig_days_mean"):
        assert metrics[wait] == 0.0, wait
    snap = tables["snapshots"]
    for pool in ("caseworkers", "housing_advisors", "support_workers", "shelter_beds",
                 "botilbud_places", "skaev_bolig_places"):
        assert snap.column(f"{pool}_queue").to_numpy().max() == 0, pool


NO_HOUSING = """
[population.types.short]
self_exit_per_year = 0.0
[population.types.long]
self_exit_per_year = 0.0
[allocation]
quota_share = 0.0
quota_share_before_agreement = 0.0
"""


def test_no_housing_gives_a_linearly_growing_queue(make_scenario):
    path = make_scenario(NO_HOUSING, extends=GOLDEN)
    cfg = config.load(path)
    metrics, tables = metrics_of(path)
    snap = tables["snapshots"]
    t = snap.column("time_days").to_numpy()
    queue = snap.column("n_awaiting_housing").to_numpy()
    window = t >= cfg.run.warmup_days
    slope, intercept = np.polyfit(t[window], queue[window], 1)
    fitted = slope * t[window] + intercept
    r2 = 1 - np.sum((queue[window] - fitted) ** 2) / np.sum((queue[window] - queue[window].mean())
                                                           ** 2)
    assert slope > 0 and r2 > 0.95, (slope, r2)
    assert metrics["unbounded_awaiting_housing"] == 1.0
    assert metrics["housed_total"] == 0.0


def test_no_housing_warns_that_there_is_no_steady_state(make_scenario, tmp_path, capsys):
    path = make_scenario(NO_HOUSING, extends=GOLDEN, name="no_housing")
    code = cli.main(["run", str(path), "--reps", "2", "--workers", "1", "--quiet",
                     "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert any("no_housing: the awaiting_housing queue grows without levelling off" in line
               for line in warnings), err
    assert "Traceback" not in err


def test_a_scenario_with_a_steady_state_gets_no_warning(tmp_path, capsys):
    code = cli.main(["run", str(SCENARIOS / "reform_2024.toml"), "--reps", "2", "--years", "2",
                     "--workers", "1", "--quiet", "--out", str(tmp_path / "out")])
    assert code == 0
    assert "warning" not in capsys.readouterr().err


ZERO = {
    "caseworkers": ("[assessment]", "caseworkers", "wait_assessment_days_mean"),
    "housing_advisors": ("[move_in]", "housing_advisors", "wait_move_in_help_days_mean"),
    "support_workers": ("[support]", "support_workers", None),  # private providers still support
    "department_heads": ("[support]", "department_heads", None),
    "shelter_beds": ("[shelter]", "beds", "shelter_stay_days_mean"),
    "botilbud_places": ("[botilbud]", "places", "wait_botilbud_days_mean"),
    "skaev_bolig_places": ("[skaev_bolig]", "places", "wait_skaev_bolig_days_mean"),
}


@pytest.mark.parametrize("group", list(ZERO))
def test_zero_of_any_staff_group_or_place(make_scenario, group):
    table, key, undefined = ZERO[group]
    path = make_scenario(f"{table}\n{key} = {NONE}\n", extends=GOLDEN)
    metrics, tables = metrics_of(path)
    snap = tables["snapshots"]
    if group == "department_heads":
        assert snap.column("department_heads_staff").to_numpy().max() == 0
    else:
        assert snap.column(f"{group}_capacity").to_numpy().max() == 0
        assert snap.column(f"{group}_busy").to_numpy().max() == 0
        assert math.isnan(metrics[f"utilisation_{group}"]), group  # 0 / 0 capacity: undefined
    if undefined is not None:
        assert math.isnan(metrics[undefined]), (group, undefined)
    for metric in ("homeless_at_end", "homeless_mean", "cost_total_dkk", "housed_total"):
        assert math.isfinite(metrics[metric]), (group, metric)
    if group == "housing_advisors":  # citizens move in; the advisor's help never comes
        assert metrics["housed_total"] > 0.0
    if group == "support_workers":  # only citizens with a private provider are put forward
        events = tables["events"].to_pylist()
        assert {e["reason"] for e in events if e["event"] == "support_start"} == {"private"}
