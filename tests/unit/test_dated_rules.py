"""Dated policies: a run that starts before the 2024-2027 allocation agreement lets under the
law's share in every department not shielded until the agreement's day, when its share comes
in and each department's running count starts again; the reform's support rule comes in on its
own day.

The small city starts on 2023-01-01; department 1 is open, department 2 shielded; every citizen
fits a 1-room dwelling in either.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.config import ScenarioError, load

DAY_10 = dt.date(2023, 1, 11)
SMALL = Path(__file__).resolve().parent / "data" / "small.toml"  # no dated rules of its own


def lets(town) -> list[tuple]:
    return [(row["department"], row["quota_share"], row["allocated_to"], row["reason"])
            for row in town.vacancies()]


def test_the_agreement_brings_its_share_and_a_new_running_count(small_city):
    town = small_city(allocation={"quota_share": 0.5, "agreement_start": DAY_10,
                                  "quota_share_before_agreement": 1.0})
    for _ in range(4):
        town.arrive()
    town.let(2, 1, at=1.0)
    town.let(1, 1, at=2.0)
    town.let(2, 1, at=11.0)
    town.let(1, 1, at=12.0)
    town.let(1, 1, at=13.0)
    assert lets(town) == [
        (2, 0.0, "ordinary", "quota"), (1, 1.0, "social", None),  # before: the earlier share
        (2, 0.0, "ordinary", "quota"),  # shielded throughout
        # department 1's count starts again: its first vacancy under the agreement is not
        # social (it would be if the two of 2023 still counted, 1 of 2 against floor(2 × 0.5))
        (1, 0.5, "ordinary", "quota"), (1, 0.5, "social", None),
    ]


def test_before_its_day_the_support_rule_is_the_old_one(small_city):
    """No support workers: before the reform rule anyone who fits takes the dwelling; after it,
    the dwelling is let ordinarily because bostøtte cannot start."""
    town = small_city(allocation={"quota_share": 1.0, "support_rule": "require_capacity",
                                  "support_rule_start": DAY_10,
                                  "support_rule_before": "waiting_list"},
                      support={"support_workers": 0})
    town.arrive()
    town.arrive()
    town.let(1, 1, at=1.0)
    town.let(1, 1, at=11.0)
    assert [(to, why) for _, _, to, why in lets(town)] == [("social", None),
                                                          ("ordinary", "support")]


@pytest.mark.parametrize("key", ["agreement_start", "support_rule_start"])
def test_a_dated_rule_needs_its_date_and_its_earlier_value(make_scenario, key):
    path = make_scenario(f"[allocation]\n{key} = 2024-01-01\n", extends=SMALL)
    with pytest.raises(ScenarioError, match=f"{key} and .* go together"):
        load(path)
