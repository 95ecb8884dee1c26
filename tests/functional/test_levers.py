"""The lever table (`housing-sim levers`): the shipped lever file builds the variants it says,
a run writes a result folder with every lever beside the base and prints one row per lever, a
lever with a known effect shows it and one that cannot matter does not, and Ctrl-C keeps what
finished. Refused lever files are in tests/bad_inputs/levers/ (test_bad_inputs.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim import api
from sim.cli import main
from sim.config import levers as lever_files
from sim.config.steps import value_on
from sim.experiments import executors
from sim.experiments import levers as lever_runs

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "golden.toml"
CHECKER = ROOT.parent / "shared" / "tools" / "check_results.py"
SHIPPED = ("quota_share", "shielding", "exit_dwellings", "state_subsidy_dwellings",
           "caseworkers", "housing_advisors", "support_workers", "shelter_beds")

# The small city of the golden trace (30 homeless at the start), made to wait for support: one
# support worker under the support gate, caseworkers to spare and no quota to speak of. Ten
# more support workers must house more citizens; without the shelters' notification rule
# (it starts after the run) shelter beds never decide who is housed or when, so sixty more of
# them (more than the city's shelter users) cannot move the outcomes.
CITY = f"""
extends = "{GOLDEN.as_posix()}"
name = "tiny_city"
description = "the golden city waiting for support"

[assessment]
caseworkers = [{{ from = 2023-01-01, value = 6 }}]
shelter_notification_start = 2030-01-01

[support]
support_workers = [{{ from = 2023-01-01, value = 1 }}]

[allocation]
quota_share = 1.0
quota_share_before_agreement = 1.0
support_rule = "require_capacity"
"""
TINY = """
description = "the tiny city's levers"
base = "tiny_city.toml"

[[levers]]
name = "support_workers"
path = "support.support_workers"
step = 10
unit = "staff"
mechanism = ["utilisation_support_workers", "vacancies_lost_to_support"]

[[levers]]
name = "shelter_beds"
path = "shelter.beds"
step = 60
unit = "beds"
mechanism = "utilisation_shelter_beds"

[[levers]]
name = "shielding"
path = "allocation.shielded_departments"
step = [3]
unit = "departments"
mechanism = ["vacancies_social_homeless"]

[[levers]]
name = "quota_share"
path = "allocation.quota_share"
step = -0.25
unit = "share"
mechanism = ["vacancies_blocked_by_quota"]
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("levers")
    (folder / "tiny_city.toml").write_text(CITY, encoding="utf-8")
    (folder / "tiny.toml").write_text(TINY, encoding="utf-8")
    return folder / "tiny.toml"


@pytest.fixture(scope="module")
def tiny_run(tiny, tmp_path_factory) -> api.LeverResults:
    """Four replications of the tiny city's levers, in this process."""
    return api.levers(tiny, reps=4, out=tmp_path_factory.mktemp("run") / "r", workers=1)


def effect(table, lever: str, metric: str) -> dict:
    rows = [r for r in table.to_pylist() if (r["lever"], r["metric"]) == (lever, metric)]
    assert len(rows) == 1, (lever, metric)
    return rows[0]


