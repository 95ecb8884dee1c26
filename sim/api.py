"""housing-sim from Python: load scenarios by path or by a shipped scenario's name, run or compare
them with common random numbers, and open result folders as Arrow tables.

    from sim import api
    res = api.compare("baseline_2023", "reform_2024", reps=4, years=1)
    res.compare.to_pandas()  # paired differences (pandas is not needed for anything else)

The command line is a thin layer over this module, so `housing-sim compare a b` and
`api.compare("a", "b")` write the same folder from the same seed. Nothing is printed unless
`progress=True` asks for a progress bar on stderr. Bad input raises `BadInput` (a ValueError)
with one line saying what is wrong and what is allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pydantic import ValidationError

from sim import config
from sim.analysis import metrics
from sim.config import Scenario, ScenarioError
from sim.config import levers as lever_files
from sim.config.files import shipped_names
from sim.experiments import levers as lever_runs
from sim.experiments import posterior as posterior_sets
from sim.experiments.executors import default_workers
from sim.experiments.runner import Precision, run_all, run_until_precise
from sim.output import results
from sim.report.data import open_table

__all__ = ["DEFAULT_REPS", "DEFAULT_SEED", "ArgumentError", "BadInput", "LeverResults",
           "Precision", "Results", "Scenario", "ScenarioError", "compare", "levers",
           "load_scenario", "load_scenarios", "open_results", "run", "shipped_names"]

DEFAULT_SEED = 2024
DEFAULT_REPS = 20
ScenarioLike = str | Path | Scenario  # a file, a shipped scenario's name, or a loaded scenario


class BadInput(ValueError):
    """Input that is the caller's to fix; the message is one line (the CLI exits 2 with it)."""


class ArgumentError(ScenarioError, BadInput):
    """A bad argument rather than a bad file: `key` is the parameter's name (`out`, `years`),
    which the command line shows as its option (`--out`, `--years`)."""


def load_scenario(name_or_path: ScenarioLike, years: float | None = None) -> Scenario:
    """A validated scenario from a file or a shipped scenario's name (`reform_2024`); with
    `years`, run for that many years after its warm-up."""
    cfg = name_or_path if isinstance(name_or_path, Scenario) else config.load(name_or_path)
    if years is None:
        return cfg
    try:
        return cfg.with_years(years)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ArgumentError(_where(name_or_path), "years", f"{years} is too short for this "
                            f"scenario ({problem})") from None


def load_scenarios(items: Sequence[ScenarioLike], years: float | None = None) -> list[Scenario]:
    """Every scenario loaded and checked before anything runs; names must differ, since they
    become folder names."""
    loaded: list[Scenario] = []
    for item in items:
        cfg = load_scenario(item, years)
        if any(other.name == cfg.name for other in loaded):
            raise ScenarioError(_where(item), "name", f"{cfg.name!r} is used by another scenario "
                                "in this run; names become folder names and must differ")
        loaded.append(cfg)
    return loaded


def _where(item: ScenarioLike) -> str | Path:
    """What an error names for a scenario argument: its file or name as given."""
    return item.name if isinstance(item, Scenario) else item


def run(scenarios: ScenarioLike | Sequence[ScenarioLike], *, reps: int = DEFAULT_REPS,
        seed: int = DEFAULT_SEED, years: float | None = None, out: str | Path | None = None,
        workers: int | None = None, progress: bool = False,
        precision: Precision | None = None, posterior: str | Path | None = None,
        draws: int | None = None) -> Results:
    """Replications 0…reps-1 of every scenario with common random numbers (the same seed and
    replication numbers for each) into `out` (default results/<timestamp>/, which must be new
    or empty): record tables, summary, manifest and report, as `housing-sim run` writes them.
    With `posterior` (a calibration folder), replication k runs with the k-th of `draws`
    parameter sets resampled from it (default one per replication)."""
    if isinstance(scenarios, str | Path | Scenario):
        scenarios = [scenarios]
    return _execute(load_scenarios(scenarios, years), False, reps, seed, out, workers, progress,
                    precision, _drawn(posterior, draws, reps, precision, seed))


