"""What a budget buys: search the portfolios a budget file's levers allow, then choose the best
among the leaders with the Kim–Nelson KN++ procedure on common random numbers, to a stated
probability of correct selection within an indifference zone (docs/budget.md).

1. Portfolios: every whole-unit mix within the levers' bounds that the money pays for; those
   that leave less than the cheapest unit unspent "spend the budget".
2. Search: a space-filling start among the spending portfolios (farthest-point sampling), then
   rounds in which a Gaussian-process surrogate of the objective (`emulator`, fitted to every
   replication so far) proposes the portfolios with the highest upper confidence bound; and,
   for the cost–outcome front, the surrogate's best portfolio at budget levels below the budget.
3. Selection: the best finalists by sample mean (that keep every constraint no worse than the
   base) and the city's own choice go to KN++ (`selection.KN`): replication r of every
   portfolio runs the same seed (and, with a posterior, the same parameter draw).
4. What the next million buys: the chosen portfolio plus a million's worth of each lever,
   paired with the chosen one over the same replications.

Every replication's metrics are written as sweeps write them (metrics/point=P/rep=R), so a
stopped run goes on with --resume from what finished: every step is seeded and follows from the
results, so it makes the same choices again.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from sim import __version__
from sim.analysis import metrics
from sim.config import Scenario, ScenarioError
from sim.config.budget import Budget
from sim.experiments import emulator, executors, selection, sweep
from sim.experiments.posterior import Posterior
from sim.model.city import run_replication
from sim.output import results

METRICS = "metrics"
MAX_PORTFOLIOS = 2_000_000  # a product of lever ranges beyond this is refused
UCB_SDS = 2.0  # the surrogate's upper confidence bound: mean + 2 sd


def check_metrics(budget: Budget) -> None:
    """Refuse an objective or constraint that is not a summary metric, naming its key."""
    named = {"objective.metric": budget.spec.objective.metric}
    named |= {f"constraints[{i}].metric": c.metric for i, c in enumerate(budget.spec.constraints)}
    unknown = set(sweep.unknown_metrics(budget.base, list(named.values())))
    for key, name in named.items():
        if name in unknown:
            raise ScenarioError(budget.file, key, f"{name} is not a summary metric (the names "
                                "are those of summary.parquet, e.g. housed_total)")


# --- the portfolios --------------------------------------------------------------------------


def portfolios(budget: Budget) -> tuple[np.ndarray, np.ndarray]:
    """Every whole-unit mix within the levers' bounds that the money pays for (a row each),
    and whether it spends the budget (less than the cheapest unit left)."""
    ranges = [range(lever.min_units, lever.max_units + 1) for lever in budget.spec.levers]
    if math.prod(len(r) for r in ranges) > MAX_PORTFOLIOS:
        raise ScenarioError(budget.file, "levers", "the levers' bounds allow more than "
                            f"{MAX_PORTFOLIOS:,} mixes; narrow min_units and max_units")
    units = np.array(list(itertools.product(*ranges)), dtype=int)
    cost = units @ np.array(budget.prices)
    affordable = cost <= budget.money * (1 + 1e-9)
    spends = cost[affordable] > budget.money - min(budget.prices)
    return units[affordable], spends


def farthest(points: np.ndarray, n: int, taken: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """Indices of n rows of `points` spread out: each the farthest from those taken so far
    (`taken`, rows already chosen) — a space-filling start among discrete portfolios."""
    chosen: list[int] = []
    near = np.full(len(points), np.inf)
    for row in taken:
        near = np.minimum(near, np.linalg.norm(points - row, axis=1))
    for _ in range(min(n, len(points))):
        pick = int(rng.integers(len(points))) if np.isinf(near).all() else int(np.argmax(near))
        chosen.append(pick)
        near = np.minimum(near, np.linalg.norm(points - points[pick], axis=1))
        near[pick] = -1.0
    return np.array(chosen, dtype=int)


# --- running replications, kept as files -------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One replication of one portfolio: its scenario travels whole (a few kilobytes)."""

    point: int
    rep: int
    cfg: Scenario
    seed: int


def run_task(task: Task) -> dict[str, float]:
    return metrics.rep_metrics(run_replication(task.cfg, task.seed, task.rep), task.cfg)


