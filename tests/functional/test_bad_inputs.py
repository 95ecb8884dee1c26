"""The bad-input corpus (tests/bad_inputs/): every malformed scenario file, given to `validate`
and to `run`, and every malformed command line, gets exactly its expected line on stderr, exit
2, no traceback, and nothing written — through a real `python run_sim.py` process. Malformed
lever files (tests/bad_inputs/levers/) go to `validate` in a real process and to `levers` in
this one (malformed designs: test_sweep.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "bad_inputs"


def expected(folder: Path = CORPUS) -> dict[str, str]:
    lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("\t", 1) for line in lines if line and not line.startswith("#"))
    return {name: message.replace("{root}", str(ROOT)) for name, message in pairs}


EXPECTED = expected()
LEVERS = expected(CORPUS / "levers")


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run_sim.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def assert_refused(done: subprocess.CompletedProcess, line: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.splitlines() == [line]
    assert done.stdout == ""


def test_every_corpus_file_has_its_message():
    files = {p.name for p in CORPUS.glob("*.toml")}
    assert files == set(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_refuses(name):
    assert_refused(cli("validate", f"tests/bad_inputs/{name}"), EXPECTED[name])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_run_refuses_and_writes_nothing(name, tmp_path):
    out = tmp_path / "out"
    done = cli("run", f"tests/bad_inputs/{name}", "--reps", "1", "--workers", "1", "--quiet",
               "--out", out)
    assert_refused(done, EXPECTED[name])
    assert not out.exists()


def test_every_bad_lever_file_has_its_message():
    assert {p.name for p in (CORPUS / "levers").glob("*.toml")} == set(LEVERS)


@pytest.mark.parametrize("name", sorted(LEVERS))
def test_validate_refuses_a_bad_lever_file(name):
    assert_refused(cli("validate", f"tests/bad_inputs/levers/{name}"), LEVERS[name])


@pytest.mark.parametrize("name", sorted(LEVERS))
def test_levers_refuses_a_bad_lever_file_and_writes_nothing(name, tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    assert main(["levers", f"tests/bad_inputs/levers/{name}", "--reps", "1", "--workers", "1",
                 "--quiet", "--out", str(out)]) == 2
    printed = capsys.readouterr()
    assert (printed.err.splitlines(), printed.out) == ([LEVERS[name]], "")
    assert not out.exists()


GOOD = "tests/golden/golden.toml"
ARGUMENTS = {
    "reps-zero": (["run", GOOD, "--reps", "0"],
                  "error: run: --reps: '0': must be a whole number of at least 1 (see --help)"),
    "reps-text": (["run", GOOD, "--reps", "many"], "error: run: --reps: 'many' is not a number; "
                  "must be a whole number of at least 1 (see --help)"),
    "seed-negative": (["compare", GOOD, GOOD, "--seed", "-3"],
                      "error: compare: --seed: '-3': must be a whole number of at least 0 "
                      "(see --help)"),
    "years-zero": (["run", GOOD, "--years", "0"],
                   "error: run: --years: '0': must be a number above 0 (years) (see --help)"),
    "years-nan": (["run", GOOD, "--years", "nan"],
                  "error: run: --years: 'nan': must be a number above 0 (years) (see --help)"),
    "workers-zero": (["run", GOOD, "--workers", "0"],
                     "error: run: --workers: '0': must be a whole number of at least 1 "
                     "(see --help)"),
    "no-scenario": (["run"], "error: run: the following arguments are required: SCENARIO.toml "
                    "(see --help)"),
    "no-file": (["validate"], "error: validate: the following arguments are required: FILE "
                "(see --help)"),
    "unknown-option": (["run", GOOD, "--fast"],
                       "error: housing-sim: unrecognized arguments: --fast (see --help)"),
    "unknown-command": (["simulate"], "error: housing-sim: command: invalid choice: 'simulate' "
                        "(choose from 'run', 'compare', 'validate', 'report', 'dashboard', "
                        "'capacity', 'backtest', 'calibrate', 'optimise', 'sweep', 'levers') "
                        "(see --help)"),
    "compare-one": (["compare", GOOD], "error: compare: needs at least two scenarios (the first "
                    "is the reference)"),
    "not-a-result-folder": (["report", "tests"], "error: tests: summary.parquet: not a result "
                            "folder (no summary.parquet)"),
    "sweep-without-design": (["sweep"], "error: sweep: the following arguments are required: "
                             "DESIGN.toml (see --help)"),
    "sweep-scenario-for-design": (["sweep", GOOD], f"error: {GOOD}: factors: not a sweep "
                                  "design: it has no [[factors]] (scenario files go to run or "
                                  "compare)"),
    "levers-scenario-for-lever-file": (["levers", GOOD], f"error: {GOOD}: levers: not a lever "
                                       "file: it has no [[levers]] (scenario files go to run or "
                                       "compare, designs to sweep)"),
    "shard-out-of-range": (["sweep", "scenarios/designs/staffing_grid.toml", "--shard", "4/3"],
                           "error: sweep: --shard: '4/3': give i/N with 1 <= i <= N, e.g. 2/8 "
                           "(see --help)"),
    "scheduler-not-an-address": (["sweep", "scenarios/designs/staffing_grid.toml",
                                  "--scheduler", "host:8786"],
                                 "error: sweep: --scheduler: 'host:8786' is not a scheduler "
                                 "address; give tcp://host:8786 or local"),
}


@pytest.mark.parametrize("case", list(ARGUMENTS))
def test_bad_command_line(case, tmp_path):
    args, line = ARGUMENTS[case]
    out = tmp_path / "out"
    writes = ("run", "compare", "sweep", "levers")
    extra = ["--out", str(out)] if args[0] in writes and len(args) > 1 else []
    assert_refused(cli(*args, *extra), line)
    assert not out.exists()
