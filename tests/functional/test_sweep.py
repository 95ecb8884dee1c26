"""Sweeps end to end (the `sweep` command): Sobol' indices, the same bytes from every executor
and sharding, resuming after a kill, Ctrl-C, and refused designs. The base scenario is the small
golden scenario over one year, so a replication takes a fraction of a second."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from textwrap import dedent

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "golden.toml"
CORPUS = ROOT / "tests" / "bad_inputs" / "designs"

SOBOL = """
    name = "tiny_sobol"
    base = "base.toml"
    method = "sobol"
    samples = 8
    reps = 1
    seed = 7
    metrics = ["housed_per_month", "cost_total_dkk"]

    [[factors]]
    path = "support.support_workers"
    low = 0.5
    high = 6

    [[factors]]
    path = "allocation.quota_share"
    low = 0.1
    high = 0.6

    [[factors]]
    path = "costs.shelter_per_day_dkk"  # a price: it cannot change who is housed
    low = 1000
    high = 2000
"""

GRID = """
    name = "tiny_grid"
    base = "base.toml"
    method = "grid"
    reps = {reps}
    seed = 3

    [[factors]]
    path = "support.support_workers"
    levels = {levels}

    [[factors]]
    path = "population.inflow_per_month"
    levels = [0.8, 1.2]
    scale = true
"""


def write_design(folder: Path, body: str, name: str = "design") -> Path:
    """A design file next to a one-year variant of the golden scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(
        f'extends = "{GOLDEN.as_posix()}"\nname = "tiny"\n[run]\n'
        "end_date = 2023-12-31\nwarmup_days = 90\n", encoding="utf-8")
    path = folder / f"{name}.toml"
    path.write_text(dedent(body), encoding="utf-8")
    return path


def grid(folder: Path, reps: int = 2, levels: str = "[1, 3, 5]") -> Path:
    return write_design(folder, GRID.format(reps=reps, levels=levels), "grid")


def sweep(design: Path, out: Path, *options: str) -> int:
    return main(["sweep", str(design), "--out", str(out), "--quiet", *options])


def metric_files(out: Path) -> dict[Path, bytes]:
    files = sorted((out / "metrics").rglob("*.parquet"))
    return {path.relative_to(out): path.read_bytes() for path in files}


def index(out: Path, metric: str, factor: str, kind: str) -> float:
    rows = pq.read_table(out / "sensitivity.parquet").to_pylist()
    (row,) = [r for r in rows if (r["metric"], r["factor"], r["index"]) == (metric, factor, kind)]
    return row["value"]


def test_sobol_sweep_end_to_end_gives_a_price_no_influence_on_flows(tmp_path):
    out = tmp_path / "out"
    assert sweep(write_design(tmp_path, SOBOL), out, "--workers", "2") == 0
    points = pq.read_table(out / "points.parquet")
    assert points.num_rows == 8 * (3 + 2)  # Saltelli: N × (d + 2)
    assert len(metric_files(out)) == points.num_rows
    summary = pq.read_table(out / "summary.parquet")
    assert set(summary.column("point").to_pylist()) == set(range(points.num_rows))
    price = "costs.shelter_per_day_dkk"
    for kind in ("first_order", "total"):
        assert abs(index(out, "housed_per_month", price, kind)) < 0.02
    assert index(out, "housed_per_month", "allocation.quota_share", "total") > 0.3
    assert index(out, "cost_total_dkk", price, "total") > 0.05  # the price does move costs
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "id=\"sensitivity\"" in page and "id=\"response\"" in page
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0  # rebuilt from the tables alone
    assert (out / "report.html").read_text(encoding="utf-8").count("Sobol") >= 2
    dashboard = pytest.importorskip("sim.app.dashboard")  # the live app opens a sweep folder too
    note, *sections = dashboard.folder_view(str(out))
    assert note.children.startswith("Sweep folder") and len(sections) == 2


def test_serial_pool_and_dask_write_the_same_bytes(tmp_path):
    design = grid(tmp_path)
    runs = {"serial": ["--workers", "1"], "pool": ["--workers", "2"],
            "dask": ["--scheduler", "local", "--workers", "2"]}
    for name, options in runs.items():
        assert sweep(design, tmp_path / name, *options) == 0, name
    reference = tmp_path / "serial"
    for name in ("pool", "dask"):
        for table in ("summary.parquet", "sensitivity.parquet", "points.parquet"):
            assert (tmp_path / name / table).read_bytes() == (reference / table).read_bytes(), \
                (name, table)
        assert metric_files(tmp_path / name) == metric_files(reference), name


def test_a_running_dask_scheduler_gives_the_same_bytes(tmp_path):
    distributed = pytest.importorskip("distributed")
    design = grid(tmp_path)
    assert sweep(design, tmp_path / "pool", "--workers", "2") == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert sweep(design, tmp_path / "remote", "--scheduler",
                     cluster.scheduler_address) == 0
    for table in ("summary.parquet", "sensitivity.parquet"):
        assert (tmp_path / "remote" / table).read_bytes() == \
            (tmp_path / "pool" / table).read_bytes()


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys):
    assert sweep(grid(tmp_path), tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9") == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: sweep: --scheduler: cannot reach the scheduler at "
                             "tcp://127.0.0.1:9")
    assert not (tmp_path / "out").exists()


