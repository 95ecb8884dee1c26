"""Named policies: every name the scenario schema allows has a function, and the default rules
are the ones the allocation agreement describes."""

from __future__ import annotations

import typing

import pytest

from sim.config.schema import AllocationCfg
from sim.model import policies


@pytest.mark.parametrize(("field", "registry"), [
    ("quota_rule", policies.QUOTA_RULES),
    ("queue_order", policies.QUEUE_ORDERS),
    ("support_rule", policies.SUPPORT_RULES),
])
def test_schema_allows_exactly_the_registered_policies(field, registry) -> None:
    allowed = typing.get_args(AllocationCfg.model_fields[field].annotation)
    assert set(allowed) == set(registry)
    assert AllocationCfg.model_fields[field].default in registry


def test_running_floor_lets_the_third_vacancy_of_a_one_in_three_department() -> None:
    social = 0
    lets = []
    for seen in range(1, 10):
        if policies.running_floor(seen, social, 1 / 3):
            social += 1
            lets.append(seen)
    assert lets == [3, 6, 9]


def test_running_floor_carries_an_unused_right_forward() -> None:
    assert policies.running_floor(7, 0, 1 / 3)  # two rights unused by the 7th vacancy
    assert not policies.running_floor(7, 2, 1 / 3)


def test_first_come_merges_groups_in_the_order_put_forward() -> None:
    class Person:
        def __init__(self, order: int) -> None:
            self.queue_order = order

    a, b, c, d = (Person(i) for i in range(4))
    assert list(policies.first_come([[a, c], [b, d]])) == [a, b, c, d]
    assert list(policies.first_come([])) == []
