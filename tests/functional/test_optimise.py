"""What a budget buys (`housing-sim optimise`): on a small problem whose best portfolio is known
by construction, KN++ picks it in every repeated run; the folder holds the candidates, the
replications, the summary and a selection that states its guarantee; a stopped run goes on
with --resume; bad budget files are refused with one line and exit 2.

The small problem: the golden city, three units' money, and three levers at one price — support
workers, which lower the support workers' utilisation by about 0.11 each, and shelter beds and
housing advisors, which do not touch it. The objective is that utilisation, minimised: three
support workers is the best mix by about 0.1, ten times the common-random-number noise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.config import budget as budget_files

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "golden.toml"
PRICE = 456000
SMALL = f"""name = "small"
base = "{GOLDEN.as_posix()}"
from = 2023-07-01
budget_dkk_per_year = {3 * PRICE}
seed = 3
objective = {{ metric = "utilisation_support_workers", direction = "minimise" }}
city = {{ support_workers = 1, beds = 1, housing_advisors = 1 }}
marginal_dkk = {PRICE}
marginal_replications = 6

[selection]
delta = 0.05
first_stage = 5
max_replications = 30
finalists = 3

[search]
replications = 2
start = 4
rounds = 1
batch = 2
front_levels = 1

[[levers]]
name = "support_workers"
path = "support.support_workers"
unit = "worker"
max_units = 4

[[levers]]
name = "beds"
path = "shelter.beds"
unit = "bed"
price_dkk_per_year = {PRICE}
max_units = 4

[[levers]]
name = "housing_advisors"
path = "move_in.housing_advisors"
unit = "advisor"
max_units = 4
"""
BEST = {"support_workers": 3, "beds": 0, "housing_advisors": 0}


@pytest.fixture
def problem(tmp_path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def optimise(problem: Path, out: Path, *more: str) -> int:
    return main(["optimise", str(problem), "--out", str(out), "--workers", "1", "--quiet",
                 *more])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_the_dominant_lever_is_chosen_in_repeated_runs(problem, tmp_path, seed):
    """Stated probability of correct selection 95 %: three runs of three all pick the best."""
    problem.write_text(SMALL.replace("seed = 3", f"seed = {seed}"), encoding="utf-8")
    assert optimise(problem, tmp_path / "out") == 0
    chosen = json.loads((tmp_path / "out" / "selection.json").read_text(encoding="utf-8"))
    assert chosen["chosen"]["units"] == BEST
    assert chosen["guaranteed"]


def test_the_folder_states_the_choice_and_its_guarantee(problem, tmp_path, capsys):
    out = tmp_path / "out"
    assert optimise(problem, out) == 0
    printed = capsys.readouterr().out
    assert "best mix: 3 support_workers, 0 beds, 0 housing_advisors" in printed
    chosen = json.loads((out / "selection.json").read_text(encoding="utf-8"))
    assert chosen["chosen"]["cost_dkk_per_year"] <= 3 * PRICE
    assert chosen["probability_of_correct_selection"] == 0.95
    assert chosen["indifference_zone"] == 0.05
    assert "KN++" in chosen["procedure"]
    assert chosen["versus_city"]["chosen_minus_city"] < 0  # lower utilisation than 1/1/1
    assert {row["lever"] for row in chosen["marginal"]} == {"support_workers", "beds",
                                                            "housing_advisors"}
    candidates = pq.read_table(out / "candidates.parquet").to_pydict()
    assert {"point", "role", "support_workers", "beds", "housing_advisors",
            "cost_dkk_per_year"} <= set(candidates)
    assert candidates["role"][:2] == ["base", "city"]
    metrics = list((out / "metrics").glob("point=*/rep=*/part-0.parquet"))
    assert len(metrics) == chosen["replications_total"]
    summary = pq.read_table(out / "summary.parquet").to_pydict()
    assert {"point", "metric", "mean", "ci_low", "ci_high"} <= set(summary)
    page = (out / "report.html").read_text(encoding="utf-8")
    for figure in ("budget-front", "budget-marginal"):
        assert f'<div id="{figure}"' in page, figure
    assert main(["report", str(out)]) == 0


def test_resume_reruns_only_what_is_missing(problem, tmp_path):
    out = tmp_path / "out"
    assert optimise(problem, out) == 0
    first = json.loads((out / "selection.json").read_text(encoding="utf-8"))
    lost = sorted((out / "metrics").glob("point=*/rep=*/part-0.parquet"))[-5:]
    for path in lost:
        path.unlink()
    (out / "selection.json").unlink()
    assert optimise(problem, out) == 2  # a folder in use needs --resume
    assert optimise(problem, out, "--resume") == 0
    again = json.loads((out / "selection.json").read_text(encoding="utf-8"))
    assert again["replications_run"] == 5
    for key in ("chosen", "finalists", "versus_city", "marginal"):
        assert again[key] == first[key], key


@pytest.mark.parametrize(("change", "key", "says"), [
    ('path = "shelter.beds"', "levers[1].path", "not a parameter"),
    (f"price_dkk_per_year = {PRICE}", "levers[1].price_dkk_per_year", "greater than 0"),
    (f"budget_dkk_per_year = {3 * PRICE}", "budget_dkk_per_year", "below the cheapest unit"),
    ('metric = "utilisation_support_workers"', "objective.metric", "not a summary metric"),
    ("city = { support_workers = 1", "city", "more than"),
])
def test_a_bad_budget_file_is_refused(problem, tmp_path, capsys, change, key, says):
    bad = {'path = "shelter.beds"': 'path = "shelter.no_such_thing"',
           f"price_dkk_per_year = {PRICE}": "price_dkk_per_year = -5",
           f"budget_dkk_per_year = {3 * PRICE}": "budget_dkk_per_year = 1000",
           'metric = "utilisation_support_workers"': 'metric = "happiness"',
           "city = { support_workers = 1": "city = { support_workers = 3"}[change]
    problem.write_text(SMALL.replace(change, bad, 1), encoding="utf-8")
    assert optimise(problem, tmp_path / "o") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert str(problem) in err[0] and key in err[0] and says in err[0], err[0]
    assert not (tmp_path / "o").exists()


def test_the_shipped_budget_file_prices_the_citys_choice_at_its_money():
    budget = budget_files.load("budgets/budget_2024")
    assert budget.cost(budget.city) == pytest.approx(budget.money) == 7_729_000


@pytest.mark.slow
def test_a_dask_cluster_makes_the_same_choice(problem, tmp_path):
    pytest.importorskip("distributed")
    assert optimise(problem, tmp_path / "pool") == 0
    assert optimise(problem, tmp_path / "dask", "--scheduler", "local") == 0
    pool, dask = (json.loads((tmp_path / name / "selection.json").read_text(encoding="utf-8"))
                  for name in ("pool", "dask"))
    for key in ("chosen", "finalists", "versus_city", "marginal"):
        assert dask[key] == pool[key], key
