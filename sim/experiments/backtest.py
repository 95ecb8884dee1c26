"""The back-test: run the calibration scenarios and set what they simulate beside what was
observed in Copenhagen (VIVE counts, shelter stays, the share ready to move on and how long they
waited, people homeless in a year, the extra housed that the budget 2024 staff promised).

The observed figures, their tolerances and sources live in a TOML file
(`scenarios/backtest/observed.toml`); a figure passes when the simulated mean over replications
lies inside its tolerance band. A figure marked `known_miss` is reported but does not fail.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim import config
from sim.analysis import census, metrics
from sim.analysis.records import Events
from sim.config import DAYS_PER_MONTH, Name, Scenario, ScenarioError
from sim.config.files import read_toml, validated
from sim.experiments.posterior import Posterior
from sim.experiments.runner import run_all
from sim.output import results
from sim.output.results import RECORD_TABLES

Measure = Literal["count", "count_trend", "shelter_stay", "stay_rise", "ready_share",
                  "waited_over", "homeless_in_year", "shelter_first_users", "extra_housed"]
# Which parameters each measure needs.
NEEDS = {"count": ("year",), "count_trend": ("years",), "shelter_stay": ("years",),
         "stay_rise": ("years",), "ready_share": ("year",), "waited_over": ("year", "months"),
         "homeless_in_year": ("year",), "shelter_first_users": ("years",),
         "extra_housed": ("year",)}
PAIRED = frozenset({"extra_housed"})  # measured as reform minus no reform, rep by rep


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Figure(Strict):
    """One observed figure: what it is, its value and tolerance band, and where it comes from."""

    name: Name
    what: str
    measure: Measure
    observed: float
    low: float
    high: float
    unit: str
    source: str
    tolerance: str = Field(description="why the band is as wide as it is")
    year: int | None = None
    years: tuple[int, ...] | None = None
    months: float | None = None
    known_miss: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Figure:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not be above high ({self.high})")
        missing = [key for key in NEEDS[self.measure] if getattr(self, key) is None]
        if missing:
            raise ValueError(f"measure {self.measure!r} needs {', '.join(missing)}")
        if self.years is not None and len(self.years) < 2:
            raise ValueError("years needs at least two years")
        return self

    def dates(self) -> tuple[dt.date, dt.date]:
        """First and last calendar day the figure looks at."""
        if self.measure == "count":
            return census.count_day(self.year), census.count_day(self.year)
        if self.measure == "count_trend":
            return census.count_day(self.years[0]), census.count_day(self.years[-1])
        first, last = (self.years[0], self.years[-1]) if self.years else (self.year, self.year)
        return dt.date(first, 1, 1), dt.date(last, 12, 31)


class Runs(Strict):
    """The calibration scenarios, relative to the observed file."""

    history: str
    without_reform: str
    with_reform: str


class Observed(Strict):
    runs: Runs
    figure: tuple[Figure, ...] = Field(min_length=1)


def load_observed(path: Path) -> Observed:
    """Read and validate the observed file; bad input raises ScenarioError (exit 2)."""
    return validated(Observed, read_toml(path), path)


def load_runs(path: Path, observed: Observed) -> dict[str, Scenario]:
    """The scenarios the figures need, loaded, and every figure's dates checked against its run."""
    needed = {"history"} if any(f.measure not in PAIRED for f in observed.figure) else set()
    if any(f.measure in PAIRED for f in observed.figure):
        needed |= {"without_reform", "with_reform"}
    runs = {key: config.load(path.parent / getattr(observed.runs, key)) for key in sorted(needed)}
    for i, figure in enumerate(observed.figure):
        cfg = runs["with_reform" if figure.measure in PAIRED else "history"]
        first, last = figure.dates()
        if first < cfg.run.start_date or last > cfg.run.end_date:
            raise ScenarioError(path, f"figure[{i}].{figure.name}",
                                f"looks at {first}–{last}, outside the run of {cfg.name} "
                                f"({cfg.run.start_date}–{cfg.run.end_date})")
    return runs


# --- measures: one value per replication, from its tables ---------------------------------


class Rep:
    """One replication's tables, with lazily built views."""

    def __init__(self, tables: dict, cfg: Scenario) -> None:
        self.cfg = cfg
        self.ev = Events(tables["events"])
        self.snapshots = tables["snapshots"]
        self._censuses: dict[int, census.Census] = {}

    def day(self, date: dt.date) -> float:
        return census.day_of(self.cfg.run.start_date, date)

    def year_span(self, first: int, last: int) -> tuple[float, float]:
        return self.day(dt.date(first, 1, 1)), self.day(dt.date(last + 1, 1, 1))

    def count(self, year: int) -> float:
        return census.snapshot_value(self.snapshots, "homeless", self.day(census.count_day(year)))

    def censuses(self, year: int) -> census.Census:
        if year not in self._censuses:
            days = [self.day(d) for d in census.month_starts(year)]
            self._censuses[year] = census.shelter_censuses(self.ev, days)
        return self._censuses[year]

    def stay(self, first: int, last: int) -> float:
        return census.mean_stay(self.ev, *self.year_span(first, last), self.cfg.run.horizon_days)

    def housed(self, year: int) -> float:
        return float(census.housed_between(self.ev, *self.year_span(year, year)))


def _trend(rep: Rep, f: Figure) -> float:
    """Least-squares change of the count per year over the count years."""
    return float(np.polyfit(f.years, [rep.count(y) for y in f.years], 1)[0])


