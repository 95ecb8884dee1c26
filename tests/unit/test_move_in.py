"""Moving in: under `holds_keys` the move waits for a boligrådgiver (housing advisor); under
`help_follows` the citizen moves in on their own time and the advisor's help follows, so busy
advisors never keep a citizen in `moving_in`."""

from __future__ import annotations

import pytest


def moved_in(town, citizen) -> list[tuple]:
    return [row for row in town.events(citizen)
            if row[1] in ("offer_accepted", "move_in_start", "housed", "move_in_help")]


@pytest.mark.parametrize(("rule", "stage"), [("holds_keys", "moving_in"),
                                             ("help_follows", "housed")])
def test_without_advisors_only_help_follows_lets_the_citizen_in(small_city, rule, stage):
    town = small_city(allocation={"quota_share": 1.0},
                      move_in={"housing_advisors": 0, "advisor_rule": rule})
    citizen = town.arrive(tier="low")
    town.let(1, 1)
    town.run(100.0)
    assert citizen.stage == stage
    assert ("move_in_help" in [e for _, e in town.events(citizen)]) is False


def test_the_advisor_s_help_follows_the_move_when_an_advisor_is_free(small_city):
    town = small_city(allocation={"quota_share": 1.0},
                      move_in={"housing_advisors": 0, "advisor_rule": "help_follows"})
    citizen = town.arrive(tier="low")
    town.let(1, 1, at=1.0)
    town.run(50.0)
    town.pool("housing_advisors").set_capacity(1.0)
    town.run(100.0)
    days = town.cfg.move_in.move_in_days_mean  # fixed durations in the small city
    assert moved_in(town, citizen) == [(1.0, "offer_accepted"), (1.0, "move_in_start"),
                                      (1.0 + days, "housed"), (50.0, "move_in_help")]
    assert town.pool("housing_advisors").busy == 0.0  # the help took its days and ended
