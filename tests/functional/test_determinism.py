"""Same inputs, same outputs: in one process, across a process pool, and — through common random
numbers — across scenarios that share a seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim import cli, config
from sim.experiments import executors
from sim.model.city import run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
YEARS = 1.0


def load(name: str, years: float = YEARS):
    return config.load(SCENARIOS / f"{name}.toml").with_years(years)


def newly_homeless_arrivals(events) -> list[float]:
    arrive = pc.and_(pc.equal(events.column("event"), "arrive"),
                     pc.equal(events.column("reason"), "newly_homeless"))
    return events.filter(arrive).column("time_days").to_pylist()


def test_same_seed_same_tables_in_process():
    cfg = load("reform_2024", 0.5)
    first, second = run_replication(cfg, 42, 3), run_replication(cfg, 42, 3)
    for name in ("events", "snapshots", "vacancies"):
        assert first[name].num_rows > 0
        assert first[name].equals(second[name]), name


def test_different_seed_or_rep_gives_different_events():
    cfg = load("reform_2024", 0.5)
    base = run_replication(cfg, 42, 3)["events"]
    assert not base.equals(run_replication(cfg, 43, 3)["events"])
    assert not base.equals(run_replication(cfg, 42, 4)["events"])


class CountingPool(executors.ProcessPoolExecutor):
    """The real process pool, counting the jobs it is given."""

    submitted = 0

    def submit(self, *args, **kwargs):
        type(self).submitted += 1
        return super().submit(*args, **kwargs)


def result_files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*.parquet"))


def assert_same_table(one: pa.Table, two: pa.Table, what) -> None:
    """Equal schema (with metadata) and values; NaN equals NaN (Table.equals says it does not)."""
    assert one.schema.equals(two.schema, check_metadata=True), what
    assert one.num_rows == two.num_rows, what
    for name in one.column_names:
        a, b = one.column(name), two.column(name)
        if pa.types.is_floating(a.type):
            np.testing.assert_array_equal(a.to_numpy(), b.to_numpy(), err_msg=f"{what} {name}")
        else:
            assert a.equals(b), (what, name)


def test_one_worker_and_a_pool_of_two_write_the_same_results(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(executors, "ProcessPoolExecutor", CountingPool)
    monkeypatch.setattr(CountingPool, "submitted", 0)
    scenarios = [str(SCENARIOS / "baseline_2023.toml"), str(SCENARIOS / "reform_2024.toml")]
    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"workers{workers}"
        code = cli.main(["compare", *scenarios, "--reps", "3", "--years", "0.5", "--seed", "9",
                         "--workers", str(workers), "--quiet", "--out", str(out)])
        assert code == 0
        outs[workers] = out
    capsys.readouterr()
    assert CountingPool.submitted == 2 * 3  # the second run went through the pool, every job

    files = result_files(outs[1])
    assert files == result_files(outs[2])
    for table in ("events", "snapshots", "vacancies"):
        assert sum(f.parts[0] == table for f in files) == 2 * 3, table
    assert Path("summary.parquet") in files and Path("compare.parquet") in files
    for rel in files:
        one, two = pq.read_table(outs[1] / rel), pq.read_table(outs[2] / rel)
        assert one.num_rows > 0, rel
        assert_same_table(one, two, rel)


def test_arrivals_are_common_to_scenarios_with_one_seed(replication):
    base = newly_homeless_arrivals(replication("baseline_2023", YEARS, seed=21)["events"])
    reform = newly_homeless_arrivals(replication("reform_2024", YEARS, seed=21)["events"])
    assert len(base) > 1000
    assert reform == base  # same inflow, same draws: the same people arrive at the same times


def test_arrivals_agree_until_the_inflows_differ(replication):
    reform = newly_homeless_arrivals(replication("reform_2024", 2.0, seed=21)["events"])
    surge = newly_homeless_arrivals(replication("surge", 2.0, seed=21)["events"])
    change = (config.load(SCENARIOS / "surge.toml").population.inflow_per_month[1].start
              - load("surge").run.start_date).days
    before = [t for t in reform if t < change]
    assert len(before) > 1000
    assert surge[: len(before)] == before
    assert len(surge) > len(reform)  # after the change surge has more arrivals


def first_assessments(events) -> dict[int, tuple[str, float]]:
    """Each citizen's first assessment: (route, days it took)."""
    started: dict[int, float] = {}
    out: dict[int, tuple[str, float]] = {}
    for row in events.to_pylist():
        cid = row["citizen_id"]
        if row["event"] == "assessment_start":
            started.setdefault(cid, row["time_days"])
        elif row["event"] == "assessment_end" and cid not in out:
            out[cid] = (row["route"], row["time_days"] - started[cid])
    return out


def test_citizen_draws_are_common_to_scenarios(replication):
    """A citizen's route and first assessment time are drawn at arrival (STYLE.md §3): where
    both scenarios assess the same citizen, the outcome and its duration agree, however
    differently the two scenarios' queues have moved."""
    base = first_assessments(replication("baseline_2023", YEARS, seed=21)["events"])
    reform = first_assessments(replication("reform_2024", YEARS, seed=21)["events"])
    both = sorted(base.keys() & reform.keys())
    assert len(both) > 500
    differ = [cid for cid in both if base[cid][0] != reform[cid][0]
              or abs(base[cid][1] - reform[cid][1]) > 1e-6]
    assert differ == [], f"{len(differ)} of {len(both)} citizens differ, first {differ[:5]}"


@pytest.mark.parametrize("seed", [0, 2**31])
def test_large_and_zero_seeds_run(seed):
    tables = run_replication(load("baseline", 0.1), seed, 0)
    assert tables["events"].num_rows > 0
