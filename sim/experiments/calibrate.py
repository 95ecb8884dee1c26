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
import math
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
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
from sim.config.design import Factor, Variants
from sim.config.files import resolve
from sim.experiments import backtest, executors
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
    seed: NonNegativeInt
    parameters: tuple[Factor, ...] = Field(min_length=1, strict=False)
    targets: tuple[Target, ...] = Field(min_length=1, strict=False)

    @model_validator(mode="after")
    def _something_to_fit(self) -> Calibration:
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
    """Read and check a calibration file; `budget` (total runs) replaces samples × waves.
    Every refusal is a ScenarioError naming the file and the key."""
    path = resolve(path)
    data = _read(path)
    try:
        calibration = Calibration.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(path, config.error_key(err["loc"]),
                            config.describe_error(err)) from None
    if budget is not None:
        samples = max(budget // calibration.waves, 1)
        calibration = calibration.model_copy(update={"samples": samples})
    observed_file = path.parent / calibration.observed
    observed = backtest.load_observed(observed_file)
    base = config.load(observed_file.parent / observed.runs.history)
    figures = _target_figures(path, calibration, observed)
    _check_parameters(path, calibration, base)
    return Plan(path, calibration, base, figures)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "toml", f"not valid TOML ({exc})") from None


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
    """Every parameter has a range, names a number of the history scenario, and both ends of
    its range give a valid scenario."""
    variants = Variants(base, calibration.parameters, base.run.start_date)
    for i, factor in enumerate(calibration.parameters):
        if factor.levels is not None or factor.low is None or factor.high is None:
            raise ScenarioError(path, f"parameters[{i}]", "a prior takes low and high")
        if factor.low == factor.high:
            raise ScenarioError(path, f"parameters[{i}].high", f"low and high are both "
                                f"{factor.low:g}; a prior must be a range")
    if len({f.path for f in calibration.parameters}) < len(calibration.parameters):
        raise ScenarioError(path, "parameters", "a parameter path appears twice")
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


# --- running: waves of history matching, then importance weights -------------------------------


@dataclass(frozen=True)
class Task:
    """One parameter set to simulate: small, so the pool carries it instead of a scenario."""

    variants: Variants
    values: tuple[float, ...]
    figures: tuple[backtest.Figure, ...]
    seed: int


def simulate(task: Task) -> tuple[float, ...]:
    """The targets' values in one replication of the history run with these parameters. Every
    parameter set runs replication 0 of the same seed: common random numbers, so two sets differ
    by their parameters, not by their luck."""
    cfg = task.variants.at(task.values)
    view = backtest.Rep(run_replication(cfg, task.seed, 0), cfg)
    return tuple(backtest.measure(view, f) for f in task.figures)


@dataclass
class Fitted:
    """Every parameter set run, what it gave, and the weights that make them the posterior."""

    values: np.ndarray  # draw × parameter
    wave: np.ndarray  # the wave that sampled each draw
    simulated: np.ndarray  # draw × target
    boxes: list[tuple[np.ndarray, np.ndarray, int]]  # each wave's sampling box and size
    weights: np.ndarray | None = None  # None until every wave has finished
    interrupted: bool = False


def distances(plan: Plan, simulated: np.ndarray) -> np.ndarray:
    """Each fitted target's distance from its observation in standard deviations, per draw
    (held-out targets left out; NaN counts as infinitely far)."""
    fitted = [j for j, t in enumerate(plan.calibration.targets) if not t.held_out]
    observed = np.array([plan.figures[j].observed for j in fitted])
    sd = np.array([plan.calibration.targets[j].sd for j in fitted])
    return np.nan_to_num((simulated[:, fitted] - observed) / sd, nan=np.inf)


def implausibility(plan: Plan, simulated: np.ndarray) -> np.ndarray:
    """Per draw, the largest distance of a fitted target from its observation (history
    matching's implausibility)."""
    return np.max(np.abs(distances(plan, simulated)), axis=1)


