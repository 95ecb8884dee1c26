"""Dated steps: the one answer to "what value is in force on this date" (staffing, inflow,
places, subsidy dwellings, budgets), as days after a run start."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Iterator

from sim.config.schema import DAYS_PER_YEAR, Step


class StepTable:
    """Dated steps as days after a run start, for lookups on the hot path (no date arithmetic)."""

    __slots__ = ("days", "values")

    def __init__(self, steps: tuple[Step, ...], start) -> None:
        self.days = [float((step.start - start).days) for step in steps]
        self.values = [step.value for step in steps]

    def at(self, day: float) -> float:
        """The value in force on `day` (the first step's before any date)."""
        return self.values[max(bisect_right(self.days, day) - 1, 0)]


def value_at(steps: tuple[Step, ...], day: float, start) -> float:
    """The step value in force `day` days after `start` (the first step before any date)."""
    return StepTable(steps, start).at(day)


def value_on(steps: list[dict], date) -> float:
    """The value in force on a date, in steps as a scenario's data holds them ({"from": date,
    "value": v}, in date order), for building variants before they are validated."""
    dates = [step["from"] for step in steps]
    return steps[max(bisect_right(dates, date) - 1, 0)]["value"]


def add_from(steps: list[dict], date, amount: float) -> list[dict]:
    """Dated steps (as a scenario's data holds them) with `amount` added from `date` on; a step
    at `date` is added if needed."""
    out = [dict(s, value=s["value"] + (amount if s["from"] >= date else 0.0)) for s in steps]
    if all(s["from"] != date for s in steps):
        out.append({"from": date, "value": value_on(steps, date) + amount})
    return sorted(out, key=lambda s: s["from"])


def step_days(steps: tuple[Step, ...], start) -> Iterator[tuple[float, float]]:
    """(day, value) changes after the run start, in order."""
    for step in steps:
        day = float((step.start - start).days)
        if day > 0:
            yield day, step.value


def backcast(steps: tuple[Step, ...], trend_per_year: float, start: dt.date) -> tuple[Step, ...]:
    """Dated steps with the years from `start` to the first step back-cast by a yearly relative
    change: the year ending k years before the first step's date holds its value ×
    (1 + trend)^-(k - ½), so each year's level is its mid-year value. A trend of 0, or a start
    on or after the first step, leaves the steps as they are."""
    first = steps[0]
    years = math.ceil((first.start - start).days / DAYS_PER_YEAR)
    if trend_per_year == 0.0 or years <= 0:
        return steps
    back = [Step(start=first.start - dt.timedelta(days=round(k * DAYS_PER_YEAR)),
                 value=first.value * (1.0 + trend_per_year) ** (0.5 - k))
            for k in range(years, 0, -1)]
    return (*back, *steps)