@dataclass
class Runs:
    """Every portfolio evaluated so far (point = its place in `units`) and its replications'
    metrics, each written to the folder as it finishes and read back on --resume."""

    budget: Budget
    out: Path
    map_tasks: Callable
    posterior: Posterior | None
    bar: tqdm
    units: list[tuple[int, ...]] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    values: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)
    ran: int = 0

    def point(self, units, role: str) -> int:
        """The point of a portfolio, added (with its role) when new."""
        key = tuple(int(n) for n in units)
        if key in self.units:
            return self.units.index(key)
        self.units.append(key)
        self.roles.append(role)
        return len(self.units) - 1

    def scenario(self, point: int, rep: int) -> Scenario:
        cfg = self.budget.scenario(self.units[point], f"portfolio_{point}")
        return cfg if self.posterior is None else self.posterior.scenario(cfg, rep)

    def run(self, pairs: list[tuple[int, int]]) -> None:
        """Run the (point, replication) pairs not yet done; Ctrl-C propagates after what was
        running has been kept."""
        todo = []
        for point, rep in dict.fromkeys(pairs):
            if (point, rep) in self.values:
                continue
            cfg = self.scenario(point, rep)
            kept = self._read(point, rep, cfg)
            if kept is not None:
                self.values[point, rep] = kept
            else:
                todo.append(Task(point, rep, cfg, self.budget.spec.seed))
        self.bar.total = (self.bar.total or 0) + len(todo)
        self.bar.refresh()
        for task, result in self.map_tasks(run_task, todo):
            self._write(task, result)
            self.values[task.point, task.rep] = result
            self.ran += 1
            self.bar.update()

    def metric(self, point: int, name: str, reps) -> np.ndarray:
        return np.array([self.values[point, r].get(name, math.nan) for r in reps], dtype=float)

    def _path(self, point: int, rep: int) -> Path:
        return results.part_path(self.out, METRICS, point=point, rep=rep)

    def _read(self, point: int, rep: int, cfg: Scenario) -> dict[str, float] | None:
        path = self._path(point, rep)
        if not path.is_file():
            return None
        meta = pq.read_schema(path).metadata
        if meta.get(b"config_sha256") != cfg.sha256().encode():
            return None
        return results.read_metrics(path)

    def _write(self, task: Task, values: dict[str, float]) -> None:
        meta = {"scenario": self.budget.spec.name, "seed": str(task.seed),
                "point": str(task.point), "rep": str(task.rep),
                "config_sha256": task.cfg.sha256(), "sim_version": __version__}
        results.write_metrics(self._path(task.point, task.rep), values, meta)


# --- the search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Objective:
    """The objective's metric, and its sign: +1 maximise, -1 minimise (larger signed is better)."""

    metric: str
    sign: float


def objective(budget: Budget) -> Objective:
    spec = budget.spec.objective
    return Objective(spec.metric, 1.0 if spec.direction == "maximise" else -1.0)


def search(runs: Runs, units: np.ndarray, spends: np.ndarray, rng: np.random.Generator) -> None:
    """The base, the city's choice, a space-filling start, the surrogate's rounds and the
    front's portfolios, each run for the search's replications."""
    cfg = runs.budget.spec.search
    reps = range(cfg.replications)
    start = [runs.point(np.zeros(units.shape[1], int), "base")]
    if runs.budget.city is not None:
        start.append(runs.point(runs.budget.city, "city"))
    spending = units[spends]
    for i in farthest(spending, cfg.start, np.array(runs.units, dtype=float), rng):
        start.append(runs.point(spending[i], "search"))
    runs.run([(p, r) for p in start for r in reps])
    for _ in range(cfg.rounds):
        mean, sd = surrogate(runs, units)
        ucb = np.where(spends, mean + UCB_SDS * sd, -np.inf)
        seen = {tuple(u) for u in runs.units}
        fresh = [i for i in np.argsort(-ucb) if tuple(units[i]) not in seen and spends[i]]
        batch = [runs.point(units[i], "search") for i in fresh[:cfg.batch]]
        runs.run([(p, r) for p in batch for r in reps])
    front = front_points(runs, units)
    runs.run([(p, r) for p in front for r in reps])