def compare(base: ScenarioLike, *others: ScenarioLike, reps: int = DEFAULT_REPS,
            seed: int = DEFAULT_SEED, years: float | None = None, out: str | Path | None = None,
            workers: int | None = None, progress: bool = False,
            precision: Precision | None = None, posterior: str | Path | None = None,
            draws: int | None = None) -> Results:
    """As `run`, plus the paired difference of each other scenario to `base`, replication by
    replication (compare.parquet), as `housing-sim compare` writes it; with a posterior both
    scenarios use the same draw in the same replication, so the difference stays paired."""
    scenarios = load_scenarios([base, *others], years)
    if not others:
        raise BadInput("compare: needs at least two scenarios (the first is the reference)")
    return _execute(scenarios, True, reps, seed, out, workers, progress, precision,
                    _drawn(posterior, draws, reps, precision, seed))


def _drawn(folder: str | Path | None, draws: int | None, reps: int,
           precision: Precision | None, seed: int) -> posterior_sets.Posterior | None:
    """The posterior's draws for a run: one per replication unless `draws` says fewer."""
    if folder is None:
        if draws is not None:
            raise BadInput("--draws: needs --posterior")
        return None
    most = precision.max_reps if precision is not None else reps
    return posterior_sets.load(folder).drawn(draws or most, seed)


def levers(file: str | Path = lever_runs.DEFAULT_FILE, *, reps: int = lever_runs.REPS,
           seed: int = DEFAULT_SEED, years: float | None = None, out: str | Path | None = None,
           workers: int | None = None, progress: bool = False) -> LeverResults:
    """The lever table of a lever file (default the shipped `designs/levers`): its base and
    one variant per lever, each named lever_<name>, run with common random numbers into `out`
    as `compare` writes it (the base first), plus levers.parquet: per lever and metric, the
    paired difference to the base and the base's level, as `housing-sim levers` prints it."""
    spec = lever_files.load(file)
    plan = lever_runs.plan(spec, load_scenario(spec.base, years))
    done = _execute(plan.scenarios, True, reps, seed, out, workers, progress, None)
    if done.compare is not None:
        results.write_parquet(done.folder / "levers.parquet",
                              lever_runs.table(plan, done.summary, done.compare),
                              results.run_metadata(seed, lever_runs.metadata(plan)))
    return LeverResults(done.folder)


def _execute(scenarios: list[Scenario], paired: bool, reps: int, seed: int,
             out: str | Path | None, workers: int | None, progress: bool,
             precision: Precision | None,
             posterior: posterior_sets.Posterior | None = None) -> Results:
    """Run (on `workers` processes, default all cores), then write summary, series, comparison,
    manifest and, unless interrupted, the report."""
    out = Path(out) if out is not None else Path("results") / dt.datetime.now().strftime(
        "%Y%m%d-%H%M%S")
    if why := results.taken(out):
        raise ArgumentError(out, "out", f"{why}; choose a new folder")
    started = dt.datetime.now().astimezone()
    workers = workers or default_workers()
    precise = None
    if precision is None:
        outcome = run_all(scenarios, reps, seed, out, workers, progress, posterior=posterior)
    else:
        outcome = run_until_precise(scenarios, reps, seed, out, workers, progress, precision,
                                    posterior)
        reps = len(next(iter(outcome.metrics.values())))
        precise = metrics.precise_enough(outcome.metrics, precision.metrics, precision.relative)
    meta = results.run_metadata(seed)
    results.write_parquet(out / "summary.parquet", metrics.summary_table(outcome.metrics), meta)
    if all(outcome.series.values()):
        axes = {cfg.name: metrics.series_axes(cfg) for cfg in scenarios}
        results.write_parquet(out / "series.parquet",
                              metrics.series_table(outcome.series, axes), meta)
    if paired and all(outcome.metrics.values()):
        results.write_parquet(out / "compare.parquet", metrics.compare_table(outcome.metrics),
                              meta)
    body = results.manifest(scenarios, seed, reps, started, outcome.states)
    body["uncertainty"] = "stochastic" if posterior is None else "parameter and stochastic"
    if posterior is not None:
        body["posterior"] = posterior.describe()
    results.write_json(out / "manifest.json", body)
    if not outcome.interrupted:
        from sim.report import page  # plotly is imported only when a report is drawn

        page.build_report(out)
    return Results(out, precise)


