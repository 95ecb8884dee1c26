"""Budget files: what a budget can buy. A base scenario, the money a year, the objective (a
summary metric and its direction) with optional constraints, and the levers: a parameter path,
its unit, its price per unit a year (by default the cost the model already charges for it) and
how many units may be bought. `housing-sim optimise` searches the portfolios and chooses the
best with a ranking-and-selection guarantee (docs/budget.md).

Everything is checked before anything runs: a path that is not a number or dated steps of the
base, a negative price, a lever without a price, a budget below the cheapest unit, a city
portfolio over budget.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from sim import config
from sim.config.files import locate, read_toml, resolve, validated
from sim.config.levers import Kind, add_step, kind_of
from sim.config.schema import Frozen, Name, Scenario, ScenarioError

PRICED_DAYS_A_YEAR = 365.0  # a day rate × 365 is a place's price a year, as DOMAIN quotes them
# The cost the model charges for a unit of a lever, as (cost path, multiplier to a year)
MODEL_PRICES = {
    "assessment.caseworkers": ("costs.salary_per_year_dkk.caseworkers", 1.0),
    "move_in.housing_advisors": ("costs.salary_per_year_dkk.housing_advisors", 1.0),
    "support.support_workers": ("costs.salary_per_year_dkk.support_workers", 1.0),
    "support.department_heads": ("costs.salary_per_year_dkk.department_heads", 1.0),
    "botilbud.places": ("costs.botilbud_per_day_dkk", PRICED_DAYS_A_YEAR),
    "skaev_bolig.places": ("costs.skaev_bolig_per_day_dkk", PRICED_DAYS_A_YEAR),
    "shelter.beds": ("costs.shelter_per_day_dkk", PRICED_DAYS_A_YEAR),
}


class BudgetLever(Frozen):
    """One thing the budget can buy: whole units added to a parameter from the budget's date."""

    name: Name
    path: str
    unit: str
    price_dkk_per_year: PositiveFloat | None = None  # None: the model's own cost of a unit
    max_units: PositiveInt
    min_units: NonNegativeInt = 0


class Objective(Frozen):
    metric: str
    direction: Literal["maximise", "minimise"]


class Constraint(Frozen):
    """A metric the chosen portfolio may not make worse than the base (its direction says
    which way is worse)."""

    metric: str
    direction: Literal["maximise", "minimise"]


class Selection(Frozen):
    """The ranking-and-selection settings: KN++ on common random numbers."""

    alpha: float = Field(0.05, gt=0.0, lt=0.5)  # 1 - the probability of correct selection
    delta: PositiveFloat  # the indifference zone, in the objective's unit
    first_stage: int = Field(10, ge=2)
    max_replications: PositiveInt = 60
    finalists: int = Field(6, ge=2)


class Search(Frozen):
    """How the portfolios are searched before selection: a space-filling start, then rounds
    of a Gaussian-process surrogate's upper confidence bound."""

    replications: PositiveInt = 4  # each searched portfolio's replications
    start: PositiveInt = 16  # portfolios of the space-filling start
    rounds: NonNegativeInt = 3
    batch: PositiveInt = 6  # portfolios a round
    front_levels: NonNegativeInt = 6  # budget levels below the budget on the cost–outcome front


class BudgetFile(Frozen):
    name: Name
    description: str = ""
    base: str  # a scenario file relative to this file, or a shipped scenario's name
    start: dt.date | None = Field(default=None, alias="from")  # default: end of the warm-up
    budget_dkk_per_year: PositiveFloat
    committed_dkk_per_year: NonNegativeFloat = 0.0  # spent on what the levers do not buy
    seed: NonNegativeInt
    objective: Objective
    constraints: tuple[Constraint, ...] = Field(default=(), strict=False)
    levers: tuple[BudgetLever, ...] = Field(min_length=1, strict=False)
    city: dict[Name, NonNegativeInt] | None = None  # the city's own choice, units per lever
    marginal_dkk: PositiveFloat = 1_000_000.0  # "what the next million buys"
    marginal_replications: PositiveInt = 20
    selection: Selection
    search: Search = Search()

    @model_validator(mode="after")
    def _consistent(self) -> BudgetFile:
        names = [lever.name for lever in self.levers]
        for i, lever in enumerate(self.levers):
            if lever.name in names[:i]:
                raise ValueError(f"levers[{i}].name: {lever.name!r} names another lever too")
            if lever.min_units > lever.max_units:
                raise ValueError(f"levers[{i}].min_units: {lever.min_units} is above max_units "
                                 f"{lever.max_units}")
        if self.committed_dkk_per_year >= self.budget_dkk_per_year:
            raise ValueError("committed_dkk_per_year: it leaves nothing of the budget to spend")
        for name in self.city or {}:
            if name not in names:
                raise ValueError(f"city.{name}: not a lever (the levers are {', '.join(names)})")
        return self