def surrogate(runs: Runs, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The surrogate's signed objective (larger is better) at every portfolio, and the sd of
    that mean, fitted to every replication run so far."""
    goal = objective(runs.budget)
    rows = [(runs.units[p], goal.sign * v[goal.metric]) for (p, _), v in runs.values.items()]
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([[r[1]] for r in rows], dtype=float)
    low = np.array([lever.min_units for lever in runs.budget.spec.levers], dtype=float)
    high = np.array([lever.max_units for lever in runs.budget.spec.levers], dtype=float)
    model = emulator.fit(x, y, low, np.maximum(high, low + 1), runs.budget.spec.seed)
    mean, sd, _ = model.predict(units.astype(float))
    return mean[:, 0], sd[:, 0]


def front_points(runs: Runs, units: np.ndarray) -> list[int]:
    """For each budget level below the budget (equal steps), the surrogate's best portfolio
    that costs at most that much: the cost–outcome front below the budget."""
    levels = runs.budget.spec.search.front_levels
    if not levels:
        return []
    mean, _ = surrogate(runs, units)
    cost = units @ np.array(runs.budget.prices)
    points = []
    for k in range(1, levels + 1):
        within = cost <= runs.budget.money * k / (levels + 1)
        if within.any():
            best = np.flatnonzero(within)[np.argmax(mean[within])]
            points.append(runs.point(units[best], "front"))
    return points


# --- selection ---------------------------------------------------------------------------------


def finalists(runs: Runs) -> list[int]:
    """The best spending portfolios by sample mean over the search's replications that keep
    every constraint no worse than the base, and the city's choice: KN++'s candidates."""
    budget, goal = runs.budget, objective(runs.budget)
    reps = range(budget.spec.search.replications)
    spend_floor = budget.money - min(budget.prices)
    ok = [p for p, role in enumerate(runs.roles)
          if role in ("search", "front") and budget.cost(runs.units[p]) > spend_floor
          and keeps_constraints(runs, p, reps)]
    ranked = sorted(ok, key=lambda p: -goal.sign * np.nanmean(runs.metric(p, goal.metric, reps)))
    chosen = ranked[:budget.spec.selection.finalists]
    city = runs.roles.index("city") if "city" in runs.roles else None
    if city is not None and city not in chosen:
        chosen.append(city)
    return chosen


def keeps_constraints(runs: Runs, point: int, reps) -> bool:
    """Whether the portfolio's sample mean of every constraint metric is no worse than the
    base's over the same replications."""
    for c in runs.budget.spec.constraints:
        sign = 1.0 if c.direction == "maximise" else -1.0
        diff = runs.metric(point, c.metric, reps) - runs.metric(0, c.metric, reps)
        if sign * np.nanmean(diff) < 0:
            return False
    return True


def select(runs: Runs, candidates: list[int]) -> selection.KN:
    """KN++ among the candidates, replication by replication (results already run are used)."""
    cfg, goal = runs.budget.spec.selection, objective(runs.budget)
    if len(candidates) < 2:
        raise ScenarioError(runs.budget.file, "constraints", "fewer than two mixes that spend "
                            "the budget keep the constraints; loosen them or search more")
    kn = selection.KN(len(candidates), cfg.alpha, cfg.delta, cfg.first_stage,
                      maximise=goal.sign > 0, max_replications=cfg.max_replications)
    while not kn.done:
        batch = kn.batch()
        runs.run([(candidates[i], r) for i, r in batch])
        for i, r in batch:
            value = runs.values[candidates[i], r].get(goal.metric, math.nan)
            if not math.isfinite(value):
                raise ScenarioError(runs.budget.file, "objective.metric", f"{goal.metric} has "
                                    f"no value in replication {r} of mix {candidates[i]}; "
                                    "choose a metric every run gives")
            kn.add(i, r, value)
    return kn


def paired(runs: Runs, a: int, b: int, metric: str, reps) -> tuple[float, float, float, int]:
    """b minus a, replication by replication: mean and 95 % t-interval."""
    return metrics.t_interval(runs.metric(b, metric, reps) - runs.metric(a, metric, reps))


def marginal(runs: Runs, chosen: int) -> list[dict]:
    """For each lever with room left, the chosen portfolio plus a `marginal_dkk` worth of it
    (at least one unit), paired with the chosen one: the objective's change per that money."""
    budget, goal = runs.budget, objective(runs.budget)
    reps = range(budget.spec.marginal_replications)
    extra = {}
    for j, (lever, price) in enumerate(zip(budget.spec.levers, budget.prices, strict=True)):
        step = max(1, round(budget.spec.marginal_dkk / price))
        units = list(runs.units[chosen])
        if units[j] + step <= lever.max_units:
            units[j] += step
            extra[j] = (runs.point(units, "marginal"), step)
    runs.run([(p, r) for p in [chosen, *(p for p, _ in extra.values())] for r in reps])
    rows = []
    for j, (point, step) in extra.items():
        per = budget.spec.marginal_dkk / (step * budget.prices[j])
        mean, low, high, n = paired(runs, chosen, point, goal.metric, reps)
        rows.append({"lever": budget.spec.levers[j].name, "units": step,
                     "cost_dkk_per_year": step * budget.prices[j], "point": point,
                     "per_money_mean": mean * per, "per_money_ci_low": low * per,
                     "per_money_ci_high": high * per, "replications": n})
    return rows


# --- the whole command -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What `optimise` found: the runs, KN++'s finalists and state, the marginal table."""

    runs: Runs
    candidates: list[int] = field(default_factory=list)
    kn: selection.KN | None = None
    margins: list[dict] = field(default_factory=list)
    interrupted: bool = False


def optimise(budget: Budget, out: Path, executor: executors.Executor, resume: bool,
             posterior: Posterior | None, progress: bool) -> int:
    """Search, select and price the margins; write the folder; print the answer. 130 after
    Ctrl-C, with every finished replication kept for --resume."""
    problem = None if resume else results.taken(out)
    if problem is not None:
        raise ScenarioError(out, "--out", f"{problem}; choose a new folder, or add --resume")
    started = dt.datetime.now(dt.UTC)
    units, spends = portfolios(budget)
    rng = np.random.default_rng(budget.spec.seed)
    bar = tqdm(total=0, desc="replications", unit="run", disable=not progress,
               dynamic_ncols=True)
    with bar, executor.started() as (map_tasks, _):
        outcome = Outcome(Runs(budget, out, map_tasks, posterior, bar))
        try:
            search(outcome.runs, units, spends, rng)
            outcome.candidates = finalists(outcome.runs)
            outcome.kn = select(outcome.runs, outcome.candidates)
            outcome.margins = marginal(outcome.runs, chosen_point(outcome))
        except KeyboardInterrupt:
            outcome.interrupted = True
    write(outcome, out, started, posterior)
    if outcome.interrupted:
        print(f"interrupted: {len(outcome.runs.values)} replications kept in {out}; run again "
              "with --resume to go on", file=sys.stderr)
        return 130
    print(answer_text(outcome))
    print(f"results: {out}", file=sys.stderr)
    return 0


def chosen_point(outcome: Outcome) -> int:
    return outcome.candidates[outcome.kn.best]


# --- the folder --------------------------------------------------------------------------------


def candidates_table(runs: Runs) -> pa.Table:
    """portfolio × lever units, its cost a year and its role."""
    columns: dict[str, pa.Array] = {"point": pa.array(range(len(runs.units)), pa.int64()),
                                    "role": pa.array(runs.roles, pa.string())}
    for j, lever in enumerate(runs.budget.spec.levers):
        columns[lever.name] = pa.array([u[j] for u in runs.units], pa.int64())
    columns["cost_dkk_per_year"] = pa.array([runs.budget.cost(u) for u in runs.units],
                                            pa.float64())
    return pa.table(columns)


def summary(runs: Runs) -> pa.Table:
    """portfolio × metric: mean and 95 % interval over its replications (as sweeps write it)."""
    tables = []
    for point in range(len(runs.units)):
        reps = sorted(r for p, r in runs.values if p == point)
        if reps:
            tables.append(sweep.summary_table(runs.budget.spec.name, point,
                                              [runs.values[point, r] for r in reps]))
    return pa.concat_tables(tables).combine_chunks()


def front(runs: Runs) -> pa.Table:
    """portfolio × the objective over the search's replications, which every mix ran (the same
    seeds and posterior draws, so the mixes compare fairly): mean and 95 % interval, and the
    paired difference to the base with its interval."""
    metric = objective(runs.budget).metric
    reps = range(runs.budget.spec.search.replications)
    rows = []
    for point in range(len(runs.units)):
        if all((point, r) in runs.values for r in reps):
            level = metrics.t_interval(runs.metric(point, metric, reps))
            rows.append((point, len(reps), *level[:3], *paired(runs, 0, point, metric, reps)[:3]))
    names = ("point", "reps", "mean", "ci_low", "ci_high", "vs_base_mean", "vs_base_ci_low",
             "vs_base_ci_high")
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})


