"""Boligsocial anvisning (social housing allocation) under the running per-department quota.

Every housing department (afdeling) has its own stream of vacancies, each a dwelling of a size
with the department's rent for that size. The municipality may give at most a share of a
department's vacancies to social allocation, on a running basis:

    after a department's n-th vacancy, its social allocations are at most floor(n × quota_share).

Floor, not ceiling, because "at most every third vacant dwelling" must hold at every prefix: with
floor, social / n never exceeds the share, and the first social vacancy of a 1-in-3 department is
its third. Unused rights carry forward within the department (the count is cumulative).
Shielded departments have their own, lower share (0 by default).

A vacancy the municipality may take is offered down the queue of citizens put forward
(indstillet), in order, to the first whose household it fits and who can pay the rent — from
their income, or with a rent subsidy (udslusningsbolig or the temporary state subsidy) while the
scheme has dwellings left this year. Where the scenario requires it, bostøtte capacity must be
free for that citizen, or the dwelling is let ordinarily. A citizen may refuse; under the reform a
refusal may take them off the list for a while. Every vacancy is written to `vacancies`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque

from sim import support
from sim.capacity import value_at
from sim.population import close_spell
from sim.subsidy import NO_SCHEME, SCHEMES

QUOTA_EPS = 1e-9


class Allocation:
    """The housing departments, their vacancies, the subsidy schemes and the queue."""

    def __init__(self, city) -> None:
        self.city = city
        self.cfg = city.cfg.allocation
        shielded = set(self.cfg.shielded_departments)
        self.departments = city.cfg.housing.departments
        self.share = {d.department: self.cfg.shielded_quota_share if d.department in shielded
                      else self.cfg.quota_share for d in self.departments}
        self.seen = dict.fromkeys(self.share, 0)
        self.given = dict.fromkeys(self.share, 0)
        self.subsidised: dict[tuple[str, int], int] = {}  # (scheme, year) -> dwellings used
        self.queue: deque = deque()

    def start(self) -> None:
        for dept in self.departments:
            self.city.env.process(self.vacancies(dept))

    def vacancies(self, dept):
        """Process: this department's vacancies, a Poisson stream with sizes from its mix."""
        city = self.city
        yearly = dept.dwellings * dept.turnover_per_year_share
        if yearly <= 0:
            return
        when = city.draw[f"vacancy_time_{dept.department}"]
        size = city.draw[f"vacancy_rooms_{dept.department}"]
        mix = (dept.rooms_1_share, dept.rooms_2_share, dept.rooms_3_share)
        while True:
            yield city.env.timeout(city.dur(365.0 / yearly, when()))
            self.let(dept, _rooms(mix, size()))

    def may_allocate(self, dept_id: int) -> bool:
        """The running quota: one more social allocation keeps it within floor(n × share)."""
        allowed = math.floor(self.seen[dept_id] * self.share[dept_id] + QUOTA_EPS)
        return self.given[dept_id] < allowed

    def let(self, dept, rooms: int) -> None:
        """One vacancy: offer it through social allocation if the quota allows, else ordinary."""
        key = dept.department
        self.seen[key] += 1
        rent = dept.rent(rooms)
        taker, scheme = None, NO_SCHEME
        if self.queue and self.may_allocate(key):
            taker, scheme = self.offer(key, rooms, rent)
        if taker is not None:
            self.given[key] += 1
        self.city.rec.vacancy(key, self.share[key], "social" if taker else "ordinary",
                              taker.id if taker else None, rooms, rent, scheme)

    def open_schemes(self) -> list[tuple[str, float]]:
        """(scheme, largest monthly subsidy) for the schemes with a dwelling left this year."""
        city, year = self.city, self.year()
        out = []
        for name in SCHEMES:
            scheme = getattr(city.cfg.subsidy, name)
            per_year = value_at(scheme.dwellings_per_year, city.env.now, city.start)
            if per_year - self.subsidised.get((name, year), 0) >= 1:
                out.append((name, scheme.max_dkk_per_month))
        return out

    def year(self) -> int:
        return (self.city.start + dt.timedelta(days=int(self.city.env.now))).year

    def offer(self, dept: int, rooms: int, rent: float):
        """Offer the dwelling down the queue; return (citizen who accepts, scheme) or (None, …)."""
        city, cfg = self.city, self.cfg
        asked = 0
        schemes = self.open_schemes()
        extra = city.cfg.housing.extra_rooms_accepted
        for c in list(self.queue):
            if not c.rooms_needed <= rooms <= c.rooms_needed + extra:
                continue  # the dwelling does not fit the household
            terms = _terms(rent - c.affordable_rent, schemes)
            if terms is None:
                continue
            if cfg.require_support_capacity and not support.can_start(city, c):
                return None, NO_SCHEME  # nobody who fits overtakes the first who fits
            scheme, subsidy = terms
            asked += 1
            city.rec.emit(c, "offer", dept=dept, rent=rent, scheme=scheme)
            if city.draw["offer_refusal"]() < cfg.offer_refusal_share:
                self.refused(c, dept)
                if asked == cfg.offers_per_vacancy_max:
                    return None, NO_SCHEME
                continue
            self.accept(c, dept, rent, scheme, subsidy)
            return c, scheme
        return None, NO_SCHEME

    def refused(self, c, dept: int) -> None:
        """A refusal; under the reform rule it may take the citizen off the list for a while."""
        city = self.city
        city.rec.emit(c, "offer_refused", dept=dept)
        if city.draw["refusal_removal"]() < self.cfg.refusal_removal_share:
            self.queue.remove(c)
            city.rec.emit(c, "removed_from_list", reason="refused_offer")
            city.env.process(self.back_on_list(c, c.spell))

    def back_on_list(self, c, spell: int):
        """Process: after the removal period the citizen is put back at the end of the queue."""
        yield self.city.env.timeout(self.cfg.removal_days)
        if c.spell == spell and c.homeless_open and c.stage == "awaiting_housing":
            self.queue.append(c)
            self.city.rec.emit(c, "returned_to_list")

    def accept(self, c, dept: int, rent: float, scheme: str, subsidy: float) -> None:
        """The citizen takes the dwelling: leaves the queue, bostøtte is reserved, the subsidy
        scheme (if any) counts one dwelling for this year."""
        city = self.city
        self.queue.remove(c)
        close_spell(city, c)
        if scheme != NO_SCHEME:
            key = (scheme, self.year())
            self.subsidised[key] = self.subsidised.get(key, 0) + 1
        c.dwelling = (dept, rent, scheme, subsidy)
        c.support_claim = support.claim(city, c)
        city.rec.move(c, "moving_in")
        city.rec.emit(c, "offer_accepted", dept=dept, rent=rent, scheme=scheme, subsidy=subsidy)
        c.offer.succeed(dept)

    def withdraw(self, c) -> None:
        """Take a citizen off the queue (they left the system)."""
        if c in self.queue:
            self.queue.remove(c)


def _rooms(mix: tuple[float, float, float], u: float) -> int:
    total = 0.0
    for rooms, share in enumerate(mix, start=1):
        total += share
        if u < total:
            return rooms
    return len(mix)


def _terms(gap: float, schemes: list[tuple[str, float]]) -> tuple[str, float] | None:
    """(scheme, monthly subsidy) on which a citizen short of `gap` DKK a month can pay, or None."""
    if gap <= 0:
        return NO_SCHEME, 0.0
    for name, largest in schemes:
        if gap <= largest:
            return name, gap
    return None


def await_dwelling(city, c, nominated: bool = False):
    """Generator: put forward, support need assessed, wait for an accepted offer; returns the
    department."""
    rec = city.rec
    if not nominated:
        rec.emit(c, "nominated")
        days = city.cfg.support.need_assessment_days
        yield city.env.timeout(city.dur(days, city.draw["need_assessment"]()))
        support.assess_need(city, c)
        rec.emit(c, "support_need_assessed")
    c.offer = city.env.event()
    city.allocation.queue.append(c)
    dept = yield c.offer
    c.offer = None
    return dept

