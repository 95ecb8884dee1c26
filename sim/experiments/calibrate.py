"""Calibration files: what is fitted to Copenhagen's history, within which prior ranges, against
which observed figures and with how much observation uncertainty.

A calibration file names the back-test's observed file (its history run is the base scenario,
its figures the targets), the uncertain parameters by dotted path with a uniform prior range
(`scale = true`: the range multiplies the base's value, as sweep factors do), and the targets by
figure name with their observation uncertainty (a standard deviation in the figure's unit). It
is validated like a scenario: a bad file is refused with its name, the key and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    model_validator,
)
from scipy.stats import qmc
from tqdm import tqdm

from sim import __version__, config
from sim.config import Frozen, Name, Scenario, ScenarioError
from sim.config.design import Factor, Variants, check_factors
from sim.config.files import read_toml, resolve, validated
from sim.experiments import backtest, emulator, executors
from sim.model.city import run_replication
from sim.output import results


class Target(Frozen):
    """One observed figure to fit, and its observation uncertainty (a standard deviation, in the
    figure's unit) — together with the model's own noise it sets how close is close. A held-out
    figure is simulated and reported beside the posterior's band, but not fitted: an
    out-of-sample check."""

    figure: Name
    sd: PositiveFloat
    held_out: bool = False


class Calibration(Frozen):
    """The calibration: the observed file, the priors, the targets, and the budget of runs."""

    name: Name
    description: str = ""
    observed: str  # the back-test's observed file, relative to this file
    samples: PositiveInt  # parameter sets a wave
    waves: PositiveInt = 2  # history matching: each wave samples where the last was plausible
    cutoff: PositiveFloat = 3.0  # implausibility above which a parameter set is ruled out
    candidates: PositiveInt = 20_000  # emulated parameter sets a wave (and the posterior) weighs
    predictive_runs: PositiveInt = 50  # fresh runs at posterior draws: the fit and emulator check
    seed: NonNegativeInt
    parameters: tuple[Factor, ...] = Field(min_length=1, strict=False)
    targets: tuple[Target, ...] = Field(min_length=1, strict=False)

    @model_validator(mode="after")
    def _something_to_fit(self) -> Calibration:
        check_factors("lhs", "parameters", self.parameters, noun="prior")  # a range, as in lhs
        if all(t.held_out for t in self.targets):
            raise ValueError("every target is held out: at least one must be fitted")
        return self


@dataclass(frozen=True)
class Plan:
    """A loaded calibration: the file, its settings, the history scenario the parameters vary,
    and the targets' observed figures."""

    file: Path
    calibration: Calibration
    base: Scenario
    figures: tuple[backtest.Figure, ...]  # each target's observed figure, in the targets' order

    @property
    def variants(self) -> Variants:
        return Variants(self.base, self.calibration.parameters, self.base.run.start_date)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.calibration.parameters)