def selection_json(outcome: Outcome) -> dict:
    """The chosen portfolio, the procedure and its guarantee, and how the city's choice
    compares (paired over the replications both ran)."""
    runs, kn, budget = outcome.runs, outcome.kn, outcome.runs.budget
    cfg, goal = budget.spec.selection, objective(budget)
    best = chosen_point(outcome)
    names = [lever.name for lever in budget.spec.levers]
    out = {
        "objective": budget.spec.objective.model_dump(), "budget_dkk_per_year": budget.money,
        "chosen": {"point": best, "units": dict(zip(names, runs.units[best], strict=True)),
                   "cost_dkk_per_year": budget.cost(runs.units[best]),
                   "mean": float(kn.means()[kn.best])},
        "procedure": "KN++ (Kim & Nelson 2006) with KN's Bonferroni constant, common random "
                     "numbers: replication r of every finalist runs the same seed",
        "probability_of_correct_selection": 1 - cfg.alpha, "indifference_zone": cfg.delta,
        "guaranteed": kn.guaranteed,
        "finalists": [{"point": p, "replications": int(n), "mean": float(m),
                       "survived": i in kn.survivors}
                      for i, (p, n, m) in enumerate(zip(outcome.candidates, kn.replications,
                                                        kn.means(), strict=True))],
        "replications_run": runs.ran, "replications_total": len(runs.values),
    }
    if "city" in runs.roles:
        city = runs.roles.index("city")
        shared = [r for r in range(cfg.max_replications + budget.spec.marginal_replications)
                  if (city, r) in runs.values and (best, r) in runs.values]
        mean, low, high, n = paired(runs, city, best, goal.metric, shared)
        out["versus_city"] = {"point": city, "metric": goal.metric, "chosen_minus_city": mean,
                              "ci_low": low, "ci_high": high, "replications": n}
    out["marginal"] = outcome.margins
    return out