def fit(plan: Plan, workers: int, progress: bool) -> Fitted:
    """Waves of Latin hypercube samples, each in the box of the parameter sets the earlier ones
    found plausible; then importance weights (a Gaussian synthetic likelihood of the targets,
    over the waves' mixture of boxes). Ctrl-C keeps what finished, without weights."""
    cal = plan.calibration
    low = np.array([p.low for p in cal.parameters], dtype=float)
    high = np.array([p.high for p in cal.parameters], dtype=float)
    fitted = Fitted(np.empty((0, len(low))), np.empty(0, int),
                    np.empty((0, len(plan.figures))), [])
    rng = np.random.default_rng(cal.seed)
    box = (low, high)
    bar = tqdm(total=cal.samples * cal.waves, desc="parameter sets", unit="run",
               disable=not progress, dynamic_ncols=True)
    with bar:
        for wave in range(cal.waves):
            unit = qmc.LatinHypercube(d=len(low), seed=rng).random(cal.samples)
            values = box[0] + unit * (box[1] - box[0])
            fitted.boxes.append((box[0], box[1], len(values)))
            sims, done = _run_wave(plan, values, workers, bar)
            fitted.values = np.vstack([fitted.values, values[done]])
            fitted.wave = np.append(fitted.wave, np.full(np.count_nonzero(done), wave))
            fitted.simulated = np.vstack([fitted.simulated, sims[done]])
            if not done.all():  # Ctrl-C: keep what finished, no weights
                fitted.interrupted = True
                return fitted
            box = _plausible_box(plan, fitted, low, high) or box
    fitted.weights = _weights(plan, fitted, low, high)
    return fitted


def _run_wave(plan: Plan, values: np.ndarray, workers: int,
              bar: tqdm) -> tuple[np.ndarray, np.ndarray]:
    """Each parameter set's simulated targets, a row per set, and which sets finished (all of
    them unless Ctrl-C stopped the wave)."""
    variants = plan.variants
    tasks = [(i, Task(variants, tuple(map(float, row)), plan.figures, plan.calibration.seed))
             for i, row in enumerate(values)]
    out = np.full((len(tasks), len(plan.figures)), np.nan)
    done = np.zeros(len(tasks), dtype=bool)
    try:
        for (i, _), result in executors.pool(_simulate_row, tasks, workers):
            out[i], done[i] = result, True
            bar.update()
    except KeyboardInterrupt:
        pass  # the pool finished what was running; the caller keeps it
    return out, done


def _simulate_row(item: tuple[int, Task]) -> tuple[float, ...]:
    return simulate(item[1])


def _plausible_box(plan: Plan, fitted: Fitted, low: np.ndarray,
                   high: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The box around every parameter set not ruled out so far, widened by a tenth of the
    prior's range each side (so the next wave can find the edge), within the prior; None when
    fewer than two are plausible."""
    keep = implausibility(plan, fitted.simulated) < plan.calibration.cutoff
    if np.count_nonzero(keep) < 2:
        return None
    margin = 0.1 * (high - low)
    kept = fitted.values[keep]
    return np.maximum(kept.min(axis=0) - margin, low), np.minimum(kept.max(axis=0) + margin, high)


def _weights(plan: Plan, fitted: Fitted, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Importance weights: the targets' Gaussian likelihood times the uniform prior, over the
    density that sampled each draw (the waves' boxes as a mixture), normalised to sum to 1."""
    log_lik = -0.5 * np.sum(distances(plan, fitted.simulated) ** 2, axis=1)
    total = sum(n for _, _, n in fitted.boxes)
    proposal = np.zeros(len(fitted.values))
    for lo, hi, n in fitted.boxes:
        inside = np.all((fitted.values >= lo) & (fitted.values <= hi), axis=1)
        proposal += inside * (n / total) / np.prod(hi - lo)
    log_w = log_lik - np.log(proposal) - np.log(np.prod(high - low))
    if not np.isfinite(log_w).any():
        return np.zeros(len(log_w))
    w = np.exp(log_w - np.max(log_w[np.isfinite(log_w)]))
    return w / w.sum()


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
    """targets.parquet, runs/part-0.parquet and manifest.json; with weights also
    posterior.parquet and fit.parquet. Every file is written whole or not at all."""
    cal, meta = plan.calibration, results.run_metadata(plan.calibration.seed)
    targets = pa.table({"target": [f.name for f in plan.figures],
                        "observed": [f.observed for f in plan.figures],
                        "uncertainty": [t.sd for t in cal.targets],
                        "unit": [f.unit for f in plan.figures],
                        "source": [f.source for f in plan.figures],
                        "measure": [f.measure for f in plan.figures],
                        "year": pa.array([f.year for f in plan.figures], pa.int64())})
    results.write_parquet(out / "targets.parquet", targets, meta)
    runs = {"draw": np.arange(len(fitted.values)), "wave": fitted.wave,
            "implausibility": implausibility(plan, fitted.simulated)}
    runs |= {path: fitted.values[:, j] for j, path in enumerate(plan.paths)}
    runs |= {f"sim:{f.name}": fitted.simulated[:, j] for j, f in enumerate(plan.figures)}
    results.write_parquet(out / "runs" / "part-0.parquet", pa.table(runs), meta)
    if fitted.weights is not None:
        posterior = {"draw": np.arange(len(fitted.values))}
        posterior |= {path: fitted.values[:, j] for j, path in enumerate(plan.paths)}
        posterior["weight"] = fitted.weights
        results.write_parquet(out / "posterior.parquet", pa.table(posterior), meta)
        results.write_parquet(out / "fit.parquet", fit_table(plan, fitted), meta)
    results.write_json(out / "manifest.json", {
        "calibration": str(plan.file), "name": cal.name, "settings": cal.model_dump(mode="json"),
        "base": plan.base.name, "base_config_sha256": plan.base.sha256(), "seed": cal.seed,
        "runs": len(fitted.values), "effective_sample_size":
            None if fitted.weights is None else effective_size(fitted.weights),
        "complete": fitted.weights is not None, "sim_version": __version__,
        "git_commit": results.git_commit(), "started": started.isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat()})


def fit_table(plan: Plan, fitted: Fitted) -> pa.Table:
    """Per target: observed, the posterior mean of the simulated value and its 95 % interval
    (weighted over draws: parameter and stochastic uncertainty together), and whether the
    observation lies inside it."""
    rows = []
    for j, f in enumerate(plan.figures):
        sims = fitted.simulated[:, j]
        keep = np.isfinite(sims)
        mean = float(np.average(sims[keep], weights=fitted.weights[keep])) \
            if fitted.weights[keep].sum() > 0 else math.nan
        low, high = weighted_quantiles(sims, fitted.weights, (0.025, 0.975))
        rows.append((f.name, f.observed, mean, low, high, bool(low <= f.observed <= high),
                     plan.calibration.targets[j].held_out))
    names = ("target", "observed", "posterior_mean", "ci_low", "ci_high", "inside", "held_out")
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})


