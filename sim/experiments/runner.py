"""Replications in parallel: every (scenario, rep) is one job that runs the model, writes its
tables and returns its metrics. Results are keyed by (scenario, rep), never by completion order,
so any number of workers gives the same output."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from tqdm import tqdm

from sim.analysis import metrics
from sim.config import Scenario
from sim.experiments import executors
from sim.experiments.posterior import Posterior
from sim.model.city import run_replication
from sim.output import results


@dataclass(frozen=True)
class Job:
    cfg: Scenario
    seed: int
    rep: int


@dataclass(frozen=True)
class Precision:
    """Replicate until each metric's 95 % half-width ≤ relative × |mean|, in batches."""

    relative: float
    metrics: tuple[str, ...]
    max_reps: int
    batch: int


@dataclass
class Outcome:
    """Per-replication metrics by scenario (in rep order) and the state of every job."""

    metrics: dict[str, list[dict[str, float]]]
    series: dict[str, list[dict]] = field(default_factory=dict)
    states: dict[tuple[str, int], str] = field(default_factory=dict)
    interrupted: bool = False

    def merge(self, more: Outcome) -> None:
        """Add the replications of a later batch."""
        for name, per_rep in more.metrics.items():
            self.metrics[name] += per_rep
            self.series[name] += more.series[name]
        self.states.update(more.states)
        self.interrupted = more.interrupted


def run_job(job: Job, out: Path) -> tuple[dict[str, float], dict]:
    """Run one replication, write its tables, return its metrics and series (computed from
    the tables)."""
    tables = run_replication(job.cfg, job.seed, job.rep)
    results.write_replication(out, job.cfg, job.seed, job.rep, tables)
    return metrics.rep_metrics(tables, job.cfg), metrics.rep_series(tables, job.cfg)


def run_all(scenarios: list[Scenario], reps: int, seed: int, out: Path, workers: int,
            progress: bool = True, first_rep: int = 0,
            posterior: Posterior | None = None) -> Outcome:
    """Run replications first_rep … first_rep + reps - 1 of every scenario with common random
    numbers (same seed and replication numbers for every scenario); with a posterior,
    replication k of every scenario runs with draw k's parameters."""
    numbers = range(first_rep, first_rep + reps)
    jobs = [Job(cfg if posterior is None else posterior.scenario(cfg, rep), seed, rep)
            for rep in numbers for cfg in scenarios]
    outcome = Outcome(metrics={cfg.name: [] for cfg in scenarios},
                      states={(j.cfg.name, j.rep): "pending" for j in jobs})
    done: dict[tuple[str, int], tuple[dict, dict]] = {}
    bar = tqdm(total=len(jobs), desc="replications", unit="rep", disable=not progress,
               file=None, dynamic_ncols=True)
    try:
        for job, result in executors.pool(partial(run_job, out=out), jobs, workers):
            done[(job.cfg.name, job.rep)] = result
            outcome.states[(job.cfg.name, job.rep)] = "done"
            bar.update()
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        bar.close()
    for cfg in scenarios:
        finished = [done[(cfg.name, r)] for r in numbers if (cfg.name, r) in done]
        outcome.metrics[cfg.name] = [metrics for metrics, _ in finished]
        outcome.series[cfg.name] = [series for _, series in finished]
    return outcome


def run_until_precise(scenarios: list[Scenario], reps: int, seed: int, out: Path, workers: int,
                      progress: bool, target: Precision,
                      posterior: Posterior | None = None) -> Outcome:
    """Replicate in batches until every chosen metric's 95 % half-width is within the target
    share of its mean in every scenario, or the maximum is reached."""
    outcome = run_all(scenarios, reps, seed, out, workers, progress, posterior=posterior)
    done = reps
    while not outcome.interrupted and done < target.max_reps \
            and not metrics.precise_enough(outcome.metrics, target.metrics, target.relative):
        more = min(target.batch, target.max_reps - done)
        outcome.merge(run_all(scenarios, more, seed, out, workers, progress, first_rep=done,
                              posterior=posterior))
        done += more
    return outcome
