"""Housed citizens who die or move away (`tenancy.death_per_year`, `move_away_per_year`): the
exit is recorded with its reason, their bostøtte ends and its caseload units come free, and
motivation work asked for them is withdrawn.

In the small city a citizen takes a dwelling on day 0 and moves in on day 20; support (1 unit of
the 10 workers' 10) lasts 120 days; nobody loses the home.
"""

from __future__ import annotations

import math

import pytest

HOUSED = 20.0


def housed_citizen(town, exit_budget: float):
    """A citizen put forward, given a dwelling on day 0, whose housed spell has this Exp(1)
    budget of the death-or-moving-away hazard."""
    c = town.arrive()
    c.u["housed_exit"] = -math.expm1(-exit_budget)
    town.let(1, 1)
    return c


def exits(town, c) -> list[tuple]:
    return [(t, reason) for t, event, reason in town.events(c, "reason") if event == "exit"]


@pytest.mark.parametrize(("death", "move", "reason"), [(0.5, 0.0, "died_housed"),
                                                       (0.0, 0.5, "moved_away_housed")])
def test_a_housed_citizen_dies_or_moves_away_and_support_ends(small_city, death, move, reason):
    """Budget 0.1 at 0.5 a year: 73 days after moving in, while in support."""
    town = small_city(tenancy={"death_per_year": death, "move_away_per_year": move})
    c = housed_citizen(town, 0.1)
    town.run(400.0)
    left = HOUSED + 0.1 / 0.5 * 365.0
    assert exits(town, c) == [(pytest.approx(left), reason)]
    ends = [(t, why) for t, event, why in town.events(c, "reason") if event == "support_end"]
    assert ends == [(pytest.approx(left), "exit")]
    assert town.pool("support_workers").busy == 0.0
    assert c.stage is None
    assert town.rec.census["housed"] == 0


def test_by_default_nobody_housed_leaves(small_city):
    town = small_city()
    c = housed_citizen(town, 0.1)
    town.run(2000.0)
    assert exits(town, c) == []
    assert c.stage == "housed"


def test_the_exit_withdraws_motivation_work_waiting_for_a_worker(small_city):
    """One support worker. The first citizen declines support on moving in (day 20), and their
    motivation work waits for a unit while the second citizen's support (days 20-140) holds it;
    they die on day 93. When that support ends nobody holds the worker: the request is gone."""
    town = small_city(tenancy={"death_per_year": 0.5},
                      allocation={"support_rule": "waiting_list"},
                      support={"support_workers": 1, "decline_share": 0.5,
                               "reengage_share": 1.0, "reengage_days_mean": 200.0,
                               "motivation_caseload_units": 0.5})
    first = housed_citizen(town, 0.1)
    first.u["support_decline"] = 0.0
    second = housed_citizen(town, 10.0)
    second.u["support_decline"] = 0.9
    town.run(100.0)
    assert exits(town, first) == [(pytest.approx(HOUSED + 73.0), "died_housed")]
    workers = town.pool("support_workers")
    assert (workers.busy, workers.queue_length) == (1.0, 0)
    town.run(141.0)
    assert (workers.busy, workers.queue_length) == (0.0, 0)