def write(outcome: Outcome, out: Path, started: dt.datetime,
          posterior: Posterior | None) -> None:
    """candidates.parquet, summary.parquet, selection.json (when selection ended) and
    manifest.json; the replications' metrics are already in metrics/."""
    runs = outcome.runs
    budget = runs.budget
    meta = {"scenario": budget.spec.name, "seed": str(budget.spec.seed),
            "sim_version": __version__}
    results.write_parquet(out / "candidates.parquet", candidates_table(runs), meta)
    if runs.values:
        results.write_parquet(out / sweep.SUMMARY, summary(runs), meta)
        results.write_parquet(out / "front.parquet", front(runs), meta)
    if not outcome.interrupted:
        results.write_json(out / "selection.json", selection_json(outcome))
    results.write_json(out / "manifest.json", {
        "budget_file": str(budget.file), "name": budget.spec.name,
        "settings": budget.spec.model_dump(mode="json", by_alias=True),
        "base": budget.base.name, "base_config_sha256": budget.base.sha256(),
        "prices_dkk_per_year": dict(zip([lv.name for lv in budget.spec.levers], budget.prices,
                                        strict=True)),
        "from": budget.start.isoformat(), "seed": budget.spec.seed,
        "uncertainty": "stochastic" if posterior is None else "parameter and stochastic",
        "posterior": None if posterior is None else posterior.describe(),
        "complete": not outcome.interrupted, "sim_version": __version__,
        "git_commit": results.git_commit(), "started": started.isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat()})


def answer_text(outcome: Outcome) -> str:
    """The chosen mix, its guarantee, the city's choice beside it, and the marginal million."""
    s = selection_json(outcome)
    budget = outcome.runs.budget
    metric = budget.spec.objective.metric
    mix = ", ".join(f"{n} {name}" for name, n in s["chosen"]["units"].items())
    lines = [f"budget {budget.spec.name}: {budget.money:,.0f} DKK a year for the levers; "
             f"{s['replications_total']} replications of {len(outcome.runs.units)} portfolios",
             f"best mix: {mix} ({s['chosen']['cost_dkk_per_year']:,.0f} DKK a year), "
             f"{metric} {s['chosen']['mean']:.1f}",
             f"chosen by {s['procedure']}; probability of correct selection ≥ "
             f"{s['probability_of_correct_selection']:.0%} when the best is at least "
             f"{s['indifference_zone']:g} better" + ("" if s["guaranteed"] else
                                                     " — NOT guaranteed: stopped at "
                                                     "max_replications")]
    city = s.get("versus_city")
    if city is not None:
        lines.append(f"against the city's choice: {city['chosen_minus_city']:+.1f} "
                     f"[{city['ci_low']:+.1f}, {city['ci_high']:+.1f}] {metric} "
                     f"({city['replications']} paired replications)")
    money = f"{budget.spec.marginal_dkk:,.0f} DKK"
    for row in s["marginal"]:
        lines.append(f"{money} more a year on {row['lever']}: {row['per_money_mean']:+.1f} "
                     f"[{row['per_money_ci_low']:+.1f}, {row['per_money_ci_high']:+.1f}] "
                     f"{metric}")
    return "\n".join(lines)
