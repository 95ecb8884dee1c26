"""Running a sweep: every (point, replication) of a design, bundled into tasks for an executor,
one metrics file per pair written atomically as results come back, then the summary and the
sensitivity tables read back from those files. A folder can be resumed and shared by shards;
the output is the same whatever executor, worker count or sharding produced it.

Replication k of every point uses the design's seed and replication number k, so all points
share random numbers (common random numbers): differences between points are the factors' doing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from sim import __version__
from sim.analysis import metrics, sensitivity
from sim.config import Scenario
from sim.config.design import Sweep, Variants
from sim.experiments import executors
from sim.experiments.posterior import Posterior
from sim.model.city import run_replication
from sim.output import results

METRICS, POINTS, SUMMARY = "metrics", "points.parquet", "summary.parquet"
SENSITIVITY = "sensitivity.parquet"
MAX_BUNDLE = 4  # replications per task: start-up cost is small beside a replication's seconds
TASKS_PER_WORKER = 8  # enough small tasks that workers finish close together


class SweepError(Exception):
    """The folder or the options do not fit this sweep (the user's to fix: exit 2)."""


@dataclass(frozen=True)
class Pair:
    point: int
    rep: int


@dataclass(frozen=True)
class Shard:
    """The i-th (1-based) of n disjoint slices of the pairs: every n-th pair, for balance."""

    index: int = 1
    count: int = 1

    def take(self, pairs: list[Pair]) -> list[Pair]:
        return pairs[self.index - 1::self.count]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class Task:
    """A bundle of replications: (point, rep, factor values) each, made from one base."""

    seed: int
    variants: Variants
    runs: tuple[tuple[int, int, tuple[float, ...]], ...]
    posterior: Posterior | None = None  # replication k runs with draw k


@dataclass
class Progress:
    """What a run of the sweep did: pairs run now, pairs found complete, pairs of the design."""

    ran: int = 0
    found: int = 0
    done: int = 0  # pairs of the whole design in the folder at the end
    total: int = 0
    interrupted: bool = False
    complete: bool = False
    note: str | None = None
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())


def run_task(task: Task) -> list[tuple[int, int, dict[str, float]]]:
    """Run a bundle's replications; return each one's metrics (records stay in the worker)."""
    out = []
    for point, rep, values in task.runs:
        cfg = task.variants.at(values)
        if task.posterior is not None:
            cfg = task.posterior.scenario(cfg, rep)
        tables = run_replication(cfg, task.seed, rep)
        out.append((point, rep, metrics.rep_metrics(tables, cfg)))
    return out


def all_pairs(sweep: Sweep) -> list[Pair]:
    return [Pair(p, r) for p in range(len(sweep.values)) for r in range(sweep.design.reps)]


def metrics_path(out: Path, pair: Pair) -> Path:
    return results.part_path(out, METRICS, point=pair.point, rep=pair.rep)


def run(sweep: Sweep, out: Path, executor: executors.Executor, shard: Shard = Shard(),
        resume: bool = False, progress: bool = True,
        posterior: Posterior | None = None) -> Progress:
    """Run this shard's missing pairs into `out`, then, once every pair of the design is in
    the folder, write the summary, sensitivity and manifest. With a posterior, replication k
    of every point runs its draw k."""
    pairs = all_pairs(sweep)
    mine = shard.take(pairs)
    with executor.started() as (map_tasks, workers):
        prepare_folder(sweep, out, mine, resume, posterior)
        todo = [pair for pair in mine if not is_complete(out, pair, sweep)]
        state = Progress(found=len(mine) - len(todo), total=len(pairs))
        bar = tqdm(total=len(mine), initial=state.found, desc=f"sweep {sweep.design.name}",
                   unit="rep", disable=not progress, dynamic_ncols=True, smoothing=0.1)
        try:
            for _, done in map_tasks(run_task, tasks(sweep, todo, workers, posterior)):
                for point, rep, metrics in done:
                    write_metrics(out, sweep, Pair(point, rep), metrics)
                    state.ran += 1
                    bar.update()
        except KeyboardInterrupt:
            state.interrupted = True
        finally:
            bar.close()
    missing = [pair for pair in pairs if not metrics_path(out, pair).is_file()]
    state.done = state.total - len(missing)
    state.complete = not missing and not state.interrupted
    if state.complete:
        state.note = summarise(sweep, out)
    results.write_json(out / "manifest.json", manifest(sweep, state, shard, executor) | {
        "uncertainty": "stochastic" if posterior is None else "parameter and stochastic",
        "posterior": None if posterior is None else posterior.describe()})
    return state