def test_three_shards_make_the_unsharded_sweep_without_overlap(tmp_path):
    design = grid(tmp_path)
    assert sweep(design, tmp_path / "whole", "--workers", "1") == 0
    whole = metric_files(tmp_path / "whole")
    parts = []
    for i in (1, 2, 3):
        assert sweep(design, tmp_path / f"shard{i}", "--workers", "1", "--shard", f"{i}/3") == 0
        parts.append(metric_files(tmp_path / f"shard{i}"))
        assert not (tmp_path / f"shard{i}" / "summary.parquet").exists()  # incomplete alone
    assert sum(len(p) for p in parts) == len(whole) == 12
    assert {k: v for p in parts for k, v in p.items()} == whole
    shared = tmp_path / "shared"  # a job array writing into one folder
    for i in (1, 2, 3):
        assert sweep(design, shared, "--workers", "1", "--shard", f"{i}/3") == 0
    assert (shared / "summary.parquet").read_bytes() == \
        (tmp_path / "whole" / "summary.parquet").read_bytes()


def start(design: Path, out: Path) -> subprocess.Popen:
    """A sweep in its own process group that a Ctrl-C reaches, as in a terminal: when the tests
    run as a background job of a shell, SIGINT is ignored and a child would inherit that."""
    return subprocess.Popen([sys.executable, "run_sim.py", "sweep", str(design), "--out",
                             str(out), "--workers", "1", "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_files(out: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while len(list((out / "metrics").rglob("*.parquet"))) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_killed_sweep_leaves_whole_files_and_resume_runs_only_the_rest(tmp_path):
    design = grid(tmp_path, reps=4)  # 24 pairs
    out = tmp_path / "out"
    process = start(design, out)
    wait_for_files(out, 3, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kept = metric_files(out)
    assert 3 <= len(kept) < 24
    for path in kept:
        pq.read_table(out / path)  # every file that exists is whole
    assert not (out / "summary.parquet").exists()
    assert sweep(design, out, "--workers", "1") == 2  # not without --resume
    assert sweep(design, out, "--workers", "2", "--resume") == 0
    run = json.loads((out / "manifest.json").read_text())["this_run"]
    assert (run["found"], run["ran"]) == (len(kept), 24 - len(kept))
    assert {k: v for k, v in metric_files(out).items() if k in kept} == kept  # untouched
    assert not list(out.rglob("*.tmp"))
    assert sweep(design, tmp_path / "fresh", "--workers", "2") == 0
    assert (out / "summary.parquet").read_bytes() == \
        (tmp_path / "fresh" / "summary.parquet").read_bytes()


def test_ctrl_c_exits_130_and_keeps_what_finished(tmp_path):
    out = tmp_path / "out"
    process = start(grid(tmp_path, reps=4), out)
    wait_for_files(out, 2, process)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert len(metric_files(out)) >= 2


def test_a_folder_of_another_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert sweep(grid(tmp_path / "a"), out, "--workers", "1") == 0
    other = grid(tmp_path / "b", levels="[2, 4]")
    assert sweep(other, out, "--workers", "1", "--resume") == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: {out}: --out: the folder holds another sweep (or another version of this "
        "design); choose a new folder")


def corpus() -> dict[str, str]:
    lines = (CORPUS / "expected.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if line and not line.startswith("#"))


EXPECTED = corpus()


def test_every_bad_design_has_its_message():
    assert {p.name for p in CORPUS.glob("*.toml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_design_is_refused_by_validate_and_sweep(name, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    file = f"tests/bad_inputs/designs/{name}"
    assert main(["validate", file]) == 2
    assert capsys.readouterr().err.splitlines() == [EXPECTED[name]]
    assert sweep(Path(file), tmp_path / "out", "--workers", "1") == 2
    assert capsys.readouterr().err.splitlines() == [EXPECTED[name]]
    assert not (tmp_path / "out").exists()


def test_bad_design_gets_one_line_and_no_traceback_from_a_real_process():
    done = subprocess.run([sys.executable, "run_sim.py", "sweep",
                           "tests/bad_inputs/designs/unknown_path.toml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [EXPECTED["unknown_path.toml"]]


def test_validate_shows_a_design_with_its_points(tmp_path, capsys):
    assert main(["validate", str(grid(tmp_path)), "--show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["points"][0] == {"support.support_workers": 1.0,
                                  "population.inflow_per_month": 0.8}
    assert len(shown["points"]) == 3 * 2 and shown["reps"] == 2


def test_a_sweep_with_a_posterior_runs_draw_k_in_replication_k(tmp_path, capsys):
    """A hand-made posterior of two sets of the short type's self-exit hazard: replication k of
    every point runs draw k, the manifest says so, and the folder refuses another posterior."""
    cal = tmp_path / "cal"
    cal.mkdir()
    path = "population.types.short.self_exit_per_year"
    pq.write_table(pa.table({"draw": [0, 1], path: [0.2, 4.0], "weight": [0.5, 0.5]}),
                   cal / "posterior.parquet")
    (cal / "manifest.json").write_text(json.dumps(
        {"settings": {"parameters": [{"path": path, "low": 0.1, "high": 5.0}]}}),
        encoding="utf-8")
    design = grid(tmp_path / "d", reps=4, levels="[1]")
    plain, drawn = tmp_path / "plain", tmp_path / "drawn"
    assert sweep(design, plain, "--workers", "1") == 0
    assert sweep(design, drawn, "--workers", "1", "--posterior", str(cal)) == 0
    manifest = json.loads((drawn / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["uncertainty"] == "parameter and stochastic"
    assert manifest["posterior"]["draws"] == 4
    assert metric_files(plain) != metric_files(drawn)  # the draws change the runs
    assert sweep(design, drawn, "--workers", "1", "--resume") == 2  # not without it
    assert "another posterior" in capsys.readouterr().err
