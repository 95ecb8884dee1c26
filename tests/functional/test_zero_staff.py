"""Zero caseworkers: nobody is assessed, yet the run completes, and the metrics that cannot be
computed are missing (NaN, 0 reps) rather than wrong, and shown as "–"."""

from __future__ import annotations

import math

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim import cli, config

REPS = 2
NO_CASEWORKERS = """
[assessment]
caseworkers = [{ from = 2023-01-01, value = 0 }]
"""


@pytest.fixture
def scenario(make_scenario):
    return make_scenario(NO_CASEWORKERS, name="no_caseworkers")


def test_nobody_is_assessed(scenario, replication):
    tables = replication(config.load(scenario), 1.0)
    names = tables["events"].column("event").to_pylist()
    assert "assessment_start" not in names
    assert "assessment_end" not in names
    assert names.count("referred") > 100  # citizens do queue for a caseworker who never comes
    snap = tables["snapshots"]
    assert pc.max(snap.column("caseworkers_capacity")).as_py() == 0
    assert pc.max(snap.column("n_in_assessment")).as_py() == 0
    # those already put forward at the start are still housed
    assert names.count("housed") > 0


def test_run_completes_with_missing_metrics_shown_as_dash(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["run", str(scenario), "--reps", str(REPS), "--years", "1", "--workers", "1",
                     "--quiet", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    summary = {row["metric"]: row for row in pq.read_table(out / "summary.parquet").to_pylist()}

    # no assessment, so no nomination either: both waits are undefined, as is utilisation
    for metric in ("wait_assessment_days_mean", "wait_allocation_days_mean",
                   "utilisation_caseworkers"):
        assert math.isnan(summary[metric]["mean"]), metric
        assert summary[metric]["reps"] == 0, metric
    for metric in ("housed_total", "homeless_at_end", "in_shelter_at_end", "cost_total_dkk",
                   "shelter_stay_days_mean", "utilisation_housing_advisors"):
        assert metric in summary, metric
        assert math.isfinite(summary[metric]["mean"]), metric
        assert summary[metric]["reps"] == REPS, metric

    rows = {line.split()[0]: line for line in printed.splitlines() if line.strip()}
    assert "no_caseworkers" in printed
    assert rows["wait_assessment_days_mean"].split()[1] == "–"
    assert "–" not in rows["housed_total"]
    assert "nan" not in printed.lower()