def load(path: Path, budget: int | None = None) -> Plan:
    """Read and check a calibration file; `budget` (total runs) replaces the file's: a fifth
    for the predictive runs, the rest split over the waves. Every refusal is a ScenarioError
    naming the file and the key."""
    path = resolve(path)
    calibration = validated(Calibration, read_toml(path), path)
    if budget is not None:
        predictive = max(budget // 5, 1)
        samples = max((budget - predictive) // calibration.waves, 1)
        calibration = calibration.model_copy(update={"samples": samples,
                                                     "predictive_runs": predictive})
    observed_file = path.parent / calibration.observed
    observed = backtest.load_observed(observed_file)
    base = config.load(observed_file.parent / observed.runs.history)
    figures = _target_figures(path, calibration, observed)
    _check_parameters(path, calibration, base)
    return Plan(path, calibration, base, figures)


def _target_figures(path: Path, calibration: Calibration,
                    observed: backtest.Observed) -> tuple[backtest.Figure, ...]:
    """Each target's figure in the observed file: a history figure (the reform pair is not
    calibrated against), named once."""
    by_name = {f.name: f for f in observed.figure}
    history = sorted(name for name, f in by_name.items() if f.measure not in backtest.PAIRED)
    names = [t.figure for t in calibration.targets]
    for i, name in enumerate(names):
        if name not in by_name or by_name[name].measure in backtest.PAIRED:
            raise ScenarioError(path, f"targets[{i}].figure", f"{name!r} is not a history "
                                f"figure of {calibration.observed} (it has {', '.join(history)})")
        if names.index(name) != i:
            raise ScenarioError(path, f"targets[{i}].figure", f"{name!r} is a target twice")
    return tuple(by_name[name] for name in names)


def _check_parameters(path: Path, calibration: Calibration, base: Scenario) -> None:
    """Every parameter names a number of the history scenario, and both ends of the priors give
    a valid scenario (the ranges themselves are the file's validation)."""
    variants = Variants(base, calibration.parameters, base.run.start_date)
    for end in ("low", "high"):
        values = tuple(getattr(f, end) for f in calibration.parameters)
        try:
            variants.at(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ScenarioError(path, "parameters", f"the priors' {end} ends give no valid "
                                f"scenario: {config.error_key(err['loc'])}: "
                                f"{config.describe_error(err)}") from None
        except ValueError as exc:  # a path that is not a parameter
            raise ScenarioError(path, "parameters.path", str(exc)) from None


# --- running: waves of history matching with an emulator, then importance weights -------------


@dataclass(frozen=True)
class Task:
    """One parameter set to simulate: small, so the pool carries it instead of a scenario."""

    variants: Variants
    values: tuple[float, ...]
    figures: tuple[backtest.Figure, ...]
    seed: int
    rep: int = 0


def simulate(task: Task) -> tuple[float, ...]:
    """The targets' values in one replication of the history run with these parameters. Every
    run is a replication of its own (not common random numbers): the emulator's white noise
    then learns the model's noise in one replication, which the likelihood needs and which
    runs sharing one replication would hide."""
    cfg = task.variants.at(task.values)
    view = backtest.Rep(run_replication(cfg, task.seed, task.rep), cfg)
    return tuple(backtest.measure(view, f) for f in task.figures)


@dataclass(frozen=True)
class Predictive:
    """Fresh runs at posterior draws (draw k in replication k), and what the emulator said
    they would give: the posterior predictive check and the emulator's own."""

    draws: np.ndarray  # each run's row of the posterior
    replications: np.ndarray  # each run's replication (after the waves': one of its own)
    simulated: np.ndarray  # run × target
    emulated: tuple[np.ndarray, np.ndarray, np.ndarray]  # mean, its sd, one replication's sd


@dataclass
class Fitted:
    """The waves' runs, the emulated parameter sets with the weights that make them the
    posterior, and the predictive runs; later parts stay None when Ctrl-C came first."""

    values: np.ndarray  # run × parameter
    wave: np.ndarray  # the wave that sampled each run
    index: np.ndarray  # each run's place in its wave's sample
    simulated: np.ndarray  # run × target
    posterior: np.ndarray | None = None  # emulated set × parameter
    weights: np.ndarray | None = None
    predictive: Predictive | None = None
    interrupted: bool = False


def distances(plan: Plan, simulated: np.ndarray, spread: np.ndarray | float = 0.0) -> np.ndarray:
    """Each fitted target's distance from its observation, in standard deviations of the
    observation and `spread` (an sd per value: the emulator's and the model's noise) together;
    held-out targets left out, NaN counts as infinitely far."""
    fitted = [j for j, t in enumerate(plan.calibration.targets) if not t.held_out]
    observed = np.array([plan.figures[j].observed for j in fitted])
    sd = np.array([plan.calibration.targets[j].sd for j in fitted])
    spread = np.broadcast_to(spread, simulated.shape)[:, fitted]
    return np.nan_to_num((simulated[:, fitted] - observed) / np.sqrt(sd ** 2 + spread ** 2),
                         nan=np.inf)


def implausibility(plan: Plan, simulated: np.ndarray, spread: np.ndarray | float = 0.0):
    """Per row, the largest distance of a fitted target from its observation (history
    matching's implausibility)."""
    return np.max(np.abs(distances(plan, simulated, spread)), axis=1)


Kept = dict[tuple[int, int], np.ndarray]  # (wave, place in it) → targets; the predictive
# runs are wave `waves`, placed by draw


def fit(plan: Plan, map_tasks: Callable, progress: bool, kept: Kept | None = None) -> Fitted:
    """Waves of runs, each refitting the emulator and sampling the next wave among the sets it
    does not rule out; then the emulated sets weighted by the targets' Gaussian likelihood
    (uniform priors), and predictive runs at draws of that posterior. Every step is seeded, so
    runs `kept` from a stopped calibration are the ones it would make again and are not rerun.
    Ctrl-C keeps what finished."""
    cal, kept = plan.calibration, kept or {}
    low, high = (np.array([getattr(p, end) for p in cal.parameters], dtype=float)
                 for end in ("low", "high"))
    rng = np.random.default_rng(cal.seed)
    fitted = Fitted(np.empty((0, len(low))), np.empty(0, int), np.empty(0, int),
                    np.empty((0, len(plan.figures))))
    bar = tqdm(total=cal.samples * cal.waves + cal.predictive_runs, desc="history runs",
               unit="run", disable=not progress, dynamic_ncols=True)
    with bar:
        proposal = _sample(low, high, cal.samples, rng)
        for wave in range(cal.waves):
            runs = Runs(plan, map_tasks, bar, kept, wave)
            first = wave * cal.samples
            sims, done = runs.run([(row, first + i) for i, row in enumerate(proposal)])
            fitted.values = np.vstack([fitted.values, proposal[done]])
            fitted.wave = np.append(fitted.wave, np.full(np.count_nonzero(done), wave))
            fitted.index = np.append(fitted.index, np.flatnonzero(done))
            fitted.simulated = np.vstack([fitted.simulated, sims[done]])
            if not done.all():
                fitted.interrupted = True
                return fitted
            model = emulator.fit(fitted.values, fitted.simulated, low, high, cal.seed)
            candidates = _sample(low, high, cal.candidates, rng)
            emulated = model.predict(candidates)
            proposal = _next_wave(plan, candidates, emulated, rng)
        fitted.posterior, fitted.weights = _weigh(plan, model, low, high, rng)
        fitted.predictive = _predict(plan, fitted, model, Runs(plan, map_tasks, bar, kept,
                                                               cal.waves), rng)
    fitted.interrupted = len(fitted.predictive.draws) < cal.predictive_runs
    return fitted


def _sample(low: np.ndarray, high: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A Latin hypercube of n parameter sets over the prior box."""
    return low + qmc.LatinHypercube(d=len(low), seed=rng).random(n) * (high - low)


@dataclass(frozen=True)
class Runs:
    """Runs one step of the calibration (a wave, or the predictive runs) through the
    executor, taking the ones a stopped calibration kept instead of running them again."""

    plan: Plan
    map_tasks: Callable
    bar: tqdm
    kept: Kept
    step: int

    def run(self, sets: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Each (parameter set, replication)'s simulated targets, a row each, and which
        finished (all of them unless Ctrl-C stopped the runs)."""
        plan = self.plan
        out = np.full((len(sets), len(plan.figures)), np.nan)
        done = np.zeros(len(sets), dtype=bool)
        for i in range(len(sets)):
            if (self.step, i) in self.kept:
                out[i], done[i] = self.kept[self.step, i], True
                self.bar.update()
        tasks = [(i, Task(plan.variants, tuple(map(float, row)), plan.figures,
                          plan.calibration.seed, rep))
                 for i, (row, rep) in enumerate(sets) if not done[i]]
        try:
            for (i, _), result in self.map_tasks(_simulate_row, tasks):
                out[i], done[i] = result, True
                self.bar.update()
        except KeyboardInterrupt:
            pass  # the executor finished what was running; the caller keeps it
        return out, done


def _simulate_row(item: tuple[int, Task]) -> tuple[float, ...]:
    return simulate(item[1])


def _spread(emulated: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """The sd the emulator adds to an observation's: its own and one replication's noise."""
    _, sd, noise = emulated
    return np.sqrt(sd ** 2 + noise ** 2)


def _next_wave(plan: Plan, candidates: np.ndarray, emulated: tuple, rng) -> np.ndarray:
    """The next wave's sets: drawn at random from the candidates the emulator does not rule
    out (implausibility below the cutoff), or the least implausible when too few are left."""
    n = plan.calibration.samples
    score = implausibility(plan, emulated[0], _spread(emulated))
    plausible = np.flatnonzero(score < plan.calibration.cutoff)
    chosen = rng.choice(plausible, n, replace=False) if len(plausible) >= n \
        else np.argsort(score)[:n]
    return candidates[chosen]


PROPOSALS = 6  # importance sampling rounds: the prior, then five proposals fitted to the last
DEFENSIVE = 0.1  # share of a proposal drawn from the prior, so no part of it goes unweighed
DEGREES = 5.0  # of freedom of the proposals' Student t: tails as heavy as the flat prior's logits
JITTER = 0.01  # added to the proposal's variances (on the logit scale), for sets few weights carry
EDGE = 1e-9  # how near a set may come to its prior's bounds (their logits are infinite)


def _weigh(plan: Plan, model: emulator.Emulator, low: np.ndarray, high: np.ndarray,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The posterior as emulated sets with importance weights, by adaptive importance sampling
    (population Monte Carlo, Cappé et al. 2004). The first proposal is the prior; each next is a
    Student t fitted to the weighted sets, mixed with the prior. A set's
    weight is the Gaussian likelihood of the fitted targets times the prior's density over the
    proposal's. With many parameters, sets drawn from the prior alone seldom land where
    the history fits; the proposals go there. Sets below a millionth of the largest weight are
    dropped."""
    n = plan.calibration.candidates
    sets, log_q = _sample(low, high, n, rng), np.zeros(n)
    for step in range(PROPOSALS):
        log_w = _log_likelihood(plan, model.predict(sets)) - log_q
        if not np.isfinite(log_w).any():
            raise ScenarioError(plan.file, "targets", "no parameter set within the priors "
                                "comes near every target; widen the priors or check the "
                                "targets")
        w = np.exp(log_w - np.max(log_w))
        if step < PROPOSALS - 1:
            sets, log_q = _propose(sets, w / w.sum(), low, high, n, rng)
    keep = w >= 1e-6
    return sets[keep], w[keep] / w[keep].sum()


def _log_likelihood(plan: Plan, emulated: tuple) -> np.ndarray:
    """The Gaussian log likelihood of the fitted targets, with the emulator's and the model's
    noise added to the observations' sd."""
    return -0.5 * np.sum(distances(plan, emulated[0], _spread(emulated)) ** 2, axis=1)


def _propose(sets: np.ndarray, weights: np.ndarray, low: np.ndarray, high: np.ndarray, n: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n sets from the prior mixed with a Student t fitted to the weighted sets, and the log of
    that mixture's density over the prior's. The t lives on the logits of the sets' places in
    the prior box, so it never leaves the box; its heavy tails keep the weights bounded in the
    parameters the history leaves near their priors (a Gaussian's thin tails did not: an
    effective sample size of 10 rather than hundreds)."""
    from scipy.special import expit, logit
    from scipy.stats import multivariate_t

    def place(values: np.ndarray) -> np.ndarray:
        return np.clip((values - low) / (high - low), EDGE, 1 - EDGE)

    y = logit(place(sets))
    cov = np.atleast_2d(np.cov(y.T, aweights=weights)) + JITTER * np.eye(len(low))
    t = multivariate_t(weights @ y, cov, df=DEGREES)
    from_prior = rng.binomial(n, DEFENSIVE)
    new = np.vstack([logit(place(low + rng.random((from_prior, len(low))) * (high - low))),
                     t.rvs(size=n - from_prior, random_state=rng).reshape(-1, len(low))])
    u = place(low + expit(new) * (high - low))
    log_prior = np.sum(np.log(u) + np.log1p(-u), axis=1)  # the flat prior's density on logits
    log_q = np.logaddexp(np.log(DEFENSIVE), np.log1p(-DEFENSIVE) + t.logpdf(new) - log_prior)
    return low + u * (high - low), log_q


def _predict(plan: Plan, fitted: Fitted, model: emulator.Emulator, runs: Runs,
             rng: np.random.Generator) -> Predictive:
    """Run the k-th draw of the posterior in a replication no wave ran, and keep what the
    emulator predicted for it."""
    cal = plan.calibration
    draws = rng.choice(len(fitted.weights), cal.predictive_runs, p=fitted.weights)
    first = cal.waves * cal.samples
    sims, done = runs.run([(fitted.posterior[d], first + k) for k, d in enumerate(draws)])
    emulated = model.predict(fitted.posterior[draws[done]])
    return Predictive(draws[done], first + np.flatnonzero(done), sims[done], emulated)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights."""
    return float(1.0 / np.sum(weights ** 2)) if weights.sum() > 0 else 0.0


# --- the calibration folder ---------------------------------------------------------------------


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list:
    """Quantiles of weighted values (NaN values and zero weights left out)."""
    keep = np.isfinite(values) & (weights > 0)
    if not keep.any():
        return [math.nan] * len(qs)
    order = np.argsort(values[keep])
    v, w = values[keep][order], weights[keep][order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, cum, v)) for q in qs]


def write(plan: Plan, fitted: Fitted, out: Path, started: dt.datetime) -> None:
    """targets.parquet, runs/part-0.parquet and manifest.json; with a posterior also
    posterior.parquet, runs/predictive.parquet and fit.parquet. Every file is written whole or
    not at all."""
    cal, meta = plan.calibration, results.run_metadata(plan.calibration.seed)
    targets = pa.table({"target": [f.name for f in plan.figures],
                        "observed": [f.observed for f in plan.figures],
                        "uncertainty": [t.sd for t in cal.targets],
                        "unit": [f.unit for f in plan.figures],
                        "source": [f.source for f in plan.figures],
                        "measure": [f.measure for f in plan.figures],
                        "year": pa.array([f.year for f in plan.figures], pa.int64())})
    results.write_parquet(out / "targets.parquet", targets, meta)
    runs = {"draw": np.arange(len(fitted.values)), "wave": fitted.wave, "set": fitted.index,
            "implausibility": implausibility(plan, fitted.simulated)}
    results.write_parquet(out / "runs" / "part-0.parquet",
                          pa.table(runs | _columns(plan, fitted.values, fitted.simulated)), meta)
    if fitted.weights is not None:
        posterior = {"draw": np.arange(len(fitted.weights))}
        posterior |= {path: fitted.posterior[:, j] for j, path in enumerate(plan.paths)}
        posterior["weight"] = fitted.weights
        results.write_parquet(out / "posterior.parquet", pa.table(posterior), meta)
        results.write_parquet(out / "runs" / "predictive.parquet",
                              predictive_table(plan, fitted), meta)
        results.write_parquet(out / "fit.parquet", fit_table(plan, fitted), meta)
    results.write_json(out / "manifest.json", {
        "calibration": str(plan.file), "name": cal.name, "settings": cal.model_dump(mode="json"),
        "base": plan.base.name, "base_config_sha256": plan.base.sha256(), "seed": cal.seed,
        "runs": len(fitted.values) + _predictive_runs(fitted),
        "effective_sample_size":
            None if fitted.weights is None else effective_size(fitted.weights),
        "complete": not fitted.interrupted, "sim_version": __version__,
        "git_commit": results.git_commit(), "started": started.isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat()})


def _predictive_runs(fitted: Fitted) -> int:
    return 0 if fitted.predictive is None else len(fitted.predictive.draws)


def _columns(plan: Plan, values: np.ndarray, simulated: np.ndarray) -> dict[str, np.ndarray]:
    """A column per parameter path and per target (`sim:<target>`)."""
    out = {path: values[:, j] for j, path in enumerate(plan.paths)}
    return out | {f"sim:{f.name}": simulated[:, j] for j, f in enumerate(plan.figures)}


def predictive_table(plan: Plan, fitted: Fitted) -> pa.Table:
    """The predictive runs: the posterior row each ran, its replication, its parameters, the
    targets it gave and the emulator's mean and sd for one replication there."""
    pred = fitted.predictive
    mean, sd, noise = pred.emulated
    first = plan.calibration.waves * plan.calibration.samples
    columns = {"draw": pred.draws, "set": pred.replications - first,
               "replication": pred.replications}
    columns |= _columns(plan, fitted.posterior[pred.draws], pred.simulated)
    for j, f in enumerate(plan.figures):
        columns[f"emulated:{f.name}"] = mean[:, j]
        columns[f"emulated_sd:{f.name}"] = np.sqrt(sd[:, j] ** 2 + noise[:, j] ** 2)
    return pa.table(columns)


def fit_table(plan: Plan, fitted: Fitted) -> pa.Table:
    """Per target: observed, the mean and 95 % interval of the predictive runs (parameter and
    stochastic uncertainty together), whether the observation lies inside, and the emulator's
    check against those runs (share inside its 95 % interval, rms standardised error)."""
    pred = fitted.predictive
    checked = emulator.check_predictions(pred.emulated, pred.simulated)
    rows = []
    for j, f in enumerate(plan.figures):
        sims = pred.simulated[:, j]
        sims = sims[np.isfinite(sims)]
        mean = float(sims.mean()) if len(sims) else math.nan
        low, high = np.quantile(sims, (0.025, 0.975)) if len(sims) else (math.nan, math.nan)
        rows.append((f.name, f.observed, mean, float(low), float(high),
                     bool(low <= f.observed <= high), plan.calibration.targets[j].held_out,
                     float(checked["inside_95"][j]), float(checked["rms_z"][j])))
    names = ("target", "observed", "posterior_mean", "ci_low", "ci_high", "inside", "held_out",
             "emulator_inside_95", "emulator_rms_z")
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})


def summary_text(plan: Plan, fitted: Fitted) -> str:
    """The parameters' prior and posterior, and each target's fit, as printed tables."""
    pred = fitted.predictive
    lines = [f"calibration {plan.calibration.name}: {len(fitted.values)} runs of {plan.base.name}"
             f" in {plan.calibration.waves} waves, {len(pred.draws)} predictive runs; "
             f"effective sample size {effective_size(fitted.weights):.0f} of "
             f"{plan.calibration.candidates} emulated sets", "",
             f"{'parameter':<50} {'prior':>18}  {'posterior mean [95 % interval]':>32}"]
    for j, p in enumerate(plan.calibration.parameters):
        mean = float(np.average(fitted.posterior[:, j], weights=fitted.weights))
        low, high = weighted_quantiles(fitted.posterior[:, j], fitted.weights, (0.025, 0.975))
        prior = f"{p.low:g}–{p.high:g}" + (" ×" if p.scale else "")
        lines.append(f"{p.path:<50} {prior:>18}  {f'{mean:.3g} [{low:.3g}, {high:.3g}]':>32}")
    lines += ["", f"{'target':<28} {'observed':>10}  {'predictive [95 % interval]':>30}  inside"
                  "  emulator: in 95 %, rms z   (held out: predicted, not fitted)"]
    for f, row in zip(plan.figures, fit_table(plan, fitted).to_pylist(), strict=True):
        band = " ".join((backtest.number(row["posterior_mean"], f.unit),
                         f"[{backtest.number(row['ci_low'], f.unit)},",
                         f"{backtest.number(row['ci_high'], f.unit)}]"))
        lines.append(f"{row['target']:<28} {backtest.number(row['observed'], f.unit):>10}  "
                     f"{band:>30}  {'yes' if row['inside'] else 'NO ':<6}"
                     f"  {row['emulator_inside_95']:>15.0%}, {row['emulator_rms_z']:.2f}"
                     f"{'   held out' if row['held_out'] else ''}")
    return "\n".join(lines)


def run(plan: Plan, out: Path, executor: executors.Executor, resume: bool,
        progress: bool) -> int:
    """Fit, write the folder, print the tables; 130 after Ctrl-C (what finished kept, and
    `resume` goes on from it)."""
    kept = _kept(plan, out) if resume else None
    problem = None if resume else results.taken(out)
    if problem is not None:
        raise ScenarioError(out, "--out", f"{problem}; choose a new folder, or add --resume to "
                            "go on with a stopped calibration")
    started = dt.datetime.now(dt.UTC)
    with executor.started() as (map_tasks, _):
        fitted = fit(plan, map_tasks, progress, kept)
    write(plan, fitted, out, started)
    if fitted.interrupted:
        what = "no posterior" if fitted.weights is None else "the posterior, some predictive runs"
        print(f"interrupted: {len(fitted.values) + _predictive_runs(fitted)} runs kept in {out} "
              f"({what}); run again with --resume to go on", file=sys.stderr)
        return 130
    print(summary_text(plan, fitted))
    print(f"results: {out}", file=sys.stderr)
    return 0


def _kept(plan: Plan, out: Path) -> Kept:
    """The runs a stopped calibration of this same file left in `out`, by (wave, place); a
    folder made by another calibration (or none) is refused."""
    manifest = out / "manifest.json"
    if not manifest.is_file():
        raise ScenarioError(out, "--resume", "no calibration to go on with here (no "
                            "manifest.json)")
    made = json.loads(manifest.read_text(encoding="utf-8"))
    if made.get("settings") != plan.calibration.model_dump(mode="json") \
            or made.get("base_config_sha256") != plan.base.sha256():
        raise ScenarioError(out, "--resume", "the folder was made by another calibration (its "
                            "settings or history run differ); choose a new folder")
    kept: Kept = {}
    for name, step, place in (("part-0", "wave", "set"), ("predictive", None, "set")):
        file = out / "runs" / f"{name}.parquet"
        if file.is_file():
            table = pq.read_table(file).to_pydict()
            sims = np.column_stack([table[f"sim:{f.name}"] for f in plan.figures])
            steps = table[step] if step else [plan.calibration.waves] * len(sims)
            kept |= {(int(w), int(i)): row for w, i, row in zip(steps, table[place], sims,
                                                                  strict=True)}
    return kept
