"""The command line (README, docs/outputs.md): `python run_sim.py [command] …` or
`housing-sim …`, a thin layer over `sim.api`: a table of commands, each with its arguments and
its handler.

Bad input gets one line `error: <file>: <key>: <problem>` on stderr and exit 2, before anything
is written; Ctrl-C exits 130 keeping every replication that finished. Wherever a scenario file
is expected, the name of a shipped scenario (`reform_2024`) will do.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from sim import api
from sim.api import ArgumentError, BadInput, Precision, Results
from sim.config import Scenario, ScenarioError, design
from sim.config import budget as budget_files
from sim.config import levers as lever_files
from sim.config.files import resolve, shipped_folder
from sim.experiments import (
    backtest,
    calibrate,
    capacity_search,
    executors,
    optimise,
    posterior,
    sweep,
)
from sim.experiments import levers as lever_runs
from sim.experiments.executors import default_workers
from sim.output import console

MAIN_JOB = ("baseline_2023", "reform_2024")
LATEST = Path("results") / "latest"
SHIPPED_POSTERIOR = Path("calibration") / "copenhagen-posterior"  # in the shipped scenarios
PRECISION_METRICS = ("housed_per_month", "homeless_mean", "wait_allocation_days_mean",
                     "homeless_to_home_days_median")
BACKTEST_REPS = 8
CAPACITY_REPS = 3
EXIT_BAD_INPUT, EXIT_INTERRUPTED = 2, 130
DASHBOARD_CACHE = Path("results") / "dashboard-cache"


class Parser(argparse.ArgumentParser):
    """argparse with the contract's errors: one line `error: <command>: <argument>: <problem>`,
    exit 2, no usage block (that is what --help is for)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("housing-sim").strip() or "housing-sim"
        message = message.removeprefix("argument ")
        self.exit(EXIT_BAD_INPUT, f"error: {command}: {message} (see --help)\n")


# --- argument types: a bad value is refused by argparse, in the one-line form ------------------


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


def _replication_options(cmd: argparse.ArgumentParser, reps: int, per: str) -> None:
    """--reps, --seed, --workers and --quiet, alike in every command that runs replications."""
    cmd.add_argument("--reps", type=_positive_int, default=reps,
                     help=f"replications per {per} (default {reps})")
    cmd.add_argument("--seed", type=_non_negative_int, default=api.DEFAULT_SEED,
                     help=f"master seed (default {api.DEFAULT_SEED})")
    cmd.add_argument("--workers", type=_positive_int, default=default_workers(),
                     help="parallel processes (default: all cores)")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar")


# --- the main job, run and compare -------------------------------------------------------------


def main_job(args: argparse.Namespace) -> int:
    """Baseline 2023 against reform 2024 (shipped), 20 replications, into results/latest/;
    replication k runs draw k of the shipped posterior (when there is one), so the intervals
    carry what the calibration left unknown."""
    scenarios = api.load_scenarios([shipped_folder() / f"{name}.toml" for name in MAIN_JOB])
    fitted = shipped_folder() / SHIPPED_POSTERIOR
    if LATEST.exists():
        shutil.rmtree(LATEST)
    return show(scenarios, api.compare(*scenarios, out=LATEST, progress=True, posterior=fitted
                                       if (fitted / "posterior.parquet").is_file() else None))


def runs_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO.toml")
    _replication_options(cmd, api.DEFAULT_REPS, "scenario")
    cmd.add_argument("--years", type=_positive_float, help="run length in years after the warm-up")
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
    _posterior_option(cmd, "scenario")
    cmd.add_argument("--draws", type=_positive_int, metavar="N",
                     help="parameter sets drawn from --posterior, cycled over the replications "
                          "(default one per replication)")


def run_command(args: argparse.Namespace) -> int:
    """`run` and `compare`: api.run or api.compare with the options, then the printed table."""
    scenarios = api.load_scenarios(args.scenarios, args.years)
    precision = None
    if args.precision is not None:
        if args.max_reps < args.reps:
            raise BadInput(f"--max-reps: {args.max_reps} is below --reps {args.reps}")
        precision = Precision(args.precision, args.precision_metrics, args.max_reps, args.batch)
    how = {"reps": args.reps, "seed": args.seed, "out": args.out, "workers": args.workers,
           "progress": not args.quiet, "precision": precision, "posterior": args.posterior,
           "draws": args.draws}
    done = api.compare(*scenarios, **how) if args.command == "compare" \
        else api.run(scenarios, **how)
    if precision is not None:
        print(f"precision ±{precision.relative:.0%} {'reached' if done.precise else 'NOT reached'}"
              f" with {done.reps} replications per scenario", file=sys.stderr)
    return show(scenarios, done)


