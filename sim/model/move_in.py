"""Indslusning and fastholdelse: housing advisors (boligrådgivere) help citizens move in and,
later, visit to help them keep the home. Advisors are a finite, dated staffing with a caseload."""

from __future__ import annotations

from sim.model import shelter
from sim.model.citizen import Citizen
from sim.model.view import CityView


def move_in(city: CityView, c: Citizen, dept: int):
    """Generator: wait for a housing advisor, move in with their help; the citizen is housed."""
    cfg, rec, advisors = city.cfg.move_in, city.rec, city.pools["housing_advisors"]
    claim = advisors.acquire()
    yield claim
    rec.emit(c, "move_in_start", dept=dept)
    u = c.first("move_in", city.draw["move_in"])
    yield city.env.timeout(city.dur(cfg.move_in_days_mean, u))
    advisors.release()
    shelter.leave(city, c, "housed")
    rec.move(c, "housed")
    _, rent, scheme, subsidy = c.dwelling
    rec.emit(c, "housed", dept=dept, rent=rent, scheme=scheme, subsidy=subsidy)
    city.env.process(retention_visit(city, c, c.spell))


def retention_visit(city: CityView, c: Citizen, spell: int):
    """Process: one fastholdelse visit by a housing advisor, if the citizen still lives there."""
    cfg, advisors = city.cfg.move_in, city.pools["housing_advisors"]
    yield city.env.timeout(cfg.retention_visit_after_days)
    if c.spell != spell or c.stage != "housed":
        return
    claim = advisors.acquire()
    yield claim
    city.rec.emit(c, "retention_visit")
    yield city.env.timeout(city.dur(cfg.retention_visit_days, city.draw["retention_visit"]()))
    advisors.release()
