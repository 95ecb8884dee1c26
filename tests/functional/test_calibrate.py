"""Calibration (`housing-sim calibrate`): on a small problem whose truth is known, the posterior
covers the parameter that made the "observed" figures; the command writes the calibration folder;
a bad calibration file is refused with one line and exit 2.

The small problem: the golden city (2023-2024) as the history run, the short-stay type's
self-exit hazard as the unknown (truth 1.2 a year), and two figures the model itself made at
the truth — the count on the 2024 count day and the homeless in 2024 per count — each observed
as the mean over 16 seeds, with that mean's standard error as its uncertainty (the model's noise
in one replication is the emulator's to add).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim import config
from sim.cli import main
from sim.experiments import backtest, calibrate, executors, posterior
from sim.model.city import run_replication

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "golden.toml"
PATH = "population.types.short.self_exit_per_year"
TRUTH = 1.2
FIGURES = {"count_2024": ("count", "year = 2024", "citizens"),
           "homeless_in_year_2024": ("homeless_in_year", "year = 2024", "ratio")}


def figure(name: str, observed: float) -> str:
    measure, when, unit = FIGURES[name]
    return (f'[[figure]]\nname = "{name}"\nwhat = "{name}"\nmeasure = "{measure}"\n{when}\n'
            f'observed = {observed}\nlow = 0\nhigh = 1e9\nunit = "{unit}"\nsource = "the model"\n'
            f'tolerance = "none"\n')


def truth_figures() -> dict[str, tuple[float, float]]:
    """Each figure's mean over 16 seeds at the true parameter, and that mean's standard error."""
    base = config.load(GOLDEN)
    data = base.model_dump(by_alias=True)
    config.set_parameter(data, PATH, TRUTH, base.run.start_date)
    cfg = config.Scenario.model_validate(data)
    values: dict[str, list[float]] = {name: [] for name in FIGURES}
    for seed in range(16):
        view = backtest.Rep(run_replication(cfg, seed, 0), cfg)
        for name, (measure, _, _) in FIGURES.items():
            fig = backtest.Figure(name=name, what=name, measure=measure, observed=0, low=0,
                                  high=1, unit="u", source="s", tolerance="t", year=2024)
            values[name].append(backtest.measure(view, fig))
    return {name: (float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(len(v))))
            for name, v in values.items()}


@pytest.fixture(scope="module")
def problem(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("calibration")
    truth = truth_figures()
    runs = f'[runs]\nhistory = "{GOLDEN.as_posix()}"\nwithout_reform = "{GOLDEN.as_posix()}"\n' \
           f'with_reform = "{GOLDEN.as_posix()}"\n\n'
    (folder / "observed.toml").write_text(
        runs + "\n".join(figure(name, mean) for name, (mean, _) in truth.items()),
        encoding="utf-8")
    targets = "".join(f'[[targets]]\nfigure = "{name}"\nsd = {sd}\n'
                      for name, (_, sd) in truth.items())
    (folder / "small.toml").write_text(
        'name = "small"\nobserved = "observed.toml"\nsamples = 40\nwaves = 2\n'
        'predictive_runs = 10\nseed = 7\n\n'
        f'[[parameters]]\npath = "{PATH}"\nlow = 0.3\nhigh = 3.0\n\n' + targets,
        encoding="utf-8")
    return folder / "small.toml"


@pytest.mark.slow
def test_the_posterior_covers_the_truth(problem):
    plan = calibrate.load(problem)
    fitted = calibrate.fit(plan, executors.serial, progress=False)
    low, high = calibrate.weighted_quantiles(fitted.posterior[:, 0], fitted.weights, (0.05, 0.95))
    assert low <= TRUTH <= high, (low, high)
    print(f"90 % interval [{low:.2f}, {high:.2f}]")
    assert high - low < 0.5 * (3.0 - 0.3)  # the figures say something about the parameter
    assert calibrate.effective_size(fitted.weights) > 100  # the emulator weighs many sets


def test_a_held_out_target_is_predicted_not_fitted(problem):
    """Holding out the homeless-in-a-year ratio leaves the weights those of the count alone."""
    held = problem.parent / "held.toml"
    text = problem.read_text(encoding="utf-8")
    held.write_text(text.replace('figure = "homeless_in_year_2024"',
                                 'figure = "homeless_in_year_2024"\nheld_out = true'),
                    encoding="utf-8")
    plan = calibrate.load(held, budget=6)
    fitted = calibrate.fit(plan, executors.serial, progress=False)
    count = (fitted.simulated[:, 0] - plan.figures[0].observed) / plan.calibration.targets[0].sd
    assert np.allclose(calibrate.distances(plan, fitted.simulated)[:, 0], count)
    assert calibrate.distances(plan, fitted.simulated).shape[1] == 1
    assert calibrate.fit_table(plan, fitted).column("held_out").to_pylist() == [False, True]


def test_the_command_writes_the_calibration_folder(problem, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["calibrate", str(problem), "--out", str(out), "--budget", "10",
                 "--workers", "1", "--quiet"]) == 0
    posterior = pq.read_table(out / "posterior.parquet").to_pydict()
    assert set(posterior) == {"draw", PATH, "weight"} and len(posterior["draw"]) > 100
    assert sum(posterior["weight"]) == pytest.approx(1.0)
    fit = pq.read_table(out / "fit.parquet").to_pydict()
    assert fit["target"] == list(FIGURES)
    assert all(0 <= share <= 1 for share in fit["emulator_inside_95"])
    assert pq.read_table(out / "targets.parquet").column("uncertainty").to_pylist()[0] > 0
    assert pq.read_table(out / "runs" / "part-0.parquet").num_rows == 8  # 4 a wave
    predictive = pq.read_table(out / "runs" / "predictive.parquet").to_pydict()
    assert predictive["set"] == [0, 1] and predictive["replication"] == [8, 9]  # after the waves
    assert set(predictive["draw"]) <= set(posterior["draw"])
    assert (out / "manifest.json").is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    for figure in ("cal-counts", "cal-fit", "cal-marginals", "cal-emulator"):
        assert f'<div id="{figure}"' in page, figure
    assert main(["report", str(out)]) == 0  # rebuilt from the folder alone
    printed = capsys.readouterr().out
    assert "calibration small: 8 runs of golden in 2 waves, 2 predictive runs" in printed


@pytest.mark.parametrize(("change", "key", "says"), [
    ((PATH, "population.no_such_thing"), "parameters.path", "not a parameter"),
    (("low = 0.3\nhigh = 3.0", "low = 3.0\nhigh = 0.3"), "parameters[0]", "low"),
    (('figure = "count_2024"', 'figure = "count_1999"'), "targets[0].figure",
     "not a history figure"),
    (("sd = ", "sd = -"), "targets[0].sd", "greater than 0"),
    ((f'path = "{PATH}"', f'path = "{PATH}"\nbalance = "population.types.none.inflow_share"'),
     "parameters.path", "not a parameter"),
])
def test_a_bad_calibration_file_is_refused(problem, tmp_path, capsys, change, key, says):
    text = problem.read_text(encoding="utf-8").replace(*change, 1)
    bad = problem.parent / f"bad_{abs(hash(key))}.toml"
    bad.write_text(text, encoding="utf-8")
    assert main(["calibrate", str(bad), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert str(bad) in err[0] and key in err[0] and says in err[0], err[0]
    assert not (tmp_path / "o").exists()


def test_compare_with_the_posterior_runs_replication_k_with_draw_k(problem, tmp_path, capsys):
    cal = tmp_path / "cal"
    assert main(["calibrate", str(problem), "--out", str(cal), "--budget", "6", "--workers",
                 "1", "--quiet"]) == 0
    drawn = posterior.load(cal).drawn(3, seed=5)
    base = config.load(GOLDEN)
    for rep in range(4):  # the draws cycle: replication 3 runs draw 0 again
        chosen = drawn.values[drawn.chosen[rep % 3], 0]
        cfg = drawn.scenario(base, rep)
        assert cfg.homeless_types.kinds["short"].self_exit_per_day == pytest.approx(chosen / 365)
    more = tmp_path / "more.toml"
    more.write_text(f'extends = "{GOLDEN.as_posix()}"\nname = "more"\n[support]\n'
                    'support_workers = [{ from = 2023-01-01, value = 3 }]\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["compare", str(GOLDEN), str(more), "--reps", "3", "--seed", "5",
                 "--posterior", str(cal), "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "r")]) == 0
    assert "Intervals carry parameter and stochastic uncertainty" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["uncertainty"] == "parameter and stochastic"
    assert manifest["posterior"]["draws"] == 3


def test_no_posterior_says_so_and_draws_need_one(tmp_path, capsys):
    assert main(["run", str(GOLDEN), "--reps", "1", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "r")]) == 0
    assert "stochastic uncertainty only" in capsys.readouterr().out
    assert main(["run", str(GOLDEN), "--reps", "1", "--draws", "2", "--quiet",
                 "--out", str(tmp_path / "s")]) == 2
    assert main(["run", str(GOLDEN), "--reps", "1", "--posterior", str(tmp_path), "--quiet",
                 "--out", str(tmp_path / "t")]) == 2


def test_the_backtest_runs_with_the_posterior(problem, tmp_path, capsys):
    cal = tmp_path / "cal"
    assert main(["calibrate", str(problem), "--out", str(cal), "--budget", "4", "--workers",
                 "1", "--quiet"]) == 0
    observed = problem.parent / "observed.toml"
    capsys.readouterr()
    assert main(["backtest", "--observed", str(observed), "--posterior", str(cal), "--reps",
                 "2", "--workers", "1", "--quiet"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith(f"each replication a draw of the posterior in {cal}")


def test_resume_runs_only_what_a_stopped_calibration_left(problem, tmp_path, monkeypatch):
    """A folder cut back to its first wave (as Ctrl-C leaves it) is finished by --resume with
    the runs it lacks, and ends as the uninterrupted calibration does."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    args = ["calibrate", str(problem), "--budget", "10", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(whole)]) == 0
    (cut / "runs").mkdir(parents=True)
    (cut / "manifest.json").write_bytes((whole / "manifest.json").read_bytes())
    runs = pq.read_table(whole / "runs" / "part-0.parquet")
    pq.write_table(runs.filter(pc.equal(runs.column("wave"), 0)),
                   cut / "runs" / "part-0.parquet")
    ran = []
    simulate = calibrate.simulate
    monkeypatch.setattr(calibrate, "simulate", lambda task: ran.append(task) or simulate(task))
    assert main([*args, "--out", str(cut)]) == 2  # not without --resume
    assert main([*args, "--out", str(cut), "--resume"]) == 0
    assert len(ran) == 4 + 2  # the second wave and the predictive runs
    for name in ("posterior.parquet", "fit.parquet", "runs/part-0.parquet"):
        assert pq.read_table(cut / name).equals(pq.read_table(whole / name)), name