def test_the_shipped_lever_file_builds_the_steps_it_states(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # a shipped name works from any folder
    assert main(["validate", "designs/levers"]) == 0
    assert capsys.readouterr().out == ("ok: designs/levers (levers: 8 steps on reform_2024 from "
                                       "2024-01-01)\n")
    plan = lever_runs.plan(lever_files.load(lever_runs.DEFAULT_FILE))
    assert [cfg.name for cfg in plan.variants] == [f"lever_{name}" for name in SHIPPED]
    cfg = {c.name.removeprefix("lever_"): c.model_dump(by_alias=True) for c in plan.variants}
    base = plan.base.model_dump(by_alias=True)
    assert cfg["quota_share"]["allocation"]["quota_share"] == pytest.approx(0.25)
    assert len(cfg["shielding"]["allocation"]["shielded_departments"]) == 15
    for name, path, step in (("support_workers", ("support", "support_workers"), 4),
                             ("caseworkers", ("assessment", "caseworkers"), 2),
                             ("exit_dwellings", ("subsidy", "exit_dwelling",
                                                 "dwellings_per_year"), 30),
                             ("shelter_beds", ("shelter", "beds"), 20)):
        new, old = cfg[name], base
        for key in path:
            new, old = new[key], old[key]
        for day in (dt.date(2023, 6, 1), dt.date(2024, 1, 1), dt.date(2027, 6, 1)):
            added = step if day >= dt.date(2024, 1, 1) else 0  # the warm-up is left alone
            assert value_on(list(new), day) == value_on(list(old), day) + added, (name, day)
    for other, changed in cfg.items():  # each variant changes its lever only
        assert [k for k in base if k not in ("name", "description") and base[k] != changed[k]] \
            == [{"quota_share": "allocation", "shielding": "allocation",
                 "exit_dwellings": "subsidy", "state_subsidy_dwellings": "subsidy",
                 "caseworkers": "assessment", "housing_advisors": "move_in",
                 "support_workers": "support", "shelter_beds": "shelter"}[other]]


def test_a_tiny_run_writes_every_lever_beside_the_base(tiny_run):
    assert tiny_run.scenarios == ["tiny_city", "lever_support_workers", "lever_shelter_beds",
                                  "lever_shielding", "lever_quota_share"]
    assert set(tiny_run.compare["scenario"].to_pylist()) == set(tiny_run.scenarios[1:])
    assert (tiny_run.folder / "report.html").is_file() and not tiny_run.interrupted
    table = tiny_run.levers
    assert table.column_names == list(lever_runs.COLUMNS)
    assert table.schema.metadata[b"base"] == b"tiny_city"
    assert set(table["lever"].to_pylist()) == {"support_workers", "shelter_beds", "shielding",
                                               "quota_share"}
    # one row per lever and outcome, one per lever and mechanism; the base's level beside it
    assert table.num_rows == 4 * 3 + 2 + 1 + 1 + 1
    row = effect(table, "shielding", "vacancies_social_homeless")
    level = [r["mean"] for r in tiny_run.summary.to_pylist()
             if (r["scenario"], r["metric"]) == ("tiny_city", "vacancies_social_homeless")]
    assert row["base_mean"] == level[0] and row["reps"] == 4
    assert effect(table, "shielding", "housed_total")["step"] == "+1 departments (1 → 2)"
    assert effect(table, "quota_share", "housed_total")["step"] == "-0.25 share (1 → 0.75)"


def test_a_lever_with_a_known_effect_shows_it_and_one_that_cannot_matter_does_not(tiny_run):
    table = tiny_run.levers
    more_staff = effect(table, "support_workers", "housed_total")
    assert more_staff["ci_low"] > 0, more_staff  # the support gate opens
    # fewer lets lost to the support gate: the mechanism behind it
    assert effect(table, "support_workers", "vacancies_lost_to_support")["ci_high"] < 0
    for metric in ("housed_total", "homeless_mean", "homeless_to_home_days_median"):
        beds = effect(table, "shelter_beds", metric)
        assert beds["ci_low"] <= 0 <= beds["ci_high"], beds
    assert effect(table, "shelter_beds", "utilisation_shelter_beds")["ci_high"] < 0


def test_the_command_prints_one_row_per_lever(tiny, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["levers", str(tiny), "--reps", "2", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0].startswith("Lever table: each lever a step from 2023-06-30 on tiny_city;")
    assert "2 replications, seed 2024" in lines[0]
    assert lines[1].split()[:5] == ["lever", "step", "Δ", "housed_total", "Δ"]
    firsts = [line.split()[0] for line in lines[3:-1] if not line.startswith(" ")]
    assert firsts == ["support_workers", "shelter_beds", "shielding", "quota_share"]
    support = next(line for line in lines if line.startswith("support_workers"))
    assert "+10 staff (1 → 11)" in support and "utilisation_support_workers" in support
    assert printed.err.splitlines()[-1] == f"results: {out}"


def test_ctrl_c_keeps_what_finished_and_exits_130(tiny, tmp_path, capsys, monkeypatch):
    real = executors.pool

    def interrupted(fn, items, workers):
        for done, pair in enumerate(real(fn, items, workers)):
            yield pair
            if done == 6:  # replication 0 of all five scenarios and two of replication 1
                raise KeyboardInterrupt

    monkeypatch.setattr(executors, "pool", interrupted)
    out = tmp_path / "r"
    assert main(["levers", str(tiny), "--reps", "2", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 130
    printed = capsys.readouterr()
    assert "support_workers" in printed.out  # the table of what finished
    assert printed.err.splitlines()[-1] == f"interrupted: kept 7 of 10 replications in {out}"
    assert (out / "levers.parquet").is_file() and not (out / "report.html").exists()
    paired = {r["scenario"]: r["reps"] for r in pq.read_table(out / "compare.parquet").to_pylist()
              if r["metric"] == "housed_total"}
    assert paired == {"lever_support_workers": 2, "lever_shelter_beds": 1, "lever_shielding": 1,
                      "lever_quota_share": 1}


@pytest.mark.slow
def test_the_shipped_levers_run_end_to_end(tmp_path):
    out = tmp_path / "r"
    done = subprocess.run([sys.executable, "run_sim.py", "levers", "--reps", "2", "--years",
                           "0.5", "--workers", "2", "--quiet", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.split()[0] for line in done.stdout.splitlines()[3:-1]
            if not line.startswith(" ")]
    assert rows == list(SHIPPED)
    compared = set(pq.read_table(out / "compare.parquet")["scenario"].to_pylist())
    assert compared == {f"lever_{name}" for name in SHIPPED}
    if CHECKER.is_file():
        check = subprocess.run([sys.executable, str(CHECKER), str(out), "--compare"], cwd=ROOT,
                               capture_output=True, text=True, timeout=300, check=False)
        assert check.returncode == 0, check.stdout[-2000:]
