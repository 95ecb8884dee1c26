"""The path of one citizen, stage after stage, as the seed describes it (docs/model.md):

homeless (shelter or outside) → caseworker assesses boevne → put forward through boligsocial
anvisning → support need assessed → dwelling offered → moves in with a housing advisor →
bostøtte → keeps the home, or loses it and is homeless again. Other routes: botilbud, skæv bolig.
Any homeless citizen may also leave by themselves; a housed one may die or move away.
"""

from __future__ import annotations

import simpy

from sim.model import allocation, assessment, move_in, population, residential, shelter, support
from sim.model.citizen import Citizen
from sim.model.view import CityView

# Where a citizen who starts in a waiting stage is headed.
ROUTE_OF_STAGE = {
    "awaiting_housing": "own_home",
    "awaiting_botilbud": "botilbud",
    "awaiting_skaev_bolig": "skaev_bolig",
}


def life(city: CityView, c: Citizen, start: str, inside_shelter: bool = False):
    """Process: a citizen's whole path through the model, from the stage they start in."""
    if start == "housed":
        if not (yield from support.housed(city, c, in_support_at_start=True)):
            return  # died or moved away
        start = "returned"
    elif start.startswith("in_"):
        yield from residential.stay(city, c, start.removeprefix("in_"), at_start=True)
        return
    while True:
        outcome = yield from homeless_spell(city, c, start, inside_shelter)
        if outcome is None:
            return  # left by themselves
        route, dept = outcome
        if route != "own_home":
            yield from residential.stay(city, c, route)
            return
        yield from move_in.move_in(city, c, dept)
        if not (yield from support.housed(city, c)):
            return  # died or moved away
        start, inside_shelter = "returned", False


def homeless_spell(city: CityView, c: Citizen, start: str, inside_shelter: bool):
    """Generator: one spell of homelessness until a dwelling or place is secured; returns
    (route, department) or None if the citizen left by themselves."""
    population.open_spell(city, c)
    shelter.start(city, c, inside_shelter)
    try:
        route = ROUTE_OF_STAGE.get(start)
        if route is None:
            route = yield from assessment.until_routed(
                city, c, referred=start == "awaiting_assessment", not_ready=start == "not_ready"
            )
        if route == "own_home":
            nominated = start == "awaiting_housing"
            dept = yield from allocation.await_dwelling(city, c, nominated)
            return route, dept
        yield from residential.await_place(city, c, route)
        return route, None
    except simpy.Interrupt:
        return None
