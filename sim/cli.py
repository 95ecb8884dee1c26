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
from sim.analysis import metrics
from sim.config import Scenario, ScenarioError, design
from sim.experiments import backtest, capacity_search, executors, sweep
from sim.experiments.executors import default_workers
from sim.experiments.runner import Precision, run_all, run_until_precise
from sim.output import console, results

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
MAIN_JOB = ("baseline_2023.toml", "reform_2024.toml")
DEFAULT_SEED = 2024
DEFAULT_REPS = 20
PRECISION_METRICS = ("housed_per_month", "homeless_mean", "wait_allocation_days_mean",
                     "homeless_to_home_days_median")
BACKTEST_REPS = 8
CAPACITY_REPS = 3
EXIT_BAD_INPUT, EXIT_INTERRUPTED = 2, 130
DASHBOARD_CACHE = Path("results") / "dashboard-cache"


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
        _replication_options(cmd, DEFAULT_REPS, "scenario")
        cmd.add_argument("--years", type=_positive_float,
                         help="run length in years after the warm-up")
        cmd.add_argument("--out", type=Path, help="result folder (default results/<timestamp>/)")
        cmd.add_argument("--precision", type=_share, metavar="REL",
                         help="add replications until each precision metric's 95 %% interval "
                              "is within ±REL of its mean (e.g. 0.05); --reps is the minimum")
        cmd.add_argument("--precision-metrics", type=_names, default=PRECISION_METRICS,
                         metavar="M,M", help="metrics the precision applies to (default "
                                              f"{','.join(PRECISION_METRICS)})")
        cmd.add_argument("--max-reps", type=_positive_int, default=200,
                         help="most replications per scenario with --precision (default 200)")
        cmd.add_argument("--batch", type=_positive_int, default=4,
                         help="replications added per scenario between checks (default 4)")
    check = sub.add_parser("validate", help="check scenario files without running them")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--show", action="store_true",
                       help="print the resolved scenario (or a design with its points) as JSON")
    report = sub.add_parser("report", help="(re)build DIR/report.html from result files")
    report.add_argument("folder", type=Path, metavar="DIR")
    report.add_argument("--png", type=Path, metavar="OUT",
                        help="also write every figure as OUT/<figure>.png (for slides)")
    dash = sub.add_parser("dashboard", help="the live what-if app, bound to 127.0.0.1")
    dash.add_argument("folder", type=Path, nargs="?", metavar="DIR",
                      help="a result folder to open in the app")
    dash.add_argument("--port", type=_port, default=8050, help="port (default 8050)")
    dash.add_argument("--reps", type=_positive_int, default=5,
                      help="replications per scenario at the start (default 5)")
    dash.add_argument("--years", type=_positive_float, default=4.0,
                      help="years after the warm-up at the start (default 4)")
    dash.add_argument("--cache", type=Path, default=DASHBOARD_CACHE,
                      help=f"where runs are kept for reuse (default {DASHBOARD_CACHE})")
    dash.add_argument("--workers", type=_positive_int, default=default_workers(),
                      help="parallel processes (default: all cores)")
    cap = sub.add_parser("capacity", help="bottleneck and smallest additions for a surge",
                         description=capacity_search.__doc__)
    cap.add_argument("scenario", type=Path, metavar="SCENARIO.toml")
    cap.add_argument("--reference", type=Path, required=True, metavar="REF.toml",
                     help="the scenario whose level the metric should return to")
    cap.add_argument("--metric", default="homeless_to_home_days_median",
                     help="summary metric to restore (default homeless_to_home_days_median)")
    _replication_options(cap, CAPACITY_REPS, "candidate")
    cap.add_argument("--years", type=_positive_float,
                     help="run length in years after the warm-up")
    cap.add_argument("--max-rounds", type=_positive_int, default=6,
                     help="most rounds of the search (default 6)")
    back = sub.add_parser("backtest", help="observed against simulated figures",
                          description="Run the calibration scenarios and print observed "
                                      "against simulated figures with 95 % intervals; exit 1 "
                                      "where one falls outside its tolerance.")
    _replication_options(back, BACKTEST_REPS, "scenario")
    back.add_argument("--observed", type=Path, default=SCENARIOS / "backtest" / "observed.toml",
                      help="observed figures and tolerances (default "
                           "scenarios/backtest/observed.toml)")
    sweep_parser(sub)
    return top