def show(scenarios: list[Scenario], done: Results) -> int:
    """Print the table and which uncertainty its intervals carry (stdout), then what `finish`
    prints."""
    print(console.summary_text(done.summary, done.compare, done.scenarios, scenarios[0].budget))
    drawn = done.manifest.get("posterior")
    print("Intervals carry stochastic uncertainty only (no --posterior)." if drawn is None else
          f"Intervals carry parameter and stochastic uncertainty: replication k ran with draw k "
          f"of {drawn['draws']} from the posterior in {drawn['folder']}.")
    return finish(done)


def finish(done: Results) -> int:
    """Print warnings, what was kept if interrupted, and the folder (stderr); the exit code."""
    for warning in console.steady_state_warnings(done.summary):
        print(warning, file=sys.stderr)
    if done.interrupted:
        states = [r["state"] for r in done.manifest["replications"]]
        print(f"interrupted: kept {states.count('done')} of {len(states)} replications in "
              f"{done.folder}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"results: {done.folder}", file=sys.stderr)
    return 0


# --- the lever table ----------------------------------------------------------------------------


def levers_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("file", nargs="?", type=Path, default=Path(lever_runs.DEFAULT_FILE),
                     metavar="LEVERS.toml",
                     help=f"lever file (default the shipped {lever_runs.DEFAULT_FILE})")
    _replication_options(cmd, lever_runs.REPS, "scenario")
    cmd.add_argument("--years", type=_positive_float,
                     help="run length in years after the warm-up (default the base's)")
    cmd.add_argument("--out", type=Path, help="result folder (default results/<timestamp>/)")


def levers_command(args: argparse.Namespace) -> int:
    """api.levers with the options, then the lever table."""
    done = api.levers(args.file, reps=args.reps, seed=args.seed, years=args.years, out=args.out,
                      workers=args.workers, progress=not args.quiet)
    if done.levers is not None:
        print(console.lever_text(done.levers))
    return finish(done)


def validate_levers(path: Path, file: Path, show_json: bool) -> None:
    """A lever file, with every variant built and checked."""
    plan = lever_runs.plan(lever_files.load(file))
    if show_json:
        print(json.dumps({**plan.spec.levers.model_dump(mode="json", by_alias=True),
                          "from": plan.spec.start.isoformat(),
                          "variants": {cfg.name: cfg.description for cfg in plan.variants}},
                         indent=2))
    else:
        print(f"ok: {path} (levers: {len(plan.variants)} steps on {plan.base.name} from "
              f"{plan.spec.start})")


# --- validate, report, dashboard ---------------------------------------------------------------


def validate_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cmd.add_argument("--show", action="store_true",
                     help="print the resolved scenario (or a design with its points) as JSON")


def validate_command(args: argparse.Namespace) -> int:
    for path in args.files:
        file = resolve(path)
        if design.is_design(file):
            plan = load_design(file)
            if args.show:
                print(json.dumps({**plan.design.model_dump(mode="json", by_alias=True),
                                  "points": [dict(zip(plan.paths, row, strict=True))
                                             for row in plan.values]}, indent=2))
            else:
                print(f"ok: {path} (design {plan.design.name}: {plan.design.method}, "
                      f"{len(plan.values)} points × {plan.design.reps} replications)")
            continue
        if lever_files.is_lever_file(file):
            validate_levers(path, file, args.show)
            continue
        cfg = api.load_scenario(file)
        if args.show:
            print(json.dumps(cfg.model_dump(mode="json", by_alias=True), indent=2))
        else:
            print(f"ok: {path} (scenario {cfg.name}, sha256 {cfg.sha256()[:12]})")
    return 0


def report_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("folder", type=Path, metavar="DIR")
    cmd.add_argument("--png", type=Path, metavar="OUT",
                     help="also write every figure as OUT/<figure>.png (for slides)")


def report_command(args: argparse.Namespace) -> int:
    from sim.report import calibration_page, sweep_page  # plotly only when a report is drawn

    if not calibration_page.is_calibration(args.folder):
        api.open_results(args.folder)  # refuses a folder without summary.parquet

    print(sweep_page.build_any(args.folder))
    if args.png is not None:
        from sim.report import images  # kaleido is imported only when images are drawn

        try:
            paths = images.export_png(args.folder, args.png)
        except images.ExportError as exc:
            raise BadInput(f"{args.folder}: --png: {exc}") from None
        print(f"{len(paths)} figures: {args.png}")
    return 0


def dashboard_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("folder", type=Path, nargs="?", metavar="DIR",
                     help="a result folder to open in the app")
    cmd.add_argument("--budget", type=Path, metavar="DIR",
                     help="an optimise folder to open in the Budget tab")
    cmd.add_argument("--port", type=_port, default=8050, help="port (default 8050)")
    cmd.add_argument("--reps", type=_positive_int, default=5,
                     help="replications per scenario at the start (default 5)")
    cmd.add_argument("--years", type=_positive_float, default=4.0,
                     help="years after the warm-up at the start (default 4)")
    cmd.add_argument("--cache", type=Path, default=DASHBOARD_CACHE,
                     help=f"where runs are kept for reuse (default {DASHBOARD_CACHE})")
    cmd.add_argument("--workers", type=_positive_int, default=default_workers(),
                     help="parallel processes (default: all cores)")


def dashboard_command(args: argparse.Namespace) -> int:
    if args.folder is not None:
        api.open_results(args.folder)  # refuses a folder without summary.parquet
    try:
        from sim.app import dashboard  # Dash is the `app` extra
    except ImportError as exc:
        raise BadInput(f"dashboard: needs the app extra ({exc.name} is missing): "
                       "pip install -e '.[app]'") from None
    if args.budget is not None:
        try:
            dashboard.budget_tab.read(str(args.budget))
        except dashboard.budget_tab.FolderError as exc:
            raise BadInput(f"{args.budget}: --budget: {exc}") from None
    dashboard.serve(args.folder, args.port, shipped_folder(), args.cache, args.years, args.reps,
                    args.workers, budget=args.budget)
    return 0


# --- capacity, backtest, sweep -----------------------------------------------------------------


def capacity_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("scenario", type=Path, metavar="SCENARIO.toml")
    cmd.add_argument("--reference", type=Path, required=True, metavar="REF.toml",
                     help="the scenario whose level the metric should return to")
    cmd.add_argument("--metric", default="homeless_to_home_days_median",
                     help="summary metric to restore (default homeless_to_home_days_median)")
    _replication_options(cmd, CAPACITY_REPS, "candidate")
    cmd.add_argument("--years", type=_positive_float, help="run length in years after the warm-up")
    cmd.add_argument("--max-rounds", type=_positive_int, default=6,
                     help="most rounds of the search (default 6)")


def capacity_command(args: argparse.Namespace) -> int:
    scenario, ref = api.load_scenarios([args.scenario, args.reference], args.years)
    return capacity_search.search(scenario, ref, capacity_search.Settings(
        args.metric, args.reps, args.seed, args.workers, args.max_rounds,
        progress=not args.quiet))


def backtest_arguments(cmd: argparse.ArgumentParser) -> None:
    _replication_options(cmd, BACKTEST_REPS, "scenario")
    cmd.add_argument("--observed", type=Path,
                     default=shipped_folder() / "backtest" / "observed.toml",
                     help="observed figures and tolerances (default "
                          "scenarios/backtest/observed.toml)")
    _posterior_option(cmd, "scenario")


def backtest_command(args: argparse.Namespace) -> int:
    return backtest.run_backtest(args.observed, args.reps, args.seed, args.workers,
                                 progress=not args.quiet,
                                 posterior=_drawn(args, args.reps, args.seed))


def calibrate_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("calibration", type=Path, metavar="CALIBRATION.toml")
    _folder_options(cmd, "calibrate", "the runs a stopped calibration left")
    cmd.add_argument("--budget", type=_positive_int, metavar="N",
                     help="runs in all: a fifth for the predictive runs, the rest split over the "
                          "waves (default: the file's samples × waves + predictive_runs)")


def calibrate_command(args: argparse.Namespace) -> int:
    plan = calibrate.load(resolve(args.calibration), args.budget)
    out = args.out or Path("results") / f"calibrate-{plan.calibration.name}"
    return _reported(calibrate.run(plan, out, _executor(args), args.resume,
                                   progress=not args.quiet), out, "calibration_page")


def _posterior_option(cmd: argparse.ArgumentParser, each: str) -> None:
    cmd.add_argument("--posterior", type=Path, metavar="DIR",
                     help=f"a calibration folder: replication k of every {each} runs the k-th "
                          "parameter set resampled from its posterior, so intervals carry "
                          "parameter and stochastic uncertainty (docs/calibration.md)")


def _drawn(args: argparse.Namespace, draws: int, seed: int) -> posterior.Posterior | None:
    """`draws` parameter sets resampled from --posterior with the run's seed, or None."""
    return None if args.posterior is None else \
        posterior.load(args.posterior).drawn(draws, seed)


def _reported(code: int, out: Path, page: str) -> int:
    """After a finished run (code 0), out/report.html by that report module; plotly is
    imported only when a report is drawn."""
    if code == 0:
        importlib.import_module(f"sim.report.{page}").build_report(out)
    return code


def optimise_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("budget", type=Path, metavar="BUDGET.toml")
    _folder_options(cmd, "optimise", "the replications a stopped run left")
    _posterior_option(cmd, "portfolio")


def optimise_command(args: argparse.Namespace) -> int:
    budget = budget_files.load(resolve(args.budget))
    optimise.check_metrics(budget)
    out = args.out or Path("results") / f"optimise-{budget.spec.name}"
    most = budget.spec.selection.max_replications + budget.spec.marginal_replications
    drawn = _drawn(args, most, budget.spec.seed)
    return _reported(optimise.optimise(budget, out, _executor(args), args.resume, drawn,
                                       progress=not args.quiet), out, "budget_page")


def sweep_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("design", type=Path, metavar="DESIGN.toml")
    _folder_options(cmd, "sweep", "finished (point, replication) pairs")
    _posterior_option(cmd, "point")
    cmd.add_argument("--shard", type=_shard, default=sweep.Shard(), metavar="i/N",
                     help="run only the i-th of N disjoint slices (job arrays); the summary is "
                          "written by the run that completes the folder")


def sweep_command(args: argparse.Namespace) -> int:
    """Check the design (every point is a valid scenario, every metric known), then run."""
    plan = load_design(resolve(args.design))
    out = args.out or Path("results") / f"sweep-{plan.design.name}"
    state = sweep.run(plan, out, _executor(args), args.shard, args.resume,
                      progress=not args.quiet,
                      posterior=_drawn(args, plan.design.reps, plan.design.seed))
    if state.complete:
        from sim.report import sweep_page  # plotly is imported only when a report is drawn

        sweep_page.build_report(out)
    if state.note:
        print(state.note, file=sys.stderr)
    print(sweep.main_note(state, out, args.shard), file=sys.stderr)
    return EXIT_INTERRUPTED if state.interrupted else 0


def _scheduler_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--workers", type=_positive_int,
                     help="parallel processes, or Dask workers with --scheduler local "
                          "(default: all cores)")
    cmd.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on the Dask cluster at ADDRESS (tcp://host:8786), or 'local' "
                          "for a Dask LocalCluster here; needs the dask extra")


