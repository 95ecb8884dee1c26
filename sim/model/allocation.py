"""Boligsocial anvisning (social housing allocation) under the running per-department quota.

Every housing department (afdeling) has its own stream of vacancies, each a dwelling of a size
with the department's rent for that size. The municipality may give at most a share of a
department's vacancies to social allocation; the scenario's `quota_rule` says how the share is
counted (by default on a running basis: after a department's n-th vacancy, its social lets are at
most floor(n × quota_share)). Shielded departments have their own, lower share (0 by default).

A vacancy the municipality may take is offered down the queue of citizens put forward
(indstillet), in the scenario's `queue_order`, to the first whose household it fits and who can
pay the rent — from their income, or with a rent subsidy (udslusningsbolig or the temporary state
subsidy) while the scheme has dwellings left this year. The scenario's `support_rule` says
whether that citizen may take it now (under the reform, only if bostøtte can start), or the
dwelling is let ordinarily. A citizen may refuse; under the reform a refusal may take them off
the list for a while. Every vacancy is written to `vacancies`. The policies are named functions
in `sim.model.policies`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from sim.config import NO_SCHEME, SCHEMES
from sim.config.steps import StepTable
from sim.model import support
from sim.model.citizen import Citizen
from sim.model.policies import QUEUE_ORDERS, QUOTA_RULES, SUPPORT_RULES, QueueOrder
from sim.model.population import close_spell
from sim.model.view import CityView


class Nominated:
    """The queue of citizens put forward, kept in groups of citizens who can take the same
    dwellings (rooms needed, rent they can pay), each in the order put forward, so that a
    vacancy looks only at the groups it could go to."""

    def __init__(self, order: QueueOrder) -> None:
        self.order = order
        # a dict per group, citizen → None: in the order put forward, and removal and lookup
        # take constant time however long the queue (a deque's took time in its length)
        self.groups: dict[tuple[int, float], dict] = {}
        self._order = itertools.count()

    def append(self, c: Citizen) -> None:
        c.queue_order = next(self._order)
        self.groups.setdefault((c.rooms_needed, c.affordable_rent), {})[c] = None

    def remove(self, c: Citizen) -> None:
        del self.groups[(c.rooms_needed, c.affordable_rent)][c]

    def __contains__(self, c: Citizen) -> bool:
        return c in self.groups.get((c.rooms_needed, c.affordable_rent), ())

    def __bool__(self) -> bool:
        return any(self.groups.values())

    def in_order(self, keep) -> Iterator:
        """Citizens of the groups for which keep(rooms_needed, affordable_rent) holds, in the
        queue order."""
        return self.order([group for key, group in self.groups.items() if group and keep(*key)])


class Allocation:
    """The housing departments, their vacancies, the subsidy schemes and the queue."""

    def __init__(self, city: CityView) -> None:
        self.city = city
        self.cfg = city.cfg.allocation
        self.quota_rule = QUOTA_RULES[self.cfg.quota_rule]
        self.support_rule = SUPPORT_RULES[self.cfg.support_rule]
        shielded = set(self.cfg.shielded_departments)
        self.departments = city.cfg.housing.departments
        self.share = {d.department: self.cfg.shielded_quota_share if d.department in shielded
                      else self.cfg.quota_share for d in self.departments}
        self.seen = dict.fromkeys(self.share, 0)
        self.given = dict.fromkeys(self.share, 0)
        self.subsidised: dict[tuple[str, int], int] = {}  # (scheme, year) -> dwellings used
        self.schemes = []  # (scheme, its dwellings per year, its largest monthly subsidy)
        for name in SCHEMES:
            scheme = getattr(city.cfg.subsidy, name)
            self.schemes.append((name, StepTable(scheme.dwellings_per_year, city.start),
                                 scheme.max_dkk_per_month))
        self._year = (0, 0, 0)  # a year's first day, the next year's first day, the year
        self._open: tuple[int, list] = (-1, [])  # (day, its open schemes) until one is used
        self.queue = Nominated(QUEUE_ORDERS[self.cfg.queue_order])

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
        """The quota rule: whether one more social let keeps the department within its share."""
        return self.quota_rule(self.seen[dept_id], self.given[dept_id], self.share[dept_id])

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
        """(scheme, largest monthly subsidy) for the schemes with a dwelling left this year.
        Kept for the day (steps and years start on a day) until a scheme is used: a day has
        a dozen vacancies."""
        day = int(self.city.env.now)
        if self._open[0] != day:
            year = self.year()
            self._open = (day, [(name, largest) for name, per_year, largest in self.schemes
                                if per_year.at(day) - self.subsidised.get((name, year), 0) >= 1])
        return self._open[1]

    def year(self) -> int:
        """The calendar year of the current day (kept while the day is in it: this runs for
        every vacancy)."""
        day = int(self.city.env.now)
        first, following, year = self._year
        if not first <= day < following:
            start = self.city.start
            year = (start + dt.timedelta(days=day)).year
            self._year = ((dt.date(year, 1, 1) - start).days,
                          (dt.date(year + 1, 1, 1) - start).days, year)
        return year

    def offer(self, dept: int, rooms: int, rent: float):
        """Offer the dwelling down the queue; return (citizen who accepts, scheme) or (None, …)."""
        city, cfg = self.city, self.cfg
        schemes = self.open_schemes()
        extra = city.cfg.housing.extra_rooms_accepted

        def can_take(needed: int, affordable: float) -> bool:
            fits = needed <= rooms <= needed + extra
            return fits and _terms(rent - affordable, schemes) is not None

        removed, taker = [], None
        for asked, c in enumerate(self.queue.in_order(can_take), start=1):
            if not self.support_rule(city, c):
                break  # nobody who fits overtakes the first who fits
            scheme, subsidy = _terms(rent - c.affordable_rent, schemes)
            city.rec.emit(c, "offer", dept=dept, rent=rent, scheme=scheme)
            if city.draw["offer_refusal"]() >= cfg.offer_refusal_share:
                taker = c
                break
            if self.refused(c, dept):
                removed.append(c)
            if asked == cfg.offers_per_vacancy_max:
                break
        for c in removed:  # the queue changes only once the offers are done
            self.take_off_list(c)
        if taker is None:
            return None, NO_SCHEME
        self.accept(taker, dept, rent, scheme, subsidy)
        return taker, scheme

    def refused(self, c: Citizen, dept: int) -> bool:
        """A refusal; under the reform rule it may take the citizen off the list for a while
        (returns whether it does)."""
        city = self.city
        city.rec.emit(c, "offer_refused", dept=dept)
        if city.draw["refusal_removal"]() >= self.cfg.refusal_removal_share:
            return False
        city.rec.emit(c, "removed_from_list", reason="refused_offer")
        return True

    def take_off_list(self, c: Citizen) -> None:
        """Remove a refuser from the queue until the removal period is over."""
        self.queue.remove(c)
        self.city.env.process(self.back_on_list(c, c.spell))

    def back_on_list(self, c: Citizen, spell: int):
        """Process: after the removal period the citizen is put back at the end of the queue."""
        yield self.city.env.timeout(self.cfg.removal_days)
        if c.spell == spell and c.homeless_open and c.stage == "awaiting_housing":
            self.queue.append(c)
            self.city.rec.emit(c, "returned_to_list")

    def accept(self, c: Citizen, dept: int, rent: float, scheme: str, subsidy: float) -> None:
        """The citizen takes the dwelling: leaves the queue, bostøtte is reserved, the subsidy
        scheme (if any) counts one dwelling for this year."""
        city = self.city
        self.queue.remove(c)
        close_spell(city, c)
        if scheme != NO_SCHEME:
            key = (scheme, self.year())
            self.subsidised[key] = self.subsidised.get(key, 0) + 1
            self._open = (-1, [])
        c.dwelling = (dept, rent, scheme, subsidy)
        c.support_claim = support.claim(city, c)
        city.rec.move(c, "moving_in")
        city.rec.emit(c, "offer_accepted", dept=dept, rent=rent, scheme=scheme, subsidy=subsidy)
        c.offer.succeed(dept)

    def withdraw(self, c: Citizen) -> None:
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


def await_dwelling(city: CityView, c: Citizen, nominated: bool = False):
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

