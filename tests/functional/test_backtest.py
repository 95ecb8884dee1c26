"""The back-test command: exit 1 when a figure falls outside its tolerance, 0 when all pass
(the shipped calibration, known misses reported but not failing), 2 on a bad observed file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

ROOT = Path(__file__).resolve().parents[2]
BACKTEST = ROOT / "scenarios" / "backtest"


def backtest(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run_sim.py", "backtest", "--quiet", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def count_figure(low: float, high: float, extra: str = "") -> str:
    return dedent(f"""
        [[figure]]
        name = "count_2011"
        what = "homeless on the VIVE count day, 2011"
        measure = "count"
        year = 2011
        observed = 1507
        low = {low}
        high = {high}
        unit = "citizens"
        source = "VIVE"
        tolerance = "test"
        {extra}
    """)


@pytest.fixture
def observed(tmp_path):
    """An observed file over a short history run (2009 to spring 2011) and the given figures."""
    short = tmp_path / "short.toml"
    short.write_text(dedent(f"""
        extends = "{(BACKTEST / 'history_2009.toml').as_posix()}"
        name = "short_history"
        [run]
        end_date = 2011-03-31
    """), encoding="utf-8")

    def write(figures: str) -> Path:
        path = tmp_path / "observed.toml"
        path.write_text(dedent(f"""
            [runs]
            history = "short.toml"
            without_reform = "{(ROOT / 'scenarios' / 'baseline_2023.toml').as_posix()}"
            with_reform = "{(ROOT / 'scenarios' / 'reform_2024.toml').as_posix()}"
        """) + figures, encoding="utf-8")
        return path

    return write


def test_a_figure_outside_its_tolerance_fails(observed):
    done = backtest("--observed", observed(count_figure(400, 600)), "--reps", "2",
                    "--workers", "1")
    assert done.returncode == 1, done.stderr
    assert "MISS count_2011" in done.stdout
    assert "back-test failed: 1 figures, 0 within tolerance, 0 known misses, 1 outside" \
        in done.stdout


def test_a_figure_inside_its_tolerance_passes(observed):
    done = backtest("--observed", observed(count_figure(1000, 2000)), "--reps", "2",
                    "--workers", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "count_2011" in done.stdout and "MISS" not in done.stdout


def test_a_known_miss_is_reported_but_does_not_fail(observed):
    figure = count_figure(400, 600, 'known_miss = "a reason"')
    done = backtest("--observed", observed(figure), "--reps", "2", "--workers", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "known miss count_2011: a reason" in done.stdout


@pytest.mark.parametrize(("figure", "key"), [
    (count_figure(600, 400), "figure[0]"),
    (count_figure(400, 600).replace('"count"', '"bogus"'), "figure[0].measure"),
    (count_figure(400, 600).replace("year = 2011", "year = 2015"), "figure[0].count_2011"),
    (count_figure(400, 600).replace("year = 2011", ""), "figure[0]"),
], ids=["low-above-high", "unknown-measure", "outside-run", "missing-year"])
def test_bad_observed_file_is_refused(observed, figure, key):
    path = observed(figure)
    done = backtest("--observed", path, "--reps", "1", "--workers", "1")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert f": {key}" in lines[0] and "Traceback" not in done.stderr


@pytest.mark.slow
def test_shipped_calibration_passes():
    """The shipped observed file with default replications: every figure is within tolerance
    or a documented known miss."""
    done = backtest()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "back-test passed" in done.stdout
