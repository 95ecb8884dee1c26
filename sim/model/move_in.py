"""Indslusning and fastholdelse: housing advisors (boligrådgivere) help citizens move in and,
later, visit to help them keep the home. Advisors are a finite, dated staffing with a caseload.

`advisor_rule` says whether the move waits for an advisor: under `holds_keys` the citizen moves
in with an advisor's help once one is free (a busy advisor team holds the keys); under
`help_follows` the citizen moves in on their own time and the advisor's help comes when an
advisor is free, taking the same advisor time.

The fastholdelse (retention) visit is due `retention_visit_after_days` after moving in and waits
for an advisor. A visit that takes place multiplies the tenancy-loss hazard by
`retention_visit_hazard_factor` from that day until `retention_visit_effect_days` after the visit
was due. The effect is tied to the due day, not to the visit, because the visit is there for the
fragile first months of a tenancy (CTI's transition phase): it sorts out rent arrears, neighbour
trouble and the contact with bostøtte while they can still be sorted out. So a late visit helps
for less time, one later than the effect period (advisors busy for that long) helps not at all,
and neither does a visit to a citizen who has left: advisors' capacity matters. A time-limited
factor rather than one for the rest of the tenancy keeps the visit from rewriting the
after-support hazards, which carry their own sources; a long effect period approaches the other.
With the factor at 1 the visit takes advisor time and changes nothing else.
"""

from __future__ import annotations

from sim.model import shelter
from sim.model.citizen import Citizen
from sim.model.tenancy import Tenancy
from sim.model.view import CityView


def move_in(city: CityView, c: Citizen, dept: int):
    """Generator: move in, with an advisor's help or before it (`advisor_rule`); the citizen is
    housed."""
    cfg, rec, advisors = city.cfg.move_in, city.rec, city.pools["housing_advisors"]
    holds_keys = cfg.advisor_rule == "holds_keys"
    if holds_keys:
        yield advisors.acquire()
    rec.emit(c, "move_in_start", dept=dept)
    days = city.dur(cfg.move_in_days_mean, c.first("move_in", city.draw["move_in"]))
    yield city.env.timeout(days)
    if holds_keys:
        advisors.release()
    else:
        city.env.process(advisor_help(city, c, c.spell, days))
    shelter.leave(city, c, "housed")
    rec.move(c, "housed")
    _, rent, scheme, subsidy = c.dwelling
    rec.emit(c, "housed", dept=dept, rent=rent, scheme=scheme, subsidy=subsidy)


def advisor_help(city: CityView, c: Citizen, spell: int, days: float):
    """Process: the advisor's indslusning help after the citizen has moved in, when an advisor
    is free and if the citizen still lives there."""
    advisors = city.pools["housing_advisors"]
    yield advisors.acquire()
    if c.spell == spell and c.stage == "housed":
        city.rec.emit(c, "move_in_help")
        yield city.env.timeout(days)
    advisors.release()


def follow_up(city: CityView, c: Citizen, tenancy: Tenancy) -> None:
    """Start the fastholdelse visit of a tenancy that begins now (`support.housed` calls it)."""
    city.env.process(retention_visit(city, c, c.spell, tenancy))


def retention_visit(city: CityView, c: Citizen, spell: int, tenancy: Tenancy):
    """Process: one fastholdelse visit by a housing advisor, if the citizen still lives there;
    it lowers the tenancy's loss hazard until the effect period after its due day ends."""
    cfg, advisors = city.cfg.move_in, city.pools["housing_advisors"]
    yield city.env.timeout(cfg.retention_visit_after_days)
    if c.spell != spell or c.stage != "housed":
        return
    effect_ends = city.env.now + cfg.retention_visit_effect_days
    yield advisors.acquire()
    if c.spell != spell or c.stage != "housed":  # left while waiting for a free advisor
        advisors.release()
        return
    city.rec.emit(c, "retention_visit")
    if cfg.retention_visit_hazard_factor < 1.0:
        tenancy.lower(cfg.retention_visit_hazard_factor, effect_ends)
    yield city.env.timeout(city.dur(cfg.retention_visit_days, city.draw["retention_visit"]()))
    advisors.release()