def _folder_options(cmd: argparse.ArgumentParser, command: str, kept: str) -> None:
    """--out, where the runs go, --resume and --quiet: the options of long work into a folder."""
    cmd.add_argument("--out", type=Path,
                     help=f"result folder (default results/{command}-<name>/)")
    _scheduler_options(cmd)
    cmd.add_argument("--resume", action="store_true",
                     help=f"keep {kept} in --out and run the rest")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar")


def _executor(args: argparse.Namespace) -> executors.Executor:
    """Where the command's runs go: a pool of --workers, or the Dask cluster at --scheduler."""
    if args.scheduler is not None and args.scheduler != "local" \
            and not args.scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise BadInput(f"{args.command}: --scheduler: {args.scheduler!r} is not a scheduler "
                       "address; give tcp://host:8786 or local")
    return executors.Executor(args.workers or default_workers(), args.scheduler)


def load_design(path: Path) -> design.Sweep:
    """A design with every point a valid scenario and every metric a summary metric."""
    plan = design.load(path)
    unknown = sweep.unknown_metrics(plan.base, list(plan.design.metrics))
    if unknown:
        verb = "is not a summary metric" if len(unknown) == 1 else "are not summary metrics"
        raise ScenarioError(path, "metrics", f"{', '.join(unknown)} {verb} (the names are "
                            "those of summary.parquet, e.g. housed_per_month)")
    return plan


