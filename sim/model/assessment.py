"""Udredning: a caseworker (sagsbehandler) assesses boevne, the ability to live in own home.

Caseworkers are a finite, dated staffing; each carries `caseload_per_caseworker` assessments at a
time. The outcome routes the citizen to own home, botilbud, skæv bolig, or "not ready yet", in
which case the citizen is assessed again after a while; the route shares are those of the
citizen's type of homelessness (`population.types`, else `assessment.route_share`).
"""

from __future__ import annotations

from functools import partial

from sim.engine.rng import choose
from sim.model import shelter
from sim.model.citizen import Citizen
from sim.model.view import CityView

# Where the outcome of an assessment puts the citizen to wait.
WAITING_STAGE = {
    "own_home": "awaiting_housing",
    "botilbud": "awaiting_botilbud",
    "skaev_bolig": "awaiting_skaev_bolig",
    "not_ready": "not_ready",
}


def referral(city: CityView, c: Citizen):
    """Generator: until the municipality learns of the citizen: outreach and other routes take
    `referral_days_mean` on average; under the reform's notification rule a shelter the citizen
    enters refers them within its deadline, if that comes first (`shelter.notify`)."""
    cfg, env = city.cfg.assessment, city.env
    outreach = env.timeout(city.dur(cfg.referral_days_mean, c.first("referral",
                                                                    city.draw["referral"])))
    if not notification_applies(city):
        yield outreach
        return
    # one event that whichever comes first fires: cheaper than waiting on a condition of two
    c.notified = env.event()
    outreach.callbacks.append(partial(shelter.refer, c.notified))
    if c.in_shelter:
        shelter.notify(city, c)
    yield c.notified
    c.notified = None


def notification_applies(city: CityView) -> bool:
    """Whether the shelters' notification rule applies to a referral wait that begins now."""
    cfg = city.cfg.assessment
    if cfg.shelter_notification_days is None:
        return False
    start = cfg.shelter_notification_start
    return start is None or city.env.now >= (start - city.start).days


def until_routed(city: CityView, c: Citizen, referred: bool = False, not_ready: bool = False):
    """Generator: referral, assessment and re-assessments; returns the route."""
    cfg = city.cfg.assessment
    rec, env, caseworkers = city.rec, city.env, city.pools["caseworkers"]
    while True:
        if not_ready:
            yield env.timeout(city.dur(cfg.reassessment_days_mean, city.draw["reassessment"]()))
            rec.move(c, "awaiting_assessment")
        elif not referred:
            yield from referral(city, c)
        rec.emit(c, "referred")
        claim = caseworkers.acquire()
        c.claim = (caseworkers, claim, 1.0)
        yield claim
        rec.move(c, "in_assessment")
        rec.emit(c, "assessment_start")
        u = c.first("assessment", city.draw["assessment"])
        yield env.timeout(city.dur(cfg.assessment_days_mean, u))
        caseworkers.release()
        c.claim = None
        route = choose(c.kind.route_share, c.first("route", city.draw["route"]))
        c.route = route
        rec.move(c, WAITING_STAGE[route])
        rec.emit(c, "assessment_end", route=route)
        if route != "not_ready":
            return route
        not_ready = True
