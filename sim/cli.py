"""The command line of CONTRACT.md: `python run_sim.py [command] …` or `housing-sim …`.

Bad input gets one line `error: <file>: <key>: <problem>` on stderr and exit 2, before anything
is written; Ctrl-C exits 130 keeping every replication that finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from sim import config
from sim.config import Scenario, ScenarioError

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
MAIN_JOB = ("baseline_2023.toml", "reform_2024.toml")
DEFAULT_SEED = 2024
DEFAULT_REPS = 20
EXIT_BAD_INPUT, EXIT_INTERRUPTED = 2, 130
PLANNED = {
    "sweep": "parameter sweeps (issue 6)",
    "capacity": "the capacity search for the surge question (issue 5)",
    "backtest": "the back-test against Copenhagen's figures (issue 5)",
    "dashboard": "the live what-if app (issue 7)",
}


class BadInput(Exception):
    """A command-line problem that is the user's to fix (exit 2)."""


class Parser(argparse.ArgumentParser):
    """argparse with CONTRACT.md's errors: one line `error: <command>: <argument>: <problem>`,
    exit 2, no usage block (that is what --help is for)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("housing-sim").strip() or "housing-sim"
        message = message.removeprefix("argument ")
        self.exit(EXIT_BAD_INPUT, f"error: {command}: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(
        prog="housing-sim",
        description="Simulate Copenhagen's homeless-to-housing pipeline. With no command: "
                    "run baseline_2023 and reform_2024 with common random numbers into "
                    "results/latest/.")
    sub = top.add_subparsers(dest="command", metavar="command")
    for name, help_text in (("run", "replications of one or more scenarios"),
                            ("compare", "paired differences against the first scenario")):
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO.toml")
        cmd.add_argument("--reps", type=_positive_int, default=DEFAULT_REPS,
                         help=f"replications per scenario (default {DEFAULT_REPS})")
        cmd.add_argument("--seed", type=_non_negative_int, default=DEFAULT_SEED,
                         help=f"master seed (default {DEFAULT_SEED})")
        cmd.add_argument("--years", type=_positive_float,
                         help="run length in years from the scenario's start date")
        cmd.add_argument("--out", type=Path, help="result folder (default results/<timestamp>/)")
        cmd.add_argument("--workers", type=_positive_int,
                         help="parallel processes (default: all cores)")
        cmd.add_argument("--quiet", action="store_true", help="no progress bar")
    check = sub.add_parser("validate", help="check scenario files without running them")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--show", action="store_true", help="print the resolved scenario as JSON")
    report = sub.add_parser("report", help="(re)build DIR/report.html from result files")
    report.add_argument("folder", type=Path, metavar="DIR")
    for name, what in PLANNED.items():
        sub.add_parser(name, help=f"not yet available: {what}", add_help=True)
    return top


def _number(kind, test, allowed: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number; {allowed}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"{text!r}: {allowed}")
        return value
    return parse


_positive_int = _number(int, lambda v: v >= 1, "must be a whole number of at least 1")
_non_negative_int = _number(int, lambda v: v >= 0, "must be a whole number of at least 0")
_positive_float = _number(float, lambda v: 0 < v < 1000, "must be a number above 0 (years)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command is None:
            return main_job()
        if args.command in ("run", "compare"):
            return run_command(args)
        if args.command == "validate":
            return validate_command(args)
        if args.command == "report":
            return report_command(args)
        raise BadInput(f"{args.command}: not available in this version yet "
                       f"({PLANNED[args.command]})")
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_BAD_INPUT


def load_all(paths: list[Path], years: float | None = None) -> list[Scenario]:
    """Load and validate every scenario before anything runs; names must differ."""
    loaded = []
    for path in paths:
        cfg = config.load(path)
        if years is not None:
            try:
                cfg = cfg.with_years(years)
            except ValidationError as exc:
                problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
                raise ScenarioError(path, "--years", f"{years} is too short for this scenario "
                                    f"({problem})") from None
        if any(other.name == cfg.name for other in loaded):
            raise ScenarioError(path, "name", f"{cfg.name!r} is used by another scenario in "
                                "this run; names become folder names and must differ")
        loaded.append(cfg)
    return loaded


def main_job() -> int:
    """Baseline 2023 against reform 2024, 20 replications, into results/latest/."""
    scenarios = load_all([SCENARIOS / name for name in MAIN_JOB])
    out = Path("results") / "latest"
    if out.exists():
        shutil.rmtree(out)
    return execute(scenarios, DEFAULT_REPS, DEFAULT_SEED, out, None,
                   compare=True, progress=True)


def run_command(args: argparse.Namespace) -> int:
    scenarios = load_all(args.scenarios, args.years)
    if args.command == "compare" and len(scenarios) < 2:
        raise BadInput("compare: needs at least two scenarios (the first is the reference)")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or Path("results") / stamp
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(f"{out}: --out: the folder already holds files; choose a new folder")
    return execute(scenarios, args.reps, args.seed, out, args.workers,
                   compare=args.command == "compare", progress=not args.quiet)


def execute(scenarios: list[Scenario], reps: int, seed: int, out: Path, workers: int | None,
            compare: bool, progress: bool) -> int:
    """Run (on `workers` processes, default all cores), then write summary (and comparison),
    manifest and report; print the table."""
    started = dt.datetime.now().astimezone()
    # the model, statistics (scipy) and results are imported only when something runs, so that
    # validate and bad input answer at once
    from sim import console, results, statistics
    from sim.runner import default_workers, run_all

    outcome = run_all(scenarios, reps, seed, out, workers or default_workers(), progress)
    summary = statistics.summary_table(outcome.metrics)
    results.write_parquet(out / "summary.parquet", summary, results.run_metadata(seed))
    paired = None
    if compare and all(outcome.metrics.values()):
        paired = statistics.compare_table(outcome.metrics)
        results.write_parquet(out / "compare.parquet", paired, results.run_metadata(seed))
    results.write_json(out / "manifest.json",
                       results.manifest(scenarios, seed, reps, started, outcome.states))
    if not outcome.interrupted:
        from sim import report  # plotly is imported only when a report is drawn

        report.build_report(out)
    print(console.summary_text(summary, paired, [s.name for s in scenarios]))
    for warning in console.steady_state_warnings(summary):
        print(warning, file=sys.stderr)
    if outcome.interrupted:
        done = sum(state == "done" for state in outcome.states.values())
        print(f"interrupted: kept {done} of {len(outcome.states)} replications in {out}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"results: {out}", file=sys.stderr)
    return 0


def validate_command(args: argparse.Namespace) -> int:
    for path in args.files:
        cfg = config.load(path)
        if args.show:
            print(json.dumps(cfg.model_dump(mode="json", by_alias=True), indent=2))
        else:
            print(f"ok: {path} (scenario {cfg.name}, sha256 {cfg.sha256()[:12]})")
    return 0


def report_command(args: argparse.Namespace) -> int:
    if not (args.folder / "summary.parquet").is_file():
        raise BadInput(f"{args.folder}: summary.parquet: not a result folder (no summary.parquet)")
    from sim import report

    print(report.build_report(args.folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