@dataclass(frozen=True)
class Budget:
    """A checked budget file: the base, the date, each lever's kind and price a year."""

    file: Path
    spec: BudgetFile
    base: Scenario
    start: dt.date
    kinds: tuple[Kind, ...]
    prices: tuple[float, ...]

    @property
    def money(self) -> float:
        """What the levers may spend a year: the budget less what is committed elsewhere."""
        return self.spec.budget_dkk_per_year - self.spec.committed_dkk_per_year

    @property
    def city(self) -> tuple[int, ...] | None:
        chosen = self.spec.city
        return None if chosen is None else tuple(chosen.get(lever.name, 0)
                                                 for lever in self.spec.levers)

    def cost(self, units) -> float:
        """A portfolio's cost a year."""
        return float(sum(n * price for n, price in zip(units, self.prices, strict=True)))

    def scenario(self, units: tuple[int, ...], name: str) -> Scenario:
        """The base with a portfolio's units added from the budget's date."""
        data = self.base.model_dump(by_alias=True)
        data["name"] = name
        for lever, kind, n in zip(self.spec.levers, self.kinds, units, strict=True):
            if n:
                add_step(data, lever.path, kind, float(n), self.start)
        return Scenario.model_validate(data)


def load(path: str | Path) -> Budget:
    """Read and check a budget file; every refusal is a ScenarioError naming the file and key."""
    path = resolve(path)
    spec = validated(BudgetFile, read_toml(path), path)
    try:
        base = config.load(resolve(spec.base, relative_to=path.parent))
    except ScenarioError as exc:
        raise ScenarioError(path, "base", f"no usable base scenario ({exc})") from None
    start = spec.start or base.run.start_date + dt.timedelta(days=math.ceil(base.run.warmup_days))
    data = base.model_dump(by_alias=True)
    kinds = tuple(_kind(path, i, lever, data) for i, lever in enumerate(spec.levers))
    prices = tuple(_price(path, i, lever, data) for i, lever in enumerate(spec.levers))
    budget = Budget(path, spec, base, start, kinds, prices)
    _check_money(budget)
    return budget


def _kind(file: Path, i: int, lever: BudgetLever, data: dict) -> Kind:
    try:
        kind = kind_of(data, lever.path)
    except ValueError as exc:
        raise ScenarioError(file, f"levers[{i}].path", str(exc)) from None
    if kind == "ids":
        raise ScenarioError(file, f"levers[{i}].path", f"{lever.path} is a list of department "
                            "ids; a budget buys units of a number or of dated steps")
    return kind


def _price(file: Path, i: int, lever: BudgetLever, data: dict) -> float:
    """The lever's price a year: its own, or the model's cost of a unit."""
    if lever.price_dkk_per_year is not None:
        return lever.price_dkk_per_year
    if lever.path not in MODEL_PRICES:
        raise ScenarioError(file, f"levers[{i}].price_dkk_per_year", f"the model charges no "
                            f"cost for {lever.path}; give the price of a {lever.unit} a year")
    cost_path, per_year = MODEL_PRICES[lever.path]
    table, key = locate(data, cost_path)
    return float(table[key]) * per_year


def _check_money(budget: Budget) -> None:
    """The budget buys at least one unit, and the city's choice fits in it and in the bounds."""
    cheapest = min(budget.prices)
    if budget.money < cheapest:
        raise ScenarioError(budget.file, "budget_dkk_per_year", f"{budget.money:,.0f} DKK a "
                            f"year to spend is below the cheapest unit ({cheapest:,.0f} DKK)")
    city = budget.city
    if city is None:
        return
    for lever, n in zip(budget.spec.levers, city, strict=True):
        if not lever.min_units <= n <= lever.max_units:
            raise ScenarioError(budget.file, f"city.{lever.name}", f"{n} is outside the "
                                f"lever's {lever.min_units}-{lever.max_units} units")
    if budget.cost(city) > budget.money * (1 + 1e-9):
        raise ScenarioError(budget.file, "city", f"costs {budget.cost(city):,.0f} DKK a year, "
                            f"more than the {budget.money:,.0f} to spend")