def _replication_options(cmd: argparse.ArgumentParser, reps: int, per: str) -> None:
    """--reps, --seed, --workers and --quiet, alike in every command that runs replications."""
    cmd.add_argument("--reps", type=_positive_int, default=reps,
                     help=f"replications per {per} (default {reps})")
    cmd.add_argument("--seed", type=_non_negative_int, default=DEFAULT_SEED,
                     help=f"master seed (default {DEFAULT_SEED})")
    cmd.add_argument("--workers", type=_positive_int, default=default_workers(),
                     help="parallel processes (default: all cores)")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar")


def sweep_parser(sub) -> None:
    about = ("a parameter sweep of a design file (grid, Latin hypercube or Sobol'): one "
             "metrics file per (point, replication) in OUT/metrics/, then OUT/summary.parquet "
             "and OUT/sensitivity.parquet; resumable, shardable, on this machine or on Dask")
    cmd = sub.add_parser("sweep", help="a parameter sweep (grid, Latin hypercube, Sobol')",
                         description=about)
    cmd.add_argument("design", type=Path, metavar="DESIGN.toml")
    cmd.add_argument("--out", type=Path, help="result folder (default results/sweep-<name>/)")
    cmd.add_argument("--workers", type=_positive_int,
                     help="parallel processes, or Dask workers with --scheduler local "
                          "(default: all cores)")
    cmd.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on the Dask cluster at ADDRESS (tcp://host:8786), or 'local' "
                          "for a Dask LocalCluster here; needs the dask extra")
    cmd.add_argument("--shard", type=_shard, default=sweep.Shard(), metavar="i/N",
                     help="run only the i-th of N disjoint slices (job arrays); the summary is "
                          "written by the run that completes the folder")
    cmd.add_argument("--resume", action="store_true",
                     help="keep finished (point, replication) pairs in --out and run the rest")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar")


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
_port = _number(int, lambda v: 1024 <= v <= 65535, "must be a port number from 1024 to 65535")
_share = _number(float, lambda v: 0 < v < 1, "must be a share between 0 and 1, e.g. 0.05")


