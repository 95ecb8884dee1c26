"""The named policies of boligsocial anvisning (social housing allocation), chosen by name in
the scenario's `[allocation]` table, the way Ciw injects queue disciplines and routers:

- `quota_rule`: whether a department may give one more vacancy to social allocation;
- `unused_rights`: what becomes of a right the municipality did not use when it arose;
- `priority`: who the municipal right goes to first, homeless citizens or the other
  households the municipality houses through the same right;
- `queue_order`: the order in which citizens put forward are offered a dwelling;
- `support_rule`: when bostøtte is decided for a citizen put forward, and whether the first
  citizen a dwelling fits may take it now.

A new policy is a function here, registered under its name below, and that name added to the
allowed values in `sim/config/schema.py` (`AllocationCfg`); a test checks the two agree.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.model import support
from sim.model.citizen import Citizen
from sim.model.view import CityView

if TYPE_CHECKING:
    from sim.model.allocation import Allocation

QUOTA_EPS = 1e-9
HOMELESS, OTHERS = "homeless", "others"  # who may claim a social let


@dataclass(slots=True)
class QuotaCount:
    """One department's vacancies and social lets, as far as its quota counts them."""

    seen: int = 0
    given: int = 0
    year: int = 0  # the calendar year the count is for, where rights lapse at a year's end


QuotaRule = Callable[[int, int, float], bool]  # (vacancies seen, social lets, share) → may let
UnusedRights = Callable[[QuotaCount, float, int], None]  # settle a count before a vacancy
Priority = Callable[["Allocation"], tuple[str, ...]]  # who is offered a social let, in order
QueueOrder = Callable[[list[Iterable[Citizen]]], Iterator[Citizen]]  # groups → who is offered


def running_floor(seen: int, given: int, share: float) -> bool:
    """After a department's n-th vacancy its social lets are at most floor(n × share), so
    "at most every third vacant dwelling" holds at every prefix and the first social let of a
    1-in-3 department is its third vacancy. Unused rights carry forward (the count is
    cumulative)."""
    return given < math.floor(seen * share + QUOTA_EPS)


def carry_forward(_count: QuotaCount, _share: float, _year: int) -> None:
    """An unused right stays until it is used (the count is cumulative over the agreement):
    after a run of vacancies with nobody to take them, several social lets may come in a
    row."""


def carry_within_year(count: QuotaCount, _share: float, year: int) -> None:
    """Rights carry forward within a calendar year; the count starts again on 1 January."""
    if count.year != year:
        count.seen, count.given, count.year = 0, 0, year


def lapse(count: QuotaCount, share: float, _year: int) -> None:
    """A right must be used at the vacancy that creates it: those not used are given up."""
    count.given = max(count.given, math.floor(count.seen * share + QUOTA_EPS))


def homeless_first(_allocation: Allocation) -> tuple[str, ...]:
    """The homeless queue first; other households take what no homeless citizen takes."""
    return (HOMELESS, OTHERS)


def others_first(_allocation: Allocation) -> tuple[str, ...]:
    """Other households first (refugees and others the municipality must house);
    homeless citizens take the rights nobody else is waiting for."""
    return (OTHERS, HOMELESS)


def shared(allocation: Allocation) -> tuple[str, ...]:
    """Other households come first on a share of social lets (`others_first_share`), drawn
    vacancy by vacancy from a stream of its own."""
    draw = allocation.city.draw["priority"]()
    return (OTHERS, HOMELESS) if draw < allocation.cfg.others_first_share else (HOMELESS, OTHERS)


def first_come(groups: list[Iterable[Citizen]]) -> Iterator[Citizen]:
    """In the order put forward: each group is in that order already, so merge them."""
    if len(groups) == 1:
        return iter(groups[0])
    return heapq.merge(*groups, key=lambda c: c.queue_order)


@dataclass(frozen=True)
class SupportRule:
    """When bostøtte is decided for a citizen put forward, and whether a dwelling may go to
    the first citizen it fits."""

    reserves_at_nomination: bool  # support units are reserved before the citizen is queued
    may_take: Callable[[CityView, Citizen], bool]  # (city, first who fits) → may take it now


def require_capacity(city: CityView, c: Citizen) -> bool:
    """The reform rule: a discharge needs a support decision, so the dwelling goes to the first
    who fits only if their bostøtte can start now; otherwise it is let ordinarily (nobody who
    fits overtakes them)."""
    return support.can_start(city, c)


def no_support_gate(_city: CityView, _c: Citizen) -> bool:
    """No gate at the offer: the first who fits takes the dwelling."""
    return True


QUOTA_RULES: dict[str, QuotaRule] = {"running_floor": running_floor}
UNUSED_RIGHTS: dict[str, UnusedRights] = {"carry_forward": carry_forward,
                                          "carry_within_year": carry_within_year,
                                          "lapse": lapse}
PRIORITIES: dict[str, Priority] = {"homeless_first": homeless_first,
                                   "others_first": others_first, "shared": shared}
QUEUE_ORDERS: dict[str, QueueOrder] = {"first_come": first_come}
SUPPORT_RULES: dict[str, SupportRule] = {
    # the reform rule at the offer: a dwelling waits for nobody whose support cannot start now
    "require_capacity": SupportRule(False, require_capacity),
    # a support waiting list: the citizen moves in and waits for bostøtte at the unsupported
    # hazard
    "waiting_list": SupportRule(False, no_support_gate),
    # the municipality puts forward only as many as it can give a support decision for: each
    # citizen's caseload units are reserved after the need assessment, before they join the
    # queue, so no dwelling is lost to support and none waits for it
    "forecast": SupportRule(True, no_support_gate),
}
