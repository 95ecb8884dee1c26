"""The surge question: which stage becomes the bottleneck when more citizens must be housed,
and the smallest additions of staff and dwellings that bring a metric of the scenario back to
the reference's level.

The search is greedy and bottleneck-led. From the date the scenario departs from the reference,
each round tries one more step of every lever whose stage is under pressure (saturated resource,
queue growing faster than in the reference), keeps the step that moves the metric furthest
towards the reference, and stops when the reference level is reached, when no step helps, or
after `max_rounds`. Every candidate runs with the same seed and replication numbers (common
random numbers), so candidates differ by their additions, not by their luck.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis import bottleneck, metrics
from sim.config import Scenario, ScenarioError
from sim.config.stages import CAPACITY
from sim.config.steps import add_from, value_on
from sim.experiments.runner import run_all
from sim.output import results

REACHED_WITHIN = 0.01  # share of the reference level (or starting gap) that counts as there


@dataclass(frozen=True)
class Lever:
    """A resource the search may add to, in steps, from the change date on."""

    name: str
    path: tuple[str, ...]  # where its dated steps sit in the scenario
    step: float
    unit: str
    relieves: tuple[str, ...]  # stages (bottleneck.STAGES names) it can relieve
    pool: str | None  # the stage whose resource it is, if it must be saturated to be tried


def staff_lever(pool: str, step: float, *also_relieves: str) -> Lever:
    """A staff group as a lever: its dated steps and the stage it serves, from the registry."""
    cap = CAPACITY[pool]
    return Lever(pool, (cap.table, cap.steps), step, "staff", (cap.serves, *also_relieves),
                 cap.serves)


LEVERS = (
    staff_lever("caseworkers", 2),
    staff_lever("support_workers", 4, "dwellings (allocation queue)"),
    staff_lever("housing_advisors", 1),
    Lever("exit_dwellings", ("subsidy", "exit_dwelling", "dwellings_per_year"), 20,
          "dwellings a year", ("dwellings (allocation queue)",), None),
)


# --- building variants through the config layer ------------------------------------------


def variant(base: Scenario, additions: dict[str, int], date: dt.date, name: str) -> Scenario:
    """`base` with `additions[lever]` steps of each lever from `date`, validated anew."""
    data = base.model_dump(by_alias=True)
    data["name"] = name
    for lever in LEVERS:
        if additions.get(lever.name):
            node = data
            for key in lever.path[:-1]:
                node = node[key]
            node[lever.path[-1]] = add_from(node[lever.path[-1]], date,
                                            additions[lever.name] * lever.step)
    return Scenario.model_validate(data)


def _step_lists(data: dict, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple, list]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _step_lists(value, (*path, key))
        elif isinstance(value, list | tuple) and value and isinstance(value[0], dict) \
                and "from" in value[0]:
            yield (*path, key), list(value)


def change_date(scenario: Scenario, ref: Scenario) -> dt.date:
    """The first date on which a dated value of `scenario` differs from `ref`'s (the end of the
    warm-up if none does)."""
    theirs = dict(_step_lists(ref.model_dump(by_alias=True)))
    dates = []
    for path, steps in _step_lists(scenario.model_dump(by_alias=True)):
        other = theirs.get(path, steps)
        for day in sorted({s["from"] for s in steps} | {s["from"] for s in other}):
            if value_on(steps, day) != value_on(other, day):
                dates.append(day)
                break
    warm = scenario.run.start_date + dt.timedelta(days=math.ceil(scenario.run.warmup_days))
    return max(min(dates, default=warm), scenario.run.start_date)


# --- running candidates -------------------------------------------------------------------


@dataclass
class Result:
    """A candidate's additions, its metric per replication and its mean stage loads."""

    additions: dict[str, int]
    metric: np.ndarray
    load: dict[str, tuple[float, float]]


def evaluate(cfgs: list[Scenario], additions: list[dict[str, int]], metric: str, reps: int,
             seed: int, workers: int, window: tuple[float, float], progress: bool
             ) -> list[Result]:
    """Run every candidate with common random numbers in a temporary folder; keep the metric
    and the stage loads, then let the folder go."""
    with tempfile.TemporaryDirectory(prefix="capacity-") as tmp:
        outcome = run_all(cfgs, reps, seed, Path(tmp), workers, progress)
        if outcome.interrupted:
            raise KeyboardInterrupt  # a search step cannot be judged on part of its runs
        out = []
        for cfg, added in zip(cfgs, additions, strict=True):
            per_rep = outcome.metrics[cfg.name]
            if per_rep and metric not in per_rep[0]:
                raise ScenarioError("--metric", metric, "not a summary metric; see "
                                    "summary.parquet of a run for the names")
            snaps = [results.read_part(Path(tmp), "snapshots", bottleneck.columns(),
                                       scenario=cfg.name, rep=r) for r in range(len(per_rep))]
            loads = [bottleneck.stage_load(snap, *window) for snap in snaps]
            out.append(Result(added, np.array([m[metric] for m in per_rep], dtype=float),
                              bottleneck.mean_load(loads)))
    return out


def name_of(base: str, additions: dict[str, int]) -> str:
    parts = [f"{lever.name}{additions[lever.name]}" for lever in LEVERS
             if additions.get(lever.name)]
    return "-".join([base, *parts]) if parts else base