def summary_text(plan: Plan, fitted: Fitted) -> str:
    """The parameters' prior and posterior, and each target's fit, as printed tables."""
    lines = [f"calibration {plan.calibration.name}: {len(fitted.values)} runs of {plan.base.name}"
             f" in {len(fitted.boxes)} waves; effective sample size "
             f"{effective_size(fitted.weights):.1f}", "",
             f"{'parameter':<50} {'prior':>18}  {'posterior mean [95 % interval]':>32}"]
    for j, p in enumerate(plan.calibration.parameters):
        mean = float(np.average(fitted.values[:, j], weights=fitted.weights))
        low, high = weighted_quantiles(fitted.values[:, j], fitted.weights, (0.025, 0.975))
        prior = f"{p.low:g}–{p.high:g}" + (" ×" if p.scale else "")
        lines.append(f"{p.path:<50} {prior:>18}  {f'{mean:.3g} [{low:.3g}, {high:.3g}]':>32}")
    lines += ["", f"{'target':<28} {'observed':>10}  {'posterior [95 % interval]':>30}  inside"
                  "  (held out: predicted, not fitted)"]
    for f, row in zip(plan.figures, fit_table(plan, fitted).to_pylist(), strict=True):
        band = " ".join((backtest.number(row["posterior_mean"], f.unit),
                         f"[{backtest.number(row['ci_low'], f.unit)},",
                         f"{backtest.number(row['ci_high'], f.unit)}]"))
        lines.append(f"{row['target']:<28} {backtest.number(row['observed'], f.unit):>10}  "
                     f"{band:>30}  {'yes' if row['inside'] else 'NO'}"
                     f"{'  held out' if row['held_out'] else ''}")
    return "\n".join(lines)


def run(plan: Plan, out: Path, workers: int, progress: bool) -> int:
    """Fit, write the folder, print the tables; 130 after Ctrl-C (what finished kept)."""
    problem = results.taken(out)
    if problem is not None:
        raise ScenarioError(out, "--out", f"{problem}; choose a new folder")
    started = dt.datetime.now(dt.UTC)
    fitted = fit(plan, workers, progress)
    write(plan, fitted, out, started)
    if fitted.interrupted:
        print(f"interrupted: {len(fitted.values)} runs kept in {out}, no posterior",
              file=sys.stderr)
        return 130
    print(summary_text(plan, fitted))
    print(f"results: {out}", file=sys.stderr)
    return 0