def _shard(text: str) -> sweep.Shard:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"{text!r}: give i/N with 1 <= i <= N, e.g. 2/8")
    return sweep.Shard(int(index), int(count))


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise argparse.ArgumentTypeError("give one or more metric names, comma-separated")
    return names


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
        if args.command == "dashboard":
            return dashboard_command(args)
        if args.command == "capacity":
            scenario, ref = load_all([args.scenario, args.reference], args.years)
            return capacity_search.search(scenario, ref, capacity_search.Settings(
                args.metric, args.reps, args.seed, args.workers, args.max_rounds,
                progress=not args.quiet))
        if args.command == "backtest":
            return backtest.run_backtest(args.observed, args.reps, args.seed, args.workers,
                                         progress=not args.quiet)
        return sweep_command(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except (BadInput, sweep.SweepError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except executors.ClusterError as exc:
        print(f"error: sweep: --scheduler: {exc}", file=sys.stderr)
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
    if why := results.taken(out):
        raise BadInput(f"{out}: --out: {why}; choose a new folder")
    precision = None
    if args.precision is not None:
        if args.max_reps < args.reps:
            raise BadInput(f"--max-reps: {args.max_reps} is below --reps {args.reps}")
        precision = Precision(args.precision, args.precision_metrics, args.max_reps, args.batch)
    return execute(scenarios, args.reps, args.seed, out, args.workers,
                   compare=args.command == "compare", progress=not args.quiet,
                   precision=precision)


def execute(scenarios: list[Scenario], reps: int, seed: int, out: Path, workers: int | None,
            compare: bool, progress: bool, precision: Precision | None = None) -> int:
    """Run (on `workers` processes, default all cores), then write summary (and comparison),
    manifest and report; print the table."""
    started = dt.datetime.now().astimezone()
    workers = workers or default_workers()
    if precision is None:
        outcome = run_all(scenarios, reps, seed, out, workers, progress)
    else:
        outcome = run_until_precise(scenarios, reps, seed, out, workers, progress, precision)
        reps = len(next(iter(outcome.metrics.values())))
        reached = metrics.precise_enough(outcome.metrics, precision.metrics,
                                            precision.relative)
        print(f"precision ±{precision.relative:.0%} {'reached' if reached else 'NOT reached'} "
              f"with {reps} replications per scenario", file=sys.stderr)
    summary = metrics.summary_table(outcome.metrics)
    results.write_parquet(out / "summary.parquet", summary, results.run_metadata(seed))
    if all(outcome.series.values()):
        axes = {cfg.name: metrics.series_axes(cfg) for cfg in scenarios}
        series = metrics.series_table(outcome.series, axes)
        results.write_parquet(out / "series.parquet", series, results.run_metadata(seed))
    paired = None
    if compare and all(outcome.metrics.values()):
        paired = metrics.compare_table(outcome.metrics)
        results.write_parquet(out / "compare.parquet", paired, results.run_metadata(seed))
    results.write_json(out / "manifest.json",
                       results.manifest(scenarios, seed, reps, started, outcome.states))
    if not outcome.interrupted:
        from sim.report import page as report  # plotly is imported only when a report is drawn

        report.build_report(out)
    print(console.summary_text(summary, paired, [s.name for s in scenarios], scenarios[0].budget))
    for warning in console.steady_state_warnings(summary):
        print(warning, file=sys.stderr)
    if outcome.interrupted:
        done = sum(state == "done" for state in outcome.states.values())
        print(f"interrupted: kept {done} of {len(outcome.states)} replications in {out}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"results: {out}", file=sys.stderr)
    return 0


def sweep_command(args: argparse.Namespace) -> int:
    """Check the design (every point is a valid scenario, every metric known), then run."""
    plan = load_design(args.design)
    out = args.out or Path("results") / f"sweep-{plan.design.name}"
    if args.scheduler is not None and args.scheduler != "local" \
            and not args.scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise BadInput(f"sweep: --scheduler: {args.scheduler!r} is not a scheduler address; "
                       "give tcp://host:8786 or local")
    executor = sweep.Executor(args.workers or default_workers(), args.scheduler)
    state = sweep.run(plan, out, executor, args.shard, args.resume, progress=not args.quiet)
    if state.complete:
        from sim.report import (
            sweep_page as sweep_report,  # plotly is imported only when a report is drawn
        )

        sweep_report.build_report(out)
    if state.note:
        print(state.note, file=sys.stderr)
    print(sweep.main_note(state, out, args.shard), file=sys.stderr)
    return EXIT_INTERRUPTED if state.interrupted else 0


def load_design(path: Path) -> design.Sweep:
    """A design with every point a valid scenario and every metric a summary metric."""
    plan = design.load(path)
    unknown = sweep.unknown_metrics(plan)
    if unknown:
        verb = "is not a summary metric" if len(unknown) == 1 else "are not summary metrics"
        raise ScenarioError(path, "metrics", f"{', '.join(unknown)} {verb} (the names are "
                            "those of summary.parquet, e.g. housed_per_month)")
    return plan


def validate_command(args: argparse.Namespace) -> int:
    for path in args.files:
        if design.is_design(path):
            plan = load_design(path)
            if args.show:
                print(json.dumps({**plan.design.model_dump(mode="json", by_alias=True),
                                  "points": [dict(zip(plan.paths, row, strict=True))
                                             for row in plan.values]}, indent=2))
            else:
                print(f"ok: {path} (design {plan.design.name}: {plan.design.method}, "
                      f"{len(plan.values)} points × {plan.design.reps} replications)")
            continue
        cfg = config.load(path)
        if args.show:
            print(json.dumps(cfg.model_dump(mode="json", by_alias=True), indent=2))
        else:
            print(f"ok: {path} (scenario {cfg.name}, sha256 {cfg.sha256()[:12]})")
    return 0


def report_command(args: argparse.Namespace) -> int:
    if not (args.folder / "summary.parquet").is_file():
        raise BadInput(f"{args.folder}: summary.parquet: not a result folder (no summary.parquet)")
    from sim.report import sweep_page as sweep_report

    print(sweep_report.build_any(args.folder))
    if args.png is not None:
        from sim.report import images  # kaleido is imported only when images are drawn

        try:
            paths = images.export_png(args.folder, args.png)
        except images.ExportError as exc:
            raise BadInput(f"{args.folder}: --png: {exc}") from None
        print(f"{len(paths)} figures: {args.png}")
    return 0


def dashboard_command(args: argparse.Namespace) -> int:
    if args.folder is not None and not (args.folder / "summary.parquet").is_file():
        raise BadInput(f"{args.folder}: summary.parquet: not a result folder (no summary.parquet)")
    try:
        from sim.app import dashboard  # Dash is the `app` extra
    except ImportError as exc:
        raise BadInput(f"dashboard: needs the app extra ({exc.name} is missing): "
                       "pip install -e '.[app]'") from None
    dashboard.serve(args.folder, args.port, SCENARIOS, args.cache, args.years, args.reps,
                    args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
