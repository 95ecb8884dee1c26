"""Herberg (§110 shelter): finite beds used in episodes; who finds no bed is homeless outside.

A shelter user alternates between a stay in a bed and a spell outside (rough sleeping or staying
with others), for as long as the homeless spell lasts. A citizen who finds no bed waits outside
in a first-come queue for the next free one. Who uses shelters, and how long the stays and the
spells between them last on average, are the citizen's type's (`population.types`).
"""

from __future__ import annotations

from functools import partial

import simpy
from simpy.events import Initialize

from sim.model.citizen import Citizen
from sim.model.view import CityView


def episodes(city: CityView, c: Citizen, inside_at_start: bool = False):
    """Process: shelter stays and spells outside until interrupted by the end of homelessness."""
    if c.shelter is not city.env.active_process:
        return  # homelessness ended before this process got its first turn
    beds, rec, env = city.pools["shelter_beds"], city.rec, city.env
    stay, between = c.kind.shelter_stay_days_mean, c.kind.shelter_between_stays_days_mean
    bed = None
    try:
        if not inside_at_start:
            yield env.timeout(city.dur(between, city.draw["outside"]()))
        while True:
            bed = beds.acquire()
            yield bed
            c.in_shelter = True
            rec.emit(c, "shelter_enter")
            notify(city, c)
            yield env.timeout(city.dur(stay, city.draw["shelter_stay"]()))
            c.in_shelter = False
            rec.emit(c, "shelter_leave", reason="episode_end")
            beds.release()
            bed = None
            yield env.timeout(city.dur(between, city.draw["outside"]()))
    except simpy.Interrupt:
        if bed is not None:
            beds.cancel(bed)  # frees the bed, or the place in the queue for one


def notify(city: CityView, c: Citizen) -> None:
    """The shelter notifies the municipality of a citizen waiting for a referral, at the
    deadline of the reform's rule (`assessment.shelter_notification_days`): the citizen is
    referred then unless outreach came first."""
    if c.notified is not None:
        timer = city.env.timeout(city.cfg.assessment.shelter_notification_days)
        timer.callbacks.append(partial(refer, c.notified))


def refer(referred: simpy.Event, _timer) -> None:
    """A timer's callback: the citizen is referred now, unless they were already."""
    if not referred.triggered:
        referred.succeed()


def start(city: CityView, c: Citizen, inside_at_start: bool = False) -> None:
    """Begin shelter use for a new homeless spell, if this citizen uses shelters."""
    if c.first("shelter_use", city.draw["shelter_use"]) < c.kind.shelter_user_share:
        c.shelter = city.env.process(episodes(city, c, inside_at_start))


def leave(city: CityView, c: Citizen, reason: str) -> None:
    """End shelter use now, because homelessness ended (housed, placed or gone)."""
    if c.in_shelter:
        c.in_shelter = False
        city.rec.emit(c, "shelter_leave", reason=reason)
    proc = c.shelter
    if proc is not None and proc.is_alive and not isinstance(proc.target, Initialize):
        proc.interrupt(reason)
    c.shelter = None