# --- the table of commands, the parser and the dispatch ----------------------------------------


@dataclass(frozen=True)
class Command:
    """One command: its name and help, what it adds to its parser, and what runs it."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]
    description: str | None = None  # --help's text above the options (default none)


SWEEP_ABOUT = ("a parameter sweep of a design file (grid, Latin hypercube or Sobol'): one "
               "metrics file per (point, replication) in OUT/metrics/, then OUT/summary.parquet "
               "and OUT/sensitivity.parquet; resumable, shardable, on this machine or on Dask")
LEVERS_ABOUT = ("The lever table: the base of a lever file and one variant per lever (a stated "
                "step of quota, shielding, dwellings, staff or beds), run with common random "
                "numbers into a result folder; prints per lever the paired difference of each "
                "outcome with its 95 % interval, and the mechanism metrics that explain it.")
OPTIMISE_ABOUT = ("Search the portfolios a budget file's levers allow, choose the best with "
                  "KN++ ranking and selection on common random numbers (a stated probability "
                  "of correct selection), and price what one more million buys per lever; "
                  "into OUT/ (candidates, metrics, summary, selection, manifest, report). "
                  "Ctrl-C keeps what finished; --resume goes on.")
CALIBRATE_ABOUT = ("Fit a calibration file's uncertain parameters to the observed history: "
                   "waves of history matching with a Gaussian-process emulator, then "
                   "importance weights and predictive runs, into OUT/ "
                   "(targets, runs, posterior, fit, manifest); prints the posterior and the "
                   "fit. Ctrl-C keeps the runs that finished.")
BACKTEST_ABOUT = ("Run the calibration scenarios and print observed against simulated figures "
                  "with 95 % intervals; exit 1 where one falls outside its tolerance.")
COMMANDS = (
    Command("run", "replications of one or more scenarios", runs_arguments, run_command,
            "replications of one or more scenarios"),
    Command("compare", "paired differences against the first scenario", runs_arguments,
            run_command, "paired differences against the first scenario"),
    Command("validate", "check scenario files without running them", validate_arguments,
            validate_command),
    Command("report", "(re)build DIR/report.html from result files", report_arguments,
            report_command),
    Command("dashboard", "the live what-if app, bound to 127.0.0.1", dashboard_arguments,
            dashboard_command),
    Command("capacity", "bottleneck and smallest additions for a surge", capacity_arguments,
            capacity_command, capacity_search.__doc__),
    Command("backtest", "observed against simulated figures", backtest_arguments,
            backtest_command, BACKTEST_ABOUT),
    Command("calibrate", "fit uncertain parameters to Copenhagen's history",
            calibrate_arguments, calibrate_command, CALIBRATE_ABOUT),
    Command("optimise", "the best use of a budget, chosen with a statistical guarantee",
            optimise_arguments, optimise_command, OPTIMISE_ABOUT),
    Command("sweep", "a parameter sweep (grid, Latin hypercube, Sobol')", sweep_arguments,
            sweep_command, SWEEP_ABOUT),
    Command("levers", "the lever table: each lever's paired effect with its mechanism",
            levers_arguments, levers_command, LEVERS_ABOUT),
)


def parser() -> argparse.ArgumentParser:
    """The top-level parser (the main job when no command is given) and one per command."""
    top = Parser(
        prog="housing-sim",
        description="Simulate Copenhagen's homeless-to-housing pipeline. With no command: "
                    "run baseline_2023 and reform_2024 with common random numbers into "
                    "results/latest/.")
    top.set_defaults(handler=main_job)
    sub = top.add_subparsers(dest="command", metavar="command")
    for command in COMMANDS:
        cmd = sub.add_parser(command.name, help=command.help, description=command.description)
        command.arguments(cmd)
        cmd.set_defaults(handler=command.handler)
    return top


def main(argv: list[str] | None = None) -> int:
    """Parse, run the command's handler, and turn bad input and Ctrl-C into exit codes."""
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except ArgumentError as exc:
        print(f"error: {exc.file}: --{exc.key.replace('_', '-')}: {exc.problem}",
              file=sys.stderr)
    except (ScenarioError, BadInput, sweep.SweepError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except executors.ClusterError as exc:
        print(f"error: {args.command}: --scheduler: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
