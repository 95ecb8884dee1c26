"""Bad input on the command line: exit 2, one `error: <file>: <key>: …` line, no traceback, and
nothing written — checked through a real `python run_sim.py` process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("baseline", "baseline_2023", "reform_2024", "surge")


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run_sim.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def run_args(*scenarios: Path, out: Path) -> list[str | Path]:
    return ["run", *scenarios, "--reps", "1", "--years", "0.2", "--workers", "1", "--quiet",
            "--out", out]


def assert_refused(done: subprocess.CompletedProcess, *named: str) -> str:
    """Exit 2 with exactly one `error: ` line naming every string in `named`."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for text in named:
        assert text in line, f"{text!r} not named in: {line}"
    return line


@pytest.mark.parametrize(("body", "key"), [
    ("bogus_days = 3\n", "bogus_days"),
    ("[allocation]\nquota_share = 1.5\n", "allocation.quota_share"),
    ("[population]\ninitial_homeless = -1\n", "population.initial_homeless"),
    ("[shelter]\nstay_days_mean = nan\n", "shelter.stay_days_mean"),
    ("[assessment.route_share]\nown_home = 0.9\n", "assessment.route_share"),
], ids=["unknown-key", "share-above-1", "negative-count", "nan", "shares-sum"])
def test_bad_scenario_is_refused_before_anything_is_written(make_scenario, tmp_path, body, key):
    path, out = make_scenario(body), tmp_path / "out"
    line = assert_refused(cli(*run_args(path, out=out)), str(path), key)
    assert line.startswith(f"error: {path}: {key}: ")
    assert not out.exists()


def test_missing_scenario_file(tmp_path):
    path, out = tmp_path / "absent.toml", tmp_path / "out"
    assert_refused(cli(*run_args(path, out=out)), str(path))
    assert not out.exists()


def test_cyclic_extends(tmp_path):
    a, b, out = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "out"
    a.write_text('extends = "b.toml"\nname = "a"\n', encoding="utf-8")
    b.write_text('extends = "a.toml"\nname = "b"\n', encoding="utf-8")
    line = assert_refused(cli(*run_args(a, out=out)), "extends", "a.toml", "b.toml")
    assert str(tmp_path) in line  # the file is named with its path
    assert not out.exists()


def test_invalid_toml(make_scenario, tmp_path):
    path, out = make_scenario("[run\n"), tmp_path / "out"
    assert_refused(cli(*run_args(path, out=out)), str(path))
    assert not out.exists()


def test_bad_second_scenario_stops_the_first_from_running(make_scenario, tmp_path):
    good = make_scenario(name="good")
    bad = make_scenario("[shelter]\nuser_share = 7.0\n", name="bad")
    out = tmp_path / "out"
    assert_refused(cli(*run_args(good, bad, out=out)), str(bad), "shelter.user_share")
    assert not out.exists()


def test_two_scenarios_with_one_name(make_scenario, tmp_path):
    first = make_scenario(name="twin")
    second = tmp_path / "other.toml"
    second.write_text(f'extends = "{first.as_posix()}"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert_refused(cli(*run_args(first, second, out=out)), "name", "twin")
    assert not out.exists()


def test_non_empty_out_folder_is_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    done = cli(*run_args(ROOT / "scenarios" / "baseline.toml", out=out))
    assert_refused(done, str(out), "--out")
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_out_that_is_a_file_is_left_alone(tmp_path, command):
    out = tmp_path / "notes.txt"
    out.write_text("mine", encoding="utf-8")
    args = run_args(ROOT / "scenarios" / "baseline.toml", out=out) if command == "run" else \
        ["sweep", ROOT / "scenarios" / "designs" / "staffing_grid.toml", "--out", out]
    line = assert_refused(cli(*args), str(out), "--out")
    assert "a file, not a folder" in line
    assert out.read_text(encoding="utf-8") == "mine"


def test_years_too_short_for_the_scenario(tmp_path):
    # 0.001 years rounds to no day at all: the shortened scenario is invalid, and that is the
    # user's input to fix (exit 2), not a crash
    out = tmp_path / "out"
    done = cli("run", ROOT / "scenarios" / "baseline.toml", "--years", "0.001", "--reps", "1",
               "--workers", "1", "--quiet", "--out", out)
    assert_refused(done, "baseline.toml", "years")
    assert not out.exists()


def test_validate_refuses_a_bad_file(make_scenario):
    path = make_scenario("[shelter]\nbogus = 1\n")
    assert_refused(cli("validate", path), str(path), "shelter.bogus")


def test_compare_refuses_a_bad_file(make_scenario, tmp_path):
    path, out = make_scenario("[support]\ndecline_share = 1.2\n"), tmp_path / "out"
    done = cli("compare", ROOT / "scenarios" / "baseline.toml", path, "--reps", "1",
               "--years", "0.2", "--workers", "1", "--quiet", "--out", out)
    assert_refused(done, str(path), "support.decline_share")
    assert not out.exists()


def test_validate_accepts_the_shipped_scenarios():
    files = [ROOT / "scenarios" / f"{name}.toml" for name in SHIPPED]
    done = cli("validate", *files)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.strip().splitlines()
    assert len(lines) == len(SHIPPED)
    for name, line in zip(SHIPPED, lines, strict=True):
        assert f"{name}.toml" in line and name in line
