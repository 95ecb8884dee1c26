"""What-if runs for the live app: a variant of a shipped scenario built through the config layer,
its replications run in a background thread with progress, and results cached on disk by config
sha256, seed and number of replications, so settings already run come back at once."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from sim import config
from sim.config import Scenario, ScenarioError
from sim.config.stages import CAPACITY, STAFF_POOLS
from sim.config.steps import value_at
from sim.experiments.runner import Job, run_job
from sim.output import results

SEED = 2024  # the command line's default seed: the app's runs match `run` and `compare`
FROM = dt.date(2024, 1, 1)  # changed staffing and inflow apply from the reform budget on
VARIANT = "whatif"
# control → (table, key) of the scenario; staff and inflow are dated steps
STEPS = {  # control → path of its dated steps in the scenario
    **{pool: (CAPACITY[pool].table, CAPACITY[pool].steps) for pool in STAFF_POOLS},
    "inflow_per_month": ("population", "inflow_per_month"),
    "exit_dwellings": ("subsidy", "exit_dwelling", "dwellings_per_year"),
}
MAX_YEARS, MAX_REPS = 20, 50
QUOTA_SHOWN = 0.5e-4  # the app shows the quota in % with 2 decimals: 33.33 % means 1/3 unchanged


@dataclass(frozen=True)
class Settings:
    """What the app's controls say: values from 2024 on, the run length and replications."""

    caseworkers: float
    housing_advisors: float
    support_workers: float
    inflow_per_month: float
    exit_dwellings: float  # udslusningsboliger (subsidised exit dwellings) a year
    quota_share: float
    years: float
    reps: int


def defaults(base: Scenario, years: float, reps: int) -> Settings:
    """The controls' values for a scenario as it stands."""
    steps = {name: value_at(_at(base, path), 0.0, FROM) for name, path in STEPS.items()}
    return Settings(**steps, quota_share=base.allocation.quota_share, years=years, reps=reps)


def variant(base: Scenario, settings: Settings) -> Scenario:
    """The base scenario with the settings applied (validated anew, like a scenario file).

    A changed staffing or inflow value holds from 2024-01-01 on and replaces later steps; an
    unchanged one leaves the scenario's own steps alone. Raises ScenarioError on bad values.
    """
    check_run(settings)
    data = base.model_dump(by_alias=True)
    unchanged = defaults(base, settings.years, settings.reps)
    for name, path in STEPS.items():
        value = getattr(settings, name)
        if value != getattr(unchanged, name):
            config.set_parameter(data, ".".join(path), value, FROM)
    if abs(settings.quota_share - base.allocation.quota_share) > QUOTA_SHOWN:
        data["allocation"]["quota_share"] = settings.quota_share
    data["name"], data["description"] = VARIANT, f"{base.name} with the app's settings"
    return config.validate(data, {}, Path("dashboard")).with_years(settings.years)


def _at(model, path: tuple[str, ...]):
    """The value at a dotted path of a scenario, e.g. ("subsidy", "exit_dwelling", …)."""
    for part in path:
        model = getattr(model, part)
    return model


def check_run(settings: Settings) -> None:
    """Run length and replications the app accepts (the scenario checks the rest)."""
    if not 0 < settings.years <= MAX_YEARS:
        raise ScenarioError("dashboard", "years", f"{settings.years:g} is out of range: "
                            f"the app runs 1 to {MAX_YEARS} years after the warm-up")
    if not 2 <= settings.reps <= MAX_REPS:
        raise ScenarioError("dashboard", "reps", f"{settings.reps} is out of range: at least 2 "
                            f"replications (for an interval) and at most {MAX_REPS}")


# --- cache -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One scenario's replications: where they are (or will be) cached."""

    cfg: Scenario
    reps: int
    folder: Path

    def metrics(self) -> list[dict[str, float]] | None:
        """Per-replication metrics if the run is cached, else None."""
        path = self.folder / "metrics.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def cached_run(cache: Path, cfg: Scenario, reps: int) -> Run:
    """The cache entry of a scenario: keyed by its config sha256, the seed and replications."""
    return Run(cfg, reps, cache / f"{cfg.name}-{cfg.sha256()[:16]}-s{SEED}-r{reps}")


def execute(runs: list[Run], workers: int, progress) -> None:
    """Run every replication of the runs in one pool, each run into a temporary folder that is
    renamed into the cache when its last replication is done (so a cache entry that exists is
    complete); progress(done) is called after each replication."""
    temporary = {run.cfg.name: run.folder.with_name(run.folder.name + ".partial") for run in runs}
    for tmp in temporary.values():
        shutil.rmtree(tmp, ignore_errors=True)
    metrics: dict[str, dict[int, dict[str, float]]] = {run.cfg.name: {} for run in runs}
    context = multiprocessing.get_context("forkserver")  # the app's server threads: no fork
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(run_job, Job(run.cfg, SEED, rep), temporary[run.cfg.name]):
                   (run, rep) for run in runs for rep in range(run.reps)}
        for done, future in enumerate(as_completed(futures), start=1):
            run, rep = futures[future]
            metrics[run.cfg.name][rep], _ = future.result()  # metrics; the series are not used
            if len(metrics[run.cfg.name]) == run.reps:
                _store(run, temporary[run.cfg.name], metrics[run.cfg.name])
            progress(done)


def _store(run: Run, tmp: Path, metrics: dict[int, dict[str, float]]) -> None:
    """Write the per-replication metrics and move the finished run into the cache."""
    results.write_json(tmp / "metrics.json", [metrics[r] for r in range(run.reps)])
    shutil.rmtree(run.folder, ignore_errors=True)
    tmp.rename(run.folder)


# --- background ----------------------------------------------------------------------------------


@dataclass
class Status:
    """How far a request has come: replications done of total, and its state."""

    total: int
    done: int = 0
    state: str = "waiting"  # waiting, running, done, failed
    message: str = ""


@dataclass
class Background:
    """Runs requests (lists of Runs) one after another in a daemon thread. A request waiting
    behind the running one is replaced by a newer request: only the latest settings matter."""

    workers: int
    statuses: dict[str, Status] = field(default_factory=dict)
    _next: tuple[str, list[Run]] | None = None
    _wake: threading.Condition = field(default_factory=threading.Condition)
    _thread: threading.Thread | None = None

    def submit(self, runs: list[Run]) -> str:
        """Queue the runs (cached ones cost nothing); return the request's key."""
        key = "+".join(r.folder.name for r in runs)
        with self._wake:
            known = self.statuses.get(key)
            if known is None or known.state == "failed":
                self.statuses[key] = Status(total=sum(r.reps for r in runs))
                self._next = (key, runs)
                self._wake.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="whatif-runs")
                self._thread.start()
        return key

    def _loop(self) -> None:
        while True:
            with self._wake:
                while self._next is None:
                    self._wake.wait()
                key, runs = self._next
                self._next = None
            self._serve(self.statuses[key], runs)

    def _serve(self, status: Status, runs: list[Run]) -> None:
        """Run what is not cached yet, keeping the status up to date."""
        status.state = "running"
        missing = [run for run in runs if run.metrics() is None]
        status.done = status.total - sum(run.reps for run in missing)
        cached = status.done
        try:
            if missing:
                execute(missing, self.workers,
                        lambda done: setattr(status, "done", cached + done))
            status.state = "done"
        except Exception as exc:  # a failed run is shown in the page; the app goes on
            status.state, status.message = "failed", f"{type(exc).__name__}: {exc}"
