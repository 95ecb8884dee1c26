"""Sweep designs: a base scenario, factors named by dotted parameter paths, and a way to choose
points (a full grid, a Latin hypercube, or a Saltelli scheme on a Sobol' sequence for Sobol'
indices). Points and seeds follow from the design file alone, so a design reproduces its sweep
anywhere; every point is validated as a scenario before anything runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import math
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, NonNegativeInt, PositiveInt, ValidationError, model_validator

from sim import config
from sim.config import Frozen, Name, Scenario, ScenarioError
from sim.config.files import locate, read_toml, resolve, validated

DEFAULT_METRICS = ("housed_per_month", "homeless_to_home_days_median", "homeless_at_end",
                   "wait_assessment_days_mean", "wait_allocation_days_mean", "retention_12m",
                   "returns_to_homelessness", "cost_total_dkk")
MAX_POINTS = 100_000
MAX_PAIRS = 1_000_000  # points × replications


class Factor(Frozen):
    """One varied parameter: levels (grid) or a range low–high (lhs, sobol)."""

    path: str
    levels: tuple[float, ...] | None = Field(default=None, min_length=1, strict=False)
    low: float | None = None
    high: float | None = None
    scale: bool = False  # the values multiply the base scenario's value instead of replacing it
    # a share that changes by the opposite amount, so a set of shares (the types' inflow_share)
    # still sums to one
    balance: str | None = None

    @model_validator(mode="after")
    def _range(self) -> Factor:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low: {self.low:g} is above high {self.high:g}; "
                             "low must be at most high")
        return self


class Design(Frozen):
    """A sweep: what varies, how points are chosen, and how each point is replicated."""

    name: Name
    description: str = ""
    base: str  # scenario file, relative to the design file
    method: Literal["grid", "lhs", "sobol"]
    samples: PositiveInt | None = None  # lhs: points; sobol: base samples N (a power of two)
    reps: PositiveInt
    seed: NonNegativeInt
    years: float | None = Field(default=None, gt=0, le=100)  # after the warm-up
    start: dt.date | None = Field(default=None, alias="from")  # dated steps vary from here
    metrics: tuple[str, ...] = Field(default=DEFAULT_METRICS, min_length=1, strict=False)
    factors: tuple[Factor, ...] = Field(min_length=1, strict=False)

    @model_validator(mode="after")
    def _method_fits(self) -> Design:
        check_factors(self.method, "factors", self.factors)
        if self.method == "grid" and self.samples is not None:
            raise ValueError("samples: a grid has no samples; its points are the levels' product")
        if self.method != "grid" and self.samples is None:
            raise ValueError(f"samples: {self.method} needs the number of samples")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: {self.samples} is not a power of two; sobol needs 2^k "
                             "base samples (e.g. 32, 64, 128) to keep the sequence balanced")
        if self.method == "sobol" and len(self.factors) < 2:
            raise ValueError("factors: sobol indices need at least two factors")
        return self


def check_factors(method: str, where: str, factors: tuple[Factor, ...],
                  noun: str | None = None) -> None:
    """Each factor has what its method needs (levels for a grid, a range otherwise) and varies,
    and no path appears twice; raises ValueError naming the key."""
    noun = noun or f"{method} factor"
    for i, factor in enumerate(factors):
        key = f"{where}[{i}]"
        if method == "grid":
            if factor.levels is None or factor.low is not None or factor.high is not None:
                raise ValueError(f"{key}: a grid factor takes levels = [...], not low/high")
        elif factor.levels is not None or factor.low is None or factor.high is None:
            raise ValueError(f"{key}: a {noun} takes low and high, not levels")
        elif factor.low == factor.high:
            raise ValueError(f"{key}.high: low and high are both {factor.low:g}; "
                             f"a {noun} must vary")
    paths = [f.path for f in factors]
    if len(set(paths)) < len(paths):
        raise ValueError(f"{where}: a parameter path appears twice")


@dataclass(frozen=True)
class Sweep:
    """A loaded design: its base scenario, every point's values and config hash."""

    design: Design
    file: Path
    base: Scenario
    values: tuple[tuple[float, ...], ...]  # one row per point, one value per factor
    hashes: tuple[str, ...] = ()  # each point's config sha256, found when it was checked

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.design.factors)

    @property
    def variants(self) -> Variants:
        return Variants(self.base, self.design.factors, self.design.start)

    def sha256(self) -> str:
        """Hash of the design and its resolved base: two folders with the same hash hold the
        same sweep."""
        text = json.dumps({"design": self.design.model_dump(mode="json", by_alias=True),
                           "base": self.base.sha256()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def load(path: str | Path) -> Sweep:
    """Read and check a design file, its base scenario and every point it makes."""
    path = Path(path)
    data = read_toml(path)
    if "factors" not in data:
        raise ScenarioError(path, "factors", "not a sweep design: it has no [[factors]] "
                            "(scenario files go to run or compare)")
    design = validated(Design, data, path, _describe)
    try:  # a path relative to the design file, or a shipped scenario's name
        base_file = resolve(design.base, relative_to=path.parent)
    except ScenarioError:
        raise ScenarioError(path, "base", f"no such scenario file: {design.base} (a path "
                            "relative to the design file)") from None
    base = config.load(base_file)
    if design.years is not None:
        base = base.with_years(design.years)
    start = design.start or base.run.start_date + dt.timedelta(days=math.ceil(base.run.warmup_days))
    design = design.model_copy(update={"start": start})
    sweep = Sweep(design, path, base, points(design))
    return dataclasses.replace(sweep, hashes=_check_points(sweep))


def _describe(err: dict) -> str:
    """As for scenarios, with the words a design file needs."""
    if err["type"] == "extra_forbidden":
        return "unknown key (a design has name, description, base, method, samples, reps, seed, " \
               "years, from, metrics and [[factors]] with path, levels, low, high, scale, " \
               "balance)"
    if err["type"] == "too_short":
        return "needs at least one entry ([[factors]] tables with a path each)"
    return config.describe_error(err)


def is_design(path: Path) -> bool:
    """Whether a TOML file is a sweep design (it has factors) rather than a scenario."""
    try:
        return "factors" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # the scenario loader reports what is wrong with the file


def points(design: Design) -> tuple[tuple[float, ...], ...]:
    """Every point's factor values, in a fixed order that depends on the design alone."""
    factors = design.factors
    if design.method == "grid":
        rows = list(itertools.product(*(f.levels for f in factors)))
    else:
        unit = _unit_sample(design)
        low = np.array([f.low for f in factors])
        high = np.array([f.high for f in factors])
        rows = [tuple(map(float, row)) for row in unit * (high - low) + low] \
            if len(unit) else []
    return tuple(tuple(float(v) for v in row) for row in rows)


def _unit_sample(design: Design) -> np.ndarray:
    """Points in the unit cube. For sobol, Saltelli's scheme in SALib's order: for each of the
    N rows of a 2d-dimensional Sobol' sequence, A, then A with column i from B for each i, then B
    (N × (d + 2) points, what first-order and total indices need)."""
    # imported here, not at the top: a sweep's workers import this module too, and would
    # wait 0.9 s for scipy.stats, which only the parent (sampling the design) uses
    from scipy.stats import qmc

    d = len(design.factors)
    rng = np.random.default_rng(np.random.SeedSequence(
        design.seed, spawn_key=(zlib.crc32(f"design-{design.method}".encode()),)))
    if design.method == "lhs":
        return qmc.LatinHypercube(d=d, rng=rng).random(design.samples)
    base = qmc.Sobol(d=2 * d, rng=rng).random(design.samples)
    rows = []
    for row in base:
        a, b = row[:d], row[d:]
        rows.append(a)
        for i in range(d):
            mixed = a.copy()
            mixed[i] = b[i]
            rows.append(mixed)
        rows.append(b)
    return np.array(rows)


@dataclass(frozen=True)
class Variants:
    """What a point's scenario is made from: the base, the factors and the date from which
    dated steps vary. Small, so tasks carry it instead of every point's scenario."""

    base: Scenario
    factors: tuple[Factor, ...]
    start: dt.date

    def at(self, values: tuple[float, ...]) -> Scenario:
        """The base with one point's values; raises ValueError or ValidationError."""
        data = self.base.model_dump(by_alias=True)
        for factor, value in zip(self.factors, values, strict=True):
            if factor.balance is None:
                config.set_parameter(data, factor.path, value, self.start, factor.scale)
            else:
                _set_balanced(data, factor, value)
        return Scenario.model_validate(data)


def _set_balanced(data: dict, factor: Factor, value: float) -> None:
    """Set a share and move its balancing share by the opposite amount; both must be plain
    numbers (a share is not dated)."""
    table, key = locate(data, factor.path)
    other, other_key = locate(data, factor.balance)
    for path, number in ((factor.path, table[key]), (factor.balance, other[other_key])):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"{path!r} is not a plain number, so it cannot balance a share")
    new = table[key] * value if factor.scale else value
    other[other_key] = float(other[other_key] - (new - table[key]))
    table[key] = float(new)


def _check_points(sweep: Sweep) -> tuple[str, ...]:
    """Refuse a design whose paths are not parameters or whose points are not valid scenarios,
    naming the factor and point; return each point's config sha256."""
    if len(sweep.values) * sweep.design.reps > MAX_PAIRS or len(sweep.values) > MAX_POINTS:
        raise ScenarioError(sweep.file, "factors", f"{len(sweep.values)} points × "
                            f"{sweep.design.reps} reps is more than this tool runs in one design "
                            f"(at most {MAX_POINTS} points and {MAX_PAIRS} replications); "
                            "split it")
    data = sweep.base.model_dump(by_alias=True)
    for i, factor in enumerate(sweep.design.factors):
        for key in ("path", "balance"):
            try:
                if getattr(factor, key) is not None:
                    config.set_parameter(data, getattr(factor, key), 1.0, sweep.design.start,
                                         scale=True)
            except ValueError as exc:
                raise ScenarioError(sweep.file, f"factors[{i}].{key}", str(exc)) from None
    hashes = []
    for point, values in enumerate(sweep.values):
        try:
            hashes.append(sweep.variants.at(values).sha256())
        except ValidationError as exc:
            err = exc.errors()[0]
            shown = ", ".join(f"{p} = {v:g}" for p, v in zip(sweep.paths, values, strict=True))
            raise ScenarioError(sweep.file, "factors", f"point {point} ({shown}) is not a valid "
                                f"scenario: {config.error_key(err['loc'])}: "
                                f"{config.describe_error(err)}") from None
        except ValueError as exc:  # a balancing share that is not a plain number
            raise ScenarioError(sweep.file, "factors", str(exc)) from None
    return tuple(hashes)