def _homeless_in_year(rep: Rep, f: Figure) -> float:
    """Homeless at some time in the year (at its start, or becoming so during it), per citizen
    homeless on the count day."""
    lo, hi = rep.year_span(f.year, f.year)
    ever = census.snapshot_value(rep.snapshots, "homeless", lo) + census.became_homeless(rep.ev,
                                                                                          lo, hi)
    return ever / rep.count(f.year)


def _shelter_first_users(rep: Rep, f: Figure) -> float:
    """Citizens admitted to a shelter for the first time, a year on average over the years."""
    first, last = f.years[0], f.years[-1]
    return census.first_shelter_admissions(rep.ev, *rep.year_span(first, last)) / (
        last - first + 1)


MEASURES: dict[str, Callable[[Rep, Figure], float]] = {
    "count": lambda rep, f: rep.count(f.year),
    "count_trend": _trend,
    "shelter_stay": lambda rep, f: rep.stay(f.years[0], f.years[-1]),
    "stay_rise": lambda rep, f: rep.stay(f.years[-1], f.years[-1]) - rep.stay(f.years[0],
                                                                                 f.years[0]),
    "ready_share": lambda rep, f: census.ready_share(rep.censuses(f.year)),
    "waited_over": lambda rep, f: census.waited_over_share(rep.censuses(f.year),
                                                           f.months * DAYS_PER_MONTH),
    "homeless_in_year": _homeless_in_year,
    "shelter_first_users": _shelter_first_users,
}


def measure(rep: Rep, f: Figure) -> float:
    """A history figure's value in one replication."""
    return MEASURES[f.measure](rep, f)


# --- running and judging -----------------------------------------------------------------


def simulate(observed: Observed, runs: dict[str, Scenario], reps: int, seed: int,
             workers: int, progress: bool,
             posterior: Posterior | None = None) -> dict[str, list[float]]:
    """Per-replication simulated values of every figure; the reform pair shares its seed and
    replication numbers (common random numbers), so the extra housed are paired; with a
    posterior, replication k of every run uses its draw k."""
    values: dict[str, list[float]] = {f.name: [] for f in observed.figure}
    with tempfile.TemporaryDirectory(prefix="backtest-") as tmp:
        folder = Path(tmp)
        if run_all(list(runs.values()), reps, seed, folder, workers, progress,
                   posterior=posterior).interrupted:
            raise KeyboardInterrupt  # nothing to judge from part of the replications
        for rep in range(reps):
            views = {key: Rep({name: results.read_part(folder, name, scenario=cfg.name,
                                                         rep=rep) for name in RECORD_TABLES},
                              cfg)
                     for key, cfg in runs.items()}
            for f in observed.figure:
                if f.measure in PAIRED:
                    value = views["with_reform"].housed(f.year) - \
                        views["without_reform"].housed(f.year)
                else:
                    value = measure(views["history"], f)
                values[f.name].append(value)
    return values


def verdict(f: Figure, mean: float) -> str:
    """ok inside the band; known miss where the file says the model misses; else MISS."""
    if math.isfinite(mean) and f.low <= mean <= f.high:
        return "ok"
    return "known miss" if f.known_miss else "MISS"


def number(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "–"
    if unit in ("share", "ratio"):
        return f"{value:.2f}"
    return f"{value:,.0f}" if abs(value) >= 100 or unit == "citizens" else f"{value:,.1f}"


def table(observed: Observed, values: dict[str, list[float]]) -> tuple[str, bool]:
    """The printed comparison, and whether every figure not marked known miss passed."""
    head = ("figure", "unit", "observed", "simulated [95 % interval]", "tolerance", "result")
    rows, notes, passed = [head], [], True
    for f in observed.figure:
        mean, low, high, _ = metrics.t_interval(values[f.name])
        result = verdict(f, mean)
        passed &= result != "MISS"
        rows.append((f.name, f.unit, number(f.observed, f.unit),
                     f"{number(mean, f.unit)} [{number(low, f.unit)}, {number(high, f.unit)}]",
                     f"{number(f.low, f.unit)} – {number(f.high, f.unit)}", result))
        if result == "known miss":
            notes.append(f"known miss {f.name}: {f.known_miss}")
        elif result == "MISS":
            notes.append(f"MISS {f.name}: {f.what}: simulated {number(mean, f.unit)} is outside "
                         f"{number(f.low, f.unit)} – {number(f.high, f.unit)} ({f.tolerance})")
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i in (0, 1, 5) else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in rows]
    return "\n".join([*lines, "", *notes]), passed


def run_backtest(path: Path, reps: int, seed: int, workers: int, progress: bool,
                 posterior: Posterior | None = None) -> int:
    """Load, run, print the table on stdout; 0 when every figure not marked known miss passed,
    1 otherwise."""
    observed = load_observed(path)
    runs = load_runs(path, observed)
    values = simulate(observed, runs, reps, seed, workers, progress, posterior)
    text, passed = table(observed, values)
    drawn = "" if posterior is None else \
        f", each replication a draw of the posterior in {posterior.folder}"
    print(f"back-test: {reps} replications, seed {seed}, runs: "
          f"{', '.join(cfg.name for cfg in runs.values())}{drawn}")
    print(text)
    results = [verdict(f, metrics.t_interval(values[f.name])[0]) for f in observed.figure]
    print(f"back-test {'passed' if passed else 'failed'}: {len(results)} figures, "
          f"{results.count('ok')} within tolerance, {results.count('known miss')} known misses, "
          f"{results.count('MISS')} outside tolerance")
    return 0 if passed else 1
