"""The named policies of boligsocial anvisning (social housing allocation), chosen by name in
the scenario's `[allocation]` table, the way Ciw injects queue disciplines and routers:

- `quota_rule`: whether a department may give one more vacancy to social allocation;
- `queue_order`: the order in which citizens put forward are offered a dwelling;
- `support_rule`: whether the first citizen the dwelling fits may take it now.

A new policy is a function here, registered under its name below, and that name added to the
allowed values in `sim/config/schema.py` (`AllocationCfg`); a test checks the two agree.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator

from sim.model import support
from sim.model.citizen import Citizen
from sim.model.view import CityView

QUOTA_EPS = 1e-9

QuotaRule = Callable[[int, int, float], bool]  # (vacancies seen, social lets, share) → may let
QueueOrder = Callable[[list[Iterable[Citizen]]], Iterator[Citizen]]  # groups → who is offered
SupportRule = Callable[[CityView, Citizen], bool]  # (city, first who fits) → may take it now


def running_floor(seen: int, given: int, share: float) -> bool:
    """After a department's n-th vacancy its social lets are at most floor(n × share), so
    "at most every third vacant dwelling" holds at every prefix and the first social let of a
    1-in-3 department is its third vacancy. Unused rights carry forward (the count is
    cumulative)."""
    return given < math.floor(seen * share + QUOTA_EPS)


def first_come(groups: list[Iterable[Citizen]]) -> Iterator[Citizen]:
    """In the order put forward: each group is in that order already, so merge them."""
    if len(groups) == 1:
        return iter(groups[0])
    return heapq.merge(*groups, key=lambda c: c.queue_order)


def require_capacity(city: CityView, c: Citizen) -> bool:
    """The reform rule: a discharge needs a support decision, so the dwelling goes to the first
    who fits only if their bostøtte can start now; otherwise it is let ordinarily (nobody who
    fits overtakes them)."""
    return support.can_start(city, c)


def no_support_gate(_city: CityView, _c: Citizen) -> bool:
    """No gate: the first who fits takes the dwelling and waits for support once moved in."""
    return True


QUOTA_RULES: dict[str, QuotaRule] = {"running_floor": running_floor}
QUEUE_ORDERS: dict[str, QueueOrder] = {"first_come": first_come}
SUPPORT_RULES: dict[str, SupportRule] = {"require_capacity": require_capacity,
                                         "none": no_support_gate}
