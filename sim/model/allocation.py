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
whether that citizen may take it now (under the reform gate, only if bostøtte can start), or the
dwelling is let ordinarily, or whether support was reserved before they were put forward. A
citizen may refuse; under the reform a refusal may take them off the list for a while. Every
vacancy is written to `vacancies`. The policies are named functions in `sim.model.policies`.

A run that starts before the rules it models carries them as dated policies: until
`agreement_start` every department not shielded gives `quota_share_before_agreement` (the
law's share), and on that day the agreement's share comes in and every running count starts
again (shielded departments are shielded throughout); until `support_rule_start` the support
rule is `support_rule_before`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator

from sim.config import DAYS_PER_YEAR, NO_SCHEME, SCHEMES
from sim.config.steps import StepTable
from sim.model import support
from sim.model.citizen import Citizen
from sim.model.policies import (
    HOMELESS,
    OTHERS,
    PRIORITIES,
    QUEUE_ORDERS,
    QUOTA_RULES,
    SUPPORT_RULES,
    UNUSED_RIGHTS,
    QueueOrder,
    QuotaCount,
)
from sim.model.population import close_spell, poisson_arrivals
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
        self.unused_rights = UNUSED_RIGHTS[self.cfg.unused_rights]
        self.priority = PRIORITIES[self.cfg.priority]
        self.departments = city.cfg.housing.departments
        shielded = set(self.cfg.shielded_departments)
        self.agreement = self.shares(shielded, self.cfg.quota_share)
        self.support_rule = SUPPORT_RULES[self.cfg.support_rule]
        self.share = self.agreement
        self.counts = {dept: QuotaCount() for dept in self.share}
        self.dated: list[tuple[float, Callable[[], None]]] = []  # (day, the rule it brings in)
        if self._before(self.cfg.agreement_start):
            self.share = self.shares(shielded, self.cfg.quota_share_before_agreement)
            self.dated.append((self._day(self.cfg.agreement_start), self.agreement_starts))
        if self._before(self.cfg.support_rule_start):
            self.support_rule = SUPPORT_RULES[self.cfg.support_rule_before]
            self.dated.append((self._day(self.cfg.support_rule_start), self.support_rule_starts))
        self.others_waiting = 0  # other households the municipality houses, put forward
        self.subsidised: dict[tuple[str, int], int] = {}  # (scheme, year) -> dwellings used
        self.schemes = []  # (scheme, its dwellings per year, its largest monthly subsidy)
        for name in SCHEMES:
            scheme = getattr(city.cfg.subsidy, name)
            self.schemes.append((name, StepTable(scheme.dwellings_per_year, city.start),
                                 scheme.max_dkk_per_month))
        self._year = (0, 0, 0)  # a year's first day, the next year's first day, the year
        self._open: tuple[int, list] = (-1, [])  # (day, its open schemes) until one is used
        self.queue = Nominated(QUEUE_ORDERS[self.cfg.queue_order])

    def shares(self, shielded: set[int], share: float) -> dict[int, float]:
        """Each department's quota share: `share`, or the shielded share where shielded."""
        return {d.department: self.cfg.shielded_quota_share if d.department in shielded
                else share for d in self.departments}

    def _day(self, date: dt.date) -> float:
        return float((date - self.city.start).days)

    def _before(self, date: dt.date | None) -> bool:
        """Whether the run starts before a dated rule comes in."""
        return date is not None and self._day(date) > 0

    def agreement_starts(self) -> None:
        """The allocation agreement comes in: its share, and a new running count in every
        department (rights under the old rules do not carry over)."""
        self.share = self.agreement
        self.counts = {dept: QuotaCount() for dept in self.share}

    def support_rule_starts(self) -> None:
        self.support_rule = SUPPORT_RULES[self.cfg.support_rule]

    def start(self) -> None:
        for day, comes_in in self.dated:
            self.city.env.process(self.on_day(day, comes_in))
        for dept in self.departments:
            self.city.env.process(self.vacancies(dept))
        if any(step.value > 0 for step in self.cfg.other_households_per_year):
            self.city.env.process(self.other_households())

    def on_day(self, day: float, comes_in: Callable[[], None]):
        """Process: a dated rule comes in on its day."""
        yield self.city.env.timeout(day)
        comes_in()

    def other_households(self):
        """Process: other households the municipality houses through boligsocial anvisning
        (refugees, people leaving prison or hospital, families) are put forward as a Poisson
        stream with a dated yearly rate; they wait for a social let of their own."""
        yield from poisson_arrivals(self.city, self.cfg.other_households_per_year, DAYS_PER_YEAR,
                                    "other_household_arrival", self.put_forward_other)

    def put_forward_other(self) -> None:
        self.others_waiting += 1

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

    def let(self, dept, rooms: int) -> None:
        """One vacancy: the municipal right, if the quota allows, goes to a homeless citizen
        or another household in the order the priority policy says; else it is let ordinarily.
        The vacancy says why (`reason`) it did not go to a homeless citizen who fits: the quota,
        the support rule or refusals (also when another household took it instead)."""
        key, share = dept.department, self.share[dept.department]
        count = self.counts[key]
        self.unused_rights(count, share, self.year())
        count.seen += 1
        rent = dept.rent(rooms)
        if not self.quota_rule(count.seen, count.given, share):
            reason = "quota" if self.anyone_fits(rooms, rent) else "nobody_fits"
            self.city.rec.vacancy(key, share, "ordinary", None, rooms, rent, NO_SCHEME, reason)
            return
        taker, scheme, reason = None, NO_SCHEME, "nobody_fits"
        for claimant in self.priority(self):
            if claimant == OTHERS and self.others_waiting:
                self.others_waiting -= 1
                count.given += 1
                # why the homeless queue, asked first, did not take it (support, refusals)
                passed = None if reason == "nobody_fits" else reason
                self.city.rec.vacancy(key, share, "social_other", None, rooms, rent, NO_SCHEME,
                                      passed)
                return
            if claimant == HOMELESS and self.queue:
                taker, scheme, reason = self.offer(key, rooms, rent)
                if taker is not None:
                    count.given += 1
                    self.city.rec.vacancy(key, share, "social", taker.id, rooms, rent, scheme)
                    return
        self.city.rec.vacancy(key, share, "ordinary", None, rooms, rent, NO_SCHEME, reason)

    def anyone_fits(self, rooms: int, rent: float) -> bool:
        """Whether a homeless citizen put forward could take this dwelling (size and rent)."""
        if not self.queue:
            return False
        fits = self.fitting(rooms, rent, self.open_schemes())
        return next(self.queue.in_order(fits), None) is not None

    def fitting(self, rooms: int, rent: float, schemes: list[tuple[str, float]]):
        """Whether a household of (rooms needed, rent it can pay) can take the dwelling: it fits
        and the rent is within reach, with a subsidy scheme if one is open."""
        extra = self.city.cfg.housing.extra_rooms_accepted

        def can_take(needed: int, affordable: float) -> bool:
            fits = needed <= rooms <= needed + extra
            return fits and _terms(rent - affordable, schemes) is not None
        return can_take

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
        """Offer the dwelling down the queue; return (citizen who accepts, scheme, None), or
        (None, none, why not): nobody fits, the support rule stopped it, or all refused."""
        city, cfg = self.city, self.cfg
        schemes = self.open_schemes()
        removed, taker, reason = [], None, "nobody_fits"
        for asked, c in enumerate(self.queue.in_order(self.fitting(rooms, rent, schemes)),
                                  start=1):
            if not self.support_rule.may_take(city, c):
                reason = "support"
                break  # nobody who fits overtakes the first who fits
            scheme, subsidy = _terms(rent - c.affordable_rent, schemes)
            city.rec.emit(c, "offer", dept=dept, rent=rent, scheme=scheme)
            if city.draw["offer_refusal"]() >= cfg.offer_refusal_share:
                taker = c
                break
            reason = "refused"
            if self.refused(c, dept):
                removed.append(c)
            if asked == cfg.offers_per_vacancy_max:
                break
        for c in removed:  # the queue changes only once the offers are done
            self.take_off_list(c)
        if taker is None:
            return None, NO_SCHEME, reason
        self.accept(taker, dept, rent, scheme, subsidy)
        return taker, scheme, None

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
        if c.support_claim is None:  # reserved already where support was forecast
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
    if city.allocation.support_rule.reserves_at_nomination:
        c.support_claim = support.claim(city, c)
        yield c.support_claim[1]
        rec.emit(c, "support_reserved")
    c.offer = city.env.event()
    city.allocation.queue.append(c)
    dept = yield c.offer
    c.offer = None
    return dept