def test_resume_refuses_another_calibrations_folder(problem, tmp_path, capsys):
    other = problem.parent / "other.toml"
    other.write_text(problem.read_text(encoding="utf-8").replace("seed = 7", "seed = 8"),
                     encoding="utf-8")
    out = tmp_path / "out"
    assert main(["calibrate", str(problem), "--budget", "5", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["calibrate", str(other), "--budget", "5", "--workers", "1", "--quiet",
                 "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--resume" in err and "another calibration" in err and "\n" not in err


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_posterior(problem, tmp_path):
    pytest.importorskip("distributed")
    args = ["calibrate", str(problem), "--budget", "5", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "pool")]) == 0
    assert main([*args, "--out", str(tmp_path / "dask"), "--scheduler", "local"]) == 0
    for name in ("posterior.parquet", "runs/predictive.parquet"):
        assert pq.read_table(tmp_path / "dask" / name).equals(
            pq.read_table(tmp_path / "pool" / name)), name


def test_the_shipped_posterior_was_made_by_the_shipped_calibration_file():
    """The out-of-sample file fits the same priors, and the shipped posterior is the shipped
    file's: a changed prior or target without a rebuilt posterior fails here."""
    shipped = ROOT / "scenarios" / "calibration"
    plan = calibrate.load(shipped / "copenhagen.toml")
    to_2017 = calibrate.load(shipped / "copenhagen_to_2017.toml")
    assert to_2017.calibration.parameters == plan.calibration.parameters
    manifest = json.loads((shipped / "copenhagen-posterior" / "manifest.json").read_text())
    assert manifest["complete"]
    assert calibrate.Calibration.model_validate(manifest["settings"]) == plan.calibration
