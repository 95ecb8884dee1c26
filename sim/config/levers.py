"""Lever files: a base scenario, the date from which the steps apply, and one stated step per
lever (a parameter path, how much is added, its unit, and the mechanism metrics that explain
its effect). `housing-sim levers` runs one variant per lever beside the base and prints the
lever table (docs/sweeps.md#the-lever-table).

A step is added to what the base has: to a number (the quota share) for the whole run, to a
parameter's dated steps from the date on (staff, beds, subsidy dwellings), or, for a list of
department ids (the shielded departments), its ids are added to the list. Everything here is
checked before anything runs; the metrics are checked against the model in
`sim.experiments.levers`.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim import config
from sim.config.files import is_steps, locate, read_toml, resolve, validated
from sim.config.schema import Frozen, Name, Scenario, ScenarioError
from sim.config.steps import add_from

OUTCOMES = ("housed_total", "homeless_mean", "homeless_to_home_days_median")
Kind = Literal["number", "steps", "ids"]
KIND_WORDS = {"number": "a number", "steps": "a list of dated steps",
              "ids": "a list of department ids"}


def _metric_names(value):
    """One metric name or a list of them, as a tuple."""
    return (value,) if isinstance(value, str) else value


class Lever(Frozen):
    """One lever: a parameter, the step added to it, the step's unit, and the metrics that say
    how it works."""

    name: Name  # the variant is named lever_<name>
    path: str  # a dotted parameter path, as design factors and `set_parameter` take it
    step: float | tuple[int, ...]  # added to a number or to dated steps; ids added to a list
    unit: str
    mechanism: tuple[str, ...] = Field(min_length=1, strict=False)

    @field_validator("step", mode="before")
    @classmethod
    def _number_or_ids(cls, value):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole or isinstance(value, float):
            return float(value)
        if isinstance(value, list) and value and all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            return tuple(value)
        raise ValueError(f"{value!r} is not a step: give a number to add (4, 30.0, -0.0833) or "
                         "a list of department ids to add ([9, 16])")

    _mechanism_names = field_validator("mechanism", mode="before")(_metric_names)


class LeverFile(Frozen):
    """A lever file: the base, the date the steps apply from, the outcomes shown for every
    lever, and the levers."""

    description: str = ""
    base: str  # a scenario file relative to the lever file, or a shipped scenario's name
    start: dt.date | None = Field(default=None, alias="from")  # default: end of the warm-up
    outcomes: tuple[str, ...] = Field(default=OUTCOMES, min_length=1, strict=False)
    levers: tuple[Lever, ...] = Field(min_length=1, strict=False)

    _outcome_names = field_validator("outcomes", mode="before")(_metric_names)

    @model_validator(mode="after")
    def _names_differ(self) -> LeverFile:
        names = [lever.name for lever in self.levers]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"levers[{i}].name: {name!r} is the name of another lever; "
                                 "names become scenario names and must differ")
        return self


@dataclass(frozen=True)
class LeverSpec:
    """A checked lever file: its levers, its base scenario, the date, and each lever's kind."""

    file: Path
    levers: LeverFile
    base: Scenario
    start: dt.date
    kinds: tuple[Kind, ...]


def is_lever_file(path: Path) -> bool:
    """Whether a TOML file is a lever file (it has [[levers]])."""
    try:
        return "levers" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # the scenario loader reports what is wrong with the file


def load(name_or_path: str | Path) -> LeverSpec:
    """Read and check a lever file (a path, or the shipped `designs/levers`): its keys, its
    base, and that each path is a parameter the step fits."""
    path = resolve(name_or_path)
    table = validated(LeverFile, _read(path), path, _describe)
    try:
        base_file = resolve(table.base, relative_to=path.parent)
    except ScenarioError:
        raise ScenarioError(path, "base", f"no such scenario: {table.base} (a path relative to "
                            "the lever file, or a shipped scenario's name)") from None
    base = config.load(base_file)
    start = table.start or base.run.start_date + dt.timedelta(days=math.ceil(base.run.warmup_days))
    data = base.model_dump(by_alias=True)
    kinds = tuple(_check(path, i, lever, data) for i, lever in enumerate(table.levers))
    return LeverSpec(path, table, base, start, kinds)


def _read(path: Path) -> dict:
    """The file's TOML, which must have [[levers]]."""
    data = read_toml(path)
    if "levers" in data:
        return data
    raise ScenarioError(path, "levers", "not a lever file: it has no [[levers]] (scenario files "
                        "go to run or compare, designs to sweep)")


def _describe(err: dict) -> str:
    """As for scenarios, with the words a lever file needs."""
    if err["type"] == "extra_forbidden":
        return ("unknown key (a lever file has description, base, from, outcomes and [[levers]] "
                "with name, path, step, unit, mechanism)")
    if err["type"] == "too_short":
        return "needs at least one entry"
    if err["type"] == "missing":
        return "missing (every lever has name, path, step, unit and mechanism)"
    return config.describe_error(err)


def kind_of(data: dict, path: str) -> Kind:
    """How a step is added at a dotted path of scenario data; ValueError when it cannot be."""
    table, key = locate(data, path)
    value = table[key]
    if is_steps(value):
        return "steps"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    if isinstance(value, list | tuple) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return "ids"
    raise ValueError(f"{path!r} is not a number, a list of dated steps or a list of department "
                     "ids, so no step can be added to it")


def add_step(data: dict, path: str, kind: Kind, step: float | tuple[int, ...],
             start: dt.date) -> None:
    """Add a step to scenario data in place: to dated steps from `start` on, to a number for
    the whole run, or ids to a list of department ids."""
    node, key = locate(data, path)
    if kind == "steps":
        node[key] = add_from(node[key], start, step)
    elif kind == "number":
        config.set_parameter(data, path, node[key] + step, start)
    else:
        node[key] = sorted({*node[key], *step})


def _check(file: Path, i: int, lever: Lever, data: dict) -> Kind:
    """The lever's kind, after checking that its path is a parameter and its step fits it."""
    try:
        kind = kind_of(data, lever.path)
    except ValueError as exc:
        raise ScenarioError(file, f"levers[{i}].path", str(exc)) from None
    where = f"levers[{i}].step"
    if (kind == "ids") != isinstance(lever.step, tuple):
        wanted = "a list of the ids to add, e.g. [9, 16]" if kind == "ids" else "a number to add"
        raise ScenarioError(file, where, f"{lever.path} is {KIND_WORDS[kind]}, so the step must "
                            f"be {wanted}")
    if kind == "ids":
        table, key = locate(data, lever.path)
        already = sorted(set(lever.step) & set(table[key]))
        if already:
            raise ScenarioError(file, where, f"{already} are in {lever.path} of the base "
                                "already; give ids to add")
    elif lever.step == 0:
        raise ScenarioError(file, where, "a step of 0 changes nothing; give the amount to add")
    return kind
