"""Boligsocial anvisning (social housing allocation) under the running per-department quota.

Housing departments (afdelinger) produce vacancies. The municipality may give at most a share of
a department's vacancies to social allocation, on a running basis:

    after a department's n-th vacancy, its social allocations are at most floor(n × quota_share).

Floor, not ceiling, because "at most every third vacant dwelling" must hold at every prefix: with
floor, social / n never exceeds the share, and the first social vacancy of a 1-in-3 department is
its third. Unused rights carry forward within the department (the count is cumulative).

A vacancy the municipality may take goes to the citizen first in the queue of those put forward
(indstillet), if the dwelling is affordable to them and, where the scenario requires it, bostøtte
(floating support) capacity is free for them; the citizen may refuse, and the next in line is
asked. Every vacancy — social or ordinary — is written to the `vacancies` table.
"""

from __future__ import annotations

import math

from sim.capacity import Line
from sim.population import close_spell
from sim.support import assess_need

QUOTA_EPS = 1e-9


class Allocation:
    """The housing departments, their vacancy stream and the queue of nominated citizens."""

    def __init__(self, city) -> None:
        cfg = city.cfg.allocation
        self.city = city
        self.cfg = cfg
        shielded = cfg.shielded_departments
        self.share = [cfg.shielded_quota_share] * shielded + [cfg.quota_share] * (
            cfg.departments - shielded
        )
        self.vacancies_seen = [0] * cfg.departments
        self.social_given = [0] * cfg.departments
        self.queue = Line()  # nominated citizens in order; leaving it takes constant time
        yearly = cfg.departments * cfg.dwellings_per_department * cfg.turnover_per_year_share
        self.days_between = 365.0 / yearly if yearly > 0 else math.inf

    def vacancies(self):
        """Process: vacancies arrive as a Poisson stream spread evenly over departments."""
        city = self.city
        if math.isinf(self.days_between):
            return
        when, which = city.draw["vacancy_time"], city.draw["vacancy_department"]
        while True:
            yield city.env.timeout(city.dur(self.days_between, when()))
            self.let(int(which() * self.cfg.departments))

    def may_allocate(self, dept: int) -> bool:
        """The running quota: one more social allocation keeps it within floor(n × share)."""
        allowed = math.floor(self.vacancies_seen[dept] * self.share[dept] + QUOTA_EPS)
        return self.social_given[dept] < allowed

    def let(self, dept: int) -> None:
        """One vacancy in `dept`: offer it through social allocation if allowed, else ordinary."""
        city = self.city
        self.vacancies_seen[dept] += 1
        affordable = city.draw["vacancy_affordable"]() < self.cfg.affordable_vacancy_share
        taker = None
        if affordable and self.queue and self.may_allocate(dept):
            taker = self.offer(dept)
        if taker is not None:
            self.social_given[dept] += 1
        city.rec.vacancy(dept, self.share[dept], "social" if taker else "ordinary",
                         taker.id if taker else None)

    def offer(self, dept: int):
        """Offer the dwelling down the queue; return the citizen who accepts, if any."""
        city, cfg = self.city, self.cfg
        support = city.support_workers
        asked = 0
        for c in self.queue:  # accept() changes the queue only just before returning
            if asked == cfg.offers_per_vacancy_max:
                return None
            units = city.caseload_weight(c.tier)
            if cfg.require_support_capacity and support.free() < units - 1e-9:
                return None  # first come, first served: nobody overtakes the head of the line
            asked += 1
            city.rec.emit(c, "offer", dept=dept)
            if city.draw["offer_refusal"]() < cfg.offer_refusal_share:
                city.rec.emit(c, "offer_refused", dept=dept)
                continue
            self.accept(c, dept, units)
            return c
        return None

    def accept(self, c, dept: int, units: float) -> None:
        """The citizen takes the dwelling: leaves the queue, and bostøtte is reserved."""
        city = self.city
        self.queue.remove(c)
        close_spell(city, c)
        c.support_claim = (units, city.support_workers.request(units))
        city.rec.move(c, "moving_in")
        city.rec.emit(c, "offer_accepted", dept=dept)
        c.offer.succeed(dept)

    def withdraw(self, c) -> None:
        """Take a citizen off the queue (they left the system)."""
        if c in self.queue:
            self.queue.remove(c)


def await_dwelling(city, c, nominated: bool = False):
    """Generator: put forward, support need assessed, wait for an accepted offer; returns the
    department."""
    rec = city.rec
    if not nominated:
        rec.emit(c, "nominated")
        days = city.cfg.support.need_assessment_days
        yield city.env.timeout(city.dur(days, city.draw["need_assessment"]()))
        assess_need(city, c)
        rec.emit(c, "support_need_assessed")
    c.offer = city.env.event()
    city.allocation.queue.append(c)
    dept = yield c.offer
    c.offer = None
    return dept
