"""--precision adds replications until the target is met, and not a batch sooner; the result
folder carries percentiles, equity metrics and series with interval bands."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from sim import cli, config
from sim.analysis import metrics
from sim.analysis.metrics import precise_enough

ROOT = Path(__file__).resolve().parents[2]
METRICS = ("housed_per_month",)


@pytest.fixture(scope="module")
def precise_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("precise") / "r"
    code = cli.main(["run", str(ROOT / "scenarios" / "reform_2024.toml"), "--years", "0.5",
                     "--reps", "2", "--precision", "0.05",
                     "--precision-metrics", "housed_per_month",
                     "--batch", "1", "--max-reps", "40", "--workers", "1", "--quiet",
                     "--out", str(out)])
    assert code == 0
    return out


def per_rep_metrics(out: Path) -> list[dict[str, float]]:
    """Every replication's metrics, recomputed from its written tables, in rep order."""
    cfg = config.load(ROOT / "scenarios" / "reform_2024.toml").with_years(0.5)
    reps = sorted(int(p.name.split("=")[1]) for p in (out / "events" / "scenario=reform_2024")
                  .iterdir())
    result = []
    for rep in reps:
        tables = {name: ds.dataset(out / name / "scenario=reform_2024" / f"rep={rep}")
                  .to_table() for name in ("events", "snapshots", "vacancies")}
        result.append(metrics.rep_metrics(tables, cfg))
    return result


def test_precision_stops_when_met_and_not_before(precise_run):
    reps = per_rep_metrics(precise_run)
    assert 3 <= len(reps) < 40  # it needed more than the minimum, and stopped before the cap
    assert precise_enough({"s": reps}, METRICS, 0.05)
    assert not precise_enough({"s": reps[:-1]}, METRICS, 0.05)
    summary = pq.read_table(precise_run / "summary.parquet").to_pylist()
    row = next(r for r in summary if r["metric"] == "housed_per_month")
    assert row["reps"] == len(reps)


def test_results_carry_percentiles_equity_and_series(precise_run):
    metrics = {r["metric"] for r in pq.read_table(precise_run / "summary.parquet").to_pylist()}
    for stem in ("wait_allocation_days", "homeless_to_home_days", "shelter_stay_days"):
        assert {f"{stem}_p10", f"{stem}_median", f"{stem}_p90"} <= metrics
    assert "wait_allocation_days_mean__income_group_kontanthjaelp" in metrics
    assert "retention_6m__need_tier_high" in metrics
    series = pq.read_table(precise_run / "series.parquet").to_pylist()
    names = {r["series"] for r in series}
    assert {"count:homeless", "count:n_awaiting_housing", "retention:all",
            "retention:high"} <= names
    for r in series:
        if r["reps"] >= 2 and r["mean"] == r["mean"]:
            assert r["ci_low"] <= r["mean"] <= r["ci_high"]