def tasks(sweep: Sweep, pairs: list[Pair], workers: int,
          posterior: Posterior | None = None) -> Iterator[Task]:
    """Bundle pairs so that each worker gets about TASKS_PER_WORKER tasks (at most MAX_BUNDLE
    replications each); the bundling changes speed only, never results. Made one at a time,
    as executors ask for them."""
    size = max(1, min(MAX_BUNDLE, math.ceil(len(pairs) / (workers * TASKS_PER_WORKER))))
    variants = sweep.variants
    for i in range(0, len(pairs), size):
        runs = tuple((p.point, p.rep, sweep.values[p.point]) for p in pairs[i:i + size])
        yield Task(sweep.design.seed, variants, runs, posterior)


# --- the folder ---------------------------------------------------------------------------------


def prepare_folder(sweep: Sweep, out: Path, mine: list[Pair], resume: bool,
                   posterior: Posterior | None = None) -> None:
    """Check the folder holds nothing but this sweep with this posterior (and, without resume,
    none of this shard's pairs), clear files a killed run left half written, and write the
    points table (the same from every shard)."""
    points = out / POINTS
    made = out / "manifest.json"
    if made.is_file():
        before = json.loads(made.read_text(encoding="utf-8")).get("posterior")
        if before != (None if posterior is None else posterior.describe()):
            raise SweepError(f"{out}: --posterior: the folder was run with another posterior "
                             "(or none); choose a new folder")
    if points.is_file():
        found = pq.read_schema(points).metadata.get(b"design_sha256", b"").decode()
        if found != sweep.sha256():
            raise SweepError(f"{out}: --out: the folder holds another sweep (or another version "
                             "of this design); choose a new folder")
        if not resume and any(metrics_path(out, p).is_file() for p in mine):
            raise SweepError(f"{out}: --out: the folder already holds results of this sweep; "
                             "add --resume to finish it, or choose a new folder")
    elif why := results.taken(out):
        raise SweepError(f"{out}: --out: {why}; choose a new folder")
    for leftover in out.rglob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    results.write_parquet(points, points_table(sweep), sweep_metadata(sweep))


def points_table(sweep: Sweep) -> pa.Table:
    """One row per point: its id, every factor's value, and its scenario's sha256."""
    columns = {"point": pa.array(range(len(sweep.values)), pa.int64())}
    for i, path in enumerate(sweep.paths):
        columns[path] = pa.array([row[i] for row in sweep.values], pa.float64())
    columns["config_sha256"] = pa.array(sweep.hashes, pa.string())
    return pa.table(columns)


def sweep_metadata(sweep: Sweep, **extra: str) -> dict[str, str]:
    return {"scenario": sweep.design.name, "seed": str(sweep.design.seed),
            "design_sha256": sweep.sha256(), "sim_version": __version__, **extra}


def is_complete(out: Path, pair: Pair, sweep: Sweep) -> bool:
    """A pair is complete when its file exists (files are renamed into place only when whole)
    and was made from the same scenario and seed."""
    path = metrics_path(out, pair)
    if not path.is_file():
        return False
    meta = pq.read_schema(path).metadata
    return (meta.get(b"config_sha256") == sweep.hashes[pair.point].encode()
            and meta.get(b"seed") == str(sweep.design.seed).encode())


