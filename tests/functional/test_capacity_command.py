"""The capacity command: it names the starved stage and adds that stage's staff until the metric
is back at the reference's level; bad input exits 2 with one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFORM = ROOT / "scenarios" / "reform_2024.toml"


def capacity(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run_sim.py", "capacity", "--quiet", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def assert_refused(done: subprocess.CompletedProcess, *named: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    for text in named:
        assert text in lines[0]


@pytest.mark.slow
def test_fewer_caseworkers_are_found_and_restored(make_scenario):
    """Eight caseworkers fewer than the reform from 2024: the assessment queue is the
    bottleneck and the search adds caseworkers back until the wait is the reform's again. (Posts
    are filled at once here: a cut applies at once, so with recruitment times the added posts
    would not be comparable with the reform's.)"""
    reform = make_scenario("[staffing]\nrecruitment_days_mean = 0.0\n", name="reform",
                           extends=REFORM)
    cut = make_scenario('[assessment]\ncaseworkers = [{from = 2023-01-01, value = 20}, '
                        '{from = 2024-01-01, value = 17}]\n', name="cut", extends=reform)
    done = capacity(cut, "--reference", reform, "--metric", "wait_assessment_days_mean",
                    "--years", "1", "--reps", "2", "--workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bottleneck: assessment (caseworkers)" in done.stdout
    result = done.stdout.strip().splitlines()[-1]
    assert result.startswith("smallest additions found: caseworkers +"), result
    assert " reaches the reference's" in result


def test_unknown_metric_is_refused(make_scenario):
    other = make_scenario("", name="other", extends=REFORM)
    done = capacity(other, "--reference", REFORM, "--metric", "no_such_metric", "--years", "0.1",
                    "--reps", "1", "--workers", "1")
    assert_refused(done, "--metric", "no_such_metric")


def test_different_run_windows_are_refused(make_scenario):
    longer = make_scenario("[run]\nend_date = 2028-12-31\n", name="longer", extends=REFORM)
    assert_refused(capacity(longer, "--reference", REFORM), "--reference", "run")


def test_missing_reference_is_refused(tmp_path):
    assert_refused(capacity(REFORM, "--reference", tmp_path / "absent.toml"), "absent.toml")