def open_results(folder: str | Path) -> Results:
    """The result folder that `run`, `compare` or the command line wrote."""
    folder = Path(folder)
    if not (folder / "summary.parquet").is_file():
        raise BadInput(f"{folder}: summary.parquet: not a result folder (no summary.parquet)")
    return Results(folder)


@dataclass(frozen=True)
class Results:
    """A result folder, its tables read when first asked for: `summary`, `compare` (after a
    comparison) and the record tables `events`, `snapshots` and `vacancies`, all Arrow tables
    (`.to_pandas()` where pandas is installed). docs/outputs.md describes every column."""

    folder: Path
    precise: bool | None = None  # with a precision target: whether every metric reached it

    @cached_property
    def manifest(self) -> dict:
        """Seed, replications, package versions and every scenario's resolved configuration."""
        return results.read_manifest(self.folder)

    @property
    def scenarios(self) -> list[str]:
        """The scenarios' names in run order (the first is the reference of a comparison)."""
        return [s["name"] for s in self.manifest["scenarios"]]

    @property
    def reps(self) -> int:
        """Replications per scenario."""
        return self.manifest["reps"]

    @property
    def seed(self) -> int:
        return self.manifest["seed"]

    @property
    def interrupted(self) -> bool:
        """Whether some replications never finished (Ctrl-C); those that did are kept."""
        return any(r["state"] != "done" for r in self.manifest.get("replications", ()))

    @cached_property
    def summary(self) -> pa.Table:
        """scenario × metric: mean and 95 % interval over replications."""
        return pq.read_table(self.folder / "summary.parquet")

    @cached_property
    def compare(self) -> pa.Table | None:
        """scenario × metric: the paired difference to the first scenario (None after `run`)."""
        path = self.folder / "compare.parquet"
        return pq.read_table(path) if path.is_file() else None

    def events(self, scenario: str | None = None, rep: int | None = None,
               columns: list[str] | None = None) -> pa.Table:
        """One row per citizen event, with `scenario` and `rep` columns."""
        return self.records("events", scenario, rep, columns)

    def snapshots(self, scenario: str | None = None, rep: int | None = None,
                  columns: list[str] | None = None) -> pa.Table:
        """One row per day and replication: the census and every pool."""
        return self.records("snapshots", scenario, rep, columns)

    def vacancies(self, scenario: str | None = None, rep: int | None = None,
                  columns: list[str] | None = None) -> pa.Table:
        """One row per vacant dwelling."""
        return self.records("vacancies", scenario, rep, columns)

    def records(self, table: str, scenario: str | None = None, rep: int | None = None,
                columns: list[str] | None = None) -> pa.Table:
        """A record table, of one scenario and/or one replication if given."""
        data = open_table([self.folder], table)
        if data is None:
            raise BadInput(f"{self.folder}: {table}: no such table in this folder (record "
                           f"tables: {', '.join(results.RECORD_TABLES)})")
        keep = None
        for key, value in (("scenario", scenario), ("rep", rep)):
            if value is not None:
                test = ds.field(key) == value
                keep = test if keep is None else keep & test
        return data.to_table(columns=columns, filter=keep)


@dataclass(frozen=True)
class LeverResults(Results):
    """The folder `levers` wrote: as Results, plus `levers`, the lever table."""

    @cached_property
    def levers(self) -> pa.Table | None:
        """lever × metric (outcomes, then mechanisms): the base's level and the paired
        difference with its 95 % interval; None when interrupted before every scenario had a
        replication."""
        path = self.folder / "levers.parquet"
        return pq.read_table(path) if path.is_file() else None