def write_metrics(out: Path, sweep: Sweep, pair: Pair, values: dict[str, float]) -> None:
    meta = sweep_metadata(sweep, point=str(pair.point), rep=str(pair.rep),
                          config_sha256=sweep.hashes[pair.point])
    results.write_metrics(metrics_path(out, pair), values, meta)


def read_pair(out: Path, pair: Pair) -> dict[str, float]:
    """One replication's metrics from its file."""
    return results.read_metrics(metrics_path(out, pair))


# --- tables at the end --------------------------------------------------------------------------


def summarise(sweep: Sweep, out: Path) -> str | None:
    """summary.parquet (point × metric, 95 % interval over replications) and
    sensitivity.parquet, reading one point's files at a time so memory stays flat; returns a
    note when the indices need an extra that is missing."""
    tables, kept = [], []
    for point in range(len(sweep.values)):
        reps = [read_pair(out, Pair(point, r)) for r in range(sweep.design.reps)]
        tables.append(summary_table(sweep.design.name, point, reps))
        kept.append([{m: rep.get(m, math.nan) for m in sweep.design.metrics} for rep in reps])
    meta = sweep_metadata(sweep)
    results.write_parquet(out / SUMMARY, pa.concat_tables(tables).combine_chunks(), meta)
    try:
        table = sensitivity.table(sweep, kept)
    except ImportError as exc:
        return (f"no {SENSITIVITY}: Sobol' indices need the sensitivity extra ({exc.name} is "
                "missing): pip install -e '.[sensitivity]', then run again with --resume")
    results.write_parquet(out / SENSITIVITY, table, meta)
    return None


def summary_table(name: str, point: int, reps: list[dict[str, float]]) -> pa.Table:
    """One point's rows of the summary, with a `point` column after `scenario` (the design's
    or the budget's name)."""
    table = metrics.summary_table({name: reps})
    return table.add_column(1, "point", pa.array([point] * len(table), pa.int64()))


def unknown_metrics(base: Scenario, names: list[str]) -> list[str]:
    """The names that are not summary metrics, found from a 30-day run of the base scenario
    (a year in a name, as in housed_2025, stands for any year)."""
    data = base.model_dump(by_alias=True)
    data["run"].update(warmup_days=0.0, end_date=data["run"]["start_date"] + dt.timedelta(30))
    short = Scenario.model_validate(data)
    known = {_any_year(m) for m in metrics.rep_metrics(run_replication(short, 0, 0), short)}
    return [m for m in names if _any_year(m) not in known]


def _any_year(metric: str) -> str:
    return re.sub(r"_\d{4}(?=_|$)", "_YYYY", metric)


def manifest(sweep: Sweep, state: Progress, shard: Shard, executor: executors.Executor) -> dict:
    """What the folder holds and how this run made it."""
    body = results.manifest([sweep.base], sweep.design.seed, sweep.design.reps, state.started)
    return {**body, "design": {"file": str(sweep.file), "sha256": sweep.sha256(),
                               **sweep.design.model_dump(mode="json", by_alias=True)},
            "points": len(sweep.values), "pairs": state.total,
            "pairs_done": state.done,
            "this_run": {"shard": str(shard), "ran": state.ran, "found": state.found,
                         "interrupted": state.interrupted,
                         "executor": executor.scheduler or f"pool of {executor.workers}"}}


def main_note(state: Progress, out: Path, shard: Shard) -> str:
    """One line for stderr: what happened and what to do next."""
    if state.interrupted:
        return (f"interrupted: kept {state.found + state.ran} replications in {out}; "
                "run again with --resume to finish")
    if not state.complete:
        return (f"shard {shard} done ({state.ran} run, {state.found} already there); the "
                f"summary is written when every shard has finished ({out})")
    return f"results: {out}"