def describe(additions: dict[str, int]) -> str:
    parts = [f"{lever.name.replace('_', ' ')} +{additions[lever.name] * lever.step:g}"
             + (f" {lever.unit}" if lever.unit != "staff" else "")
             for lever in LEVERS if additions.get(lever.name)]
    return ", ".join(parts) or "none"


def levers_to_try(load: dict, ref_load: dict) -> list[Lever]:
    """Levers that relieve a pressured stage and whose own resource is saturated; all levers
    when no stage is under pressure."""
    hot = set(bottleneck.pressured(load, ref_load))
    chosen = [lever for lever in LEVERS if hot & set(lever.relieves)
              and (lever.pool is None or load[lever.pool][0] >= bottleneck.SATURATED)]
    return chosen or list(LEVERS)


# --- the search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    metric: str
    reps: int
    seed: int
    workers: int
    max_rounds: int
    progress: bool


def _mean(values: np.ndarray) -> float:
    return metrics.t_interval(values)[0]


@dataclass(frozen=True)
class Goal:
    """The reference level, which way is back to it, and how close counts as there: within 1 %
    of the reference's value or of the scenario's starting gap, whichever is larger."""

    level: float
    sign: float
    slack: float

    @classmethod
    def between(cls, start: Result, ref: Result) -> Goal:
        level, first = _mean(ref.metric), _mean(start.metric)
        return cls(level, 1.0 if first >= level else -1.0,
                   REACHED_WITHIN * max(abs(level), abs(first - level)))

    def reached(self, r: Result) -> bool:
        return self.sign * (_mean(r.metric) - self.level) <= self.slack

    def better(self, r: Result, than: Result) -> bool:
        return self.sign * (_mean(r.metric) - _mean(than.metric)) < 0


def search(scenario: Scenario, ref: Scenario, how: Settings) -> int:
    """Report the stage loads and bottleneck, search the additions, print the table."""
    if (scenario.run.start_date, scenario.run.end_date) != (ref.run.start_date, ref.run.end_date):
        raise ScenarioError("--reference", "run", f"{ref.name} runs {ref.run.start_date}–"
                            f"{ref.run.end_date}, {scenario.name} {scenario.run.start_date}–"
                            f"{scenario.run.end_date}; they must cover the same window")
    date = change_date(scenario, ref)
    window = (float((date - scenario.run.start_date).days), scenario.run.horizon_days)

    def run(cfgs: list[Scenario], adds: list[dict[str, int]]) -> list[Result]:
        return evaluate(cfgs, adds, how.metric, how.reps, how.seed, how.workers, window,
                        how.progress)

    base, start = run([ref, scenario], [{}, {}])
    print(f"capacity: {scenario.name} against {ref.name}, metric {how.metric}, {how.reps} "
          f"replications, seed {how.seed}; window and additions from {date}")
    print(bottleneck.table(start.load, base.load))
    print(bottleneck_line(start.load, base.load))
    goal = Goal.between(start, base)
    rows, best = [(0, start, "start")], start
    for round_no in range(1, how.max_rounds + 1):
        if goal.reached(best):
            break
        tries = [{**best.additions, lever.name: best.additions.get(lever.name, 0) + 1}
                 for lever in levers_to_try(best.load, base.load)]
        found = run([variant(scenario, a, date, name_of(scenario.name, a)) for a in tries], tries)
        winner = min(found, key=lambda r: goal.sign * _mean(r.metric))
        improved = goal.better(winner, best)
        rows += [(round_no, r, "kept" if r is winner and improved else "") for r in found]
        if not improved:
            break
        best = winner
    print(search_table(rows, base, how.metric))
    print(result_line(best, goal, how.metric))
    return 0


def bottleneck_line(load: dict, ref_load: dict) -> str:
    hot = bottleneck.pressured(load, ref_load)
    if not hot:
        return "bottleneck: none (no saturated stage's queue grows faster than the reference's)"
    name = hot[0]
    line = (f"bottleneck: {name}, queue growing {load[name][1] - ref_load[name][1]:+.0f} a year "
            "beyond the reference's")
    support = load["bostøtte (support workers)"][0]
    if name.startswith("dwellings") and support >= bottleneck.SATURATED:
        line += (f"; under the support gate this queue also waits for bostøtte capacity "
                 f"(support workers' utilisation {support:.2f})")
    return line


def search_table(rows: list[tuple[int, Result, str]], base: Result, metric: str) -> str:
    head = ("round", "additions", f"{metric} [95 %]", "minus reference [95 %]", "")
    lines = [head]
    for round_no, r, note in rows:
        mean, low, high, _ = metrics.t_interval(r.metric)
        diff, dlow, dhigh, _ = metrics.t_interval(r.metric - base.metric)
        lines.append((str(round_no), describe(r.additions),
                      f"{mean:,.1f} [{low:,.1f}, {high:,.1f}]",
                      f"{diff:+,.1f} [{dlow:+,.1f}, {dhigh:+,.1f}]", note))
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i in (1, 4) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
                     for r in lines)


def result_line(best: Result, goal: Goal, metric: str) -> str:
    verdict = "reaches" if goal.reached(best) else "does not reach"
    return (f"smallest additions found: {describe(best.additions)}; {metric} "
            f"{_mean(best.metric):,.1f} {verdict} the reference's {goal.level:,.1f} "
            f"(within {goal.slack:,.2g})")
