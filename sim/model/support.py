"""Bostøtte (Housing First floating support) and the tenancy it protects.

Support workers carry a weighted caseload (`caseload_units_per_worker`; a citizen counts
`caseload_weight[tier]`). Support capacity is claimed when a dwelling is accepted (or, under the
`forecast` support rule, when the citizen is put forward); where it cannot start at once the
citizen moves in and waits for it (the `waiting_list` rule). Some citizens decline support;
motivation work re-engages a share of them after a while. Support lasts a duration by tier.
Throughout, the tenancy runs a loss hazard that depends on tier and on whether support is
running. A housed citizen may die or move away (`tenancy.death_per_year`, `move_away_per_year`):
their path stops and their claims are given up.

Motivation work ("more meetings and more contact between the support worker and the citizen")
takes staff time when `motivation_caseload_units` > 0: from the decline, a support worker's
caseload units are requested in the same first-come queue as support itself, and held while the
work runs, for `reengage_days_mean` (on average) or, for a citizen it will not re-engage, at most
for the time support would have lasted. The rule: the chance of re-engaging is `reengage_share`
times the share of that period the work actually ran — no support capacity free, no work, no
re-engagement; a worker free halfway, half the chance (one uniform decides, so full capacity
gives the chance `reengage_share`). While it runs the unsupported loss hazard is
multiplied by `motivation_hazard_factor`. A private provider's citizen is motivated by the
provider: no municipal units, the work always runs. With 0 units and factor 1 none of this
happens and a decliner is re-engaged by `reengage_share` alone.
"""

from __future__ import annotations

from functools import partial

import simpy

from sim.engine.rng import choose, exp1
from sim.model import move_in, subsidy
from sim.model.citizen import Citizen
from sim.model.tenancy import Tenancy
from sim.model.view import CityView


def can_start(city: CityView, c: Citizen) -> bool:
    """Whether bostøtte for this citizen could start now: a private provider always can;
    municipal support needs the citizen's caseload units free."""
    if c.provider == "private":
        return True
    return city.pools["support_workers"].free() >= city.caseload_weight(c.tier) - 1e-9


def claim(city: CityView, c: Citizen) -> tuple[float, object]:
    """Reserve bostøtte: municipal caseload units (granted now or queued), or nothing for a
    private provider (an event that has already fired)."""
    if c.provider == "private":
        return 0.0, city.env.event().succeed()
    units = city.caseload_weight(c.tier)
    return units, city.pools["support_workers"].request(units)


def assess_need(city: CityView, c: Citizen) -> None:
    """The individual assessment of support need: sets the citizen's need tier, by the tier
    shares of their type of homelessness (`population.types`, else `support.tier_share`)."""
    c.tier = choose(c.kind.tier_share, c.first("need_tier", city.draw["need_tier"]))


def housed(city: CityView, c: Citizen, in_support_at_start: bool = False):
    """Generator: support and tenancy after moving in; returns True when the tenancy is lost,
    False when the citizen died or moved away while housed (`leave_home`)."""
    may_leave(city, c)
    try:
        return (yield from _housed(city, c, in_support_at_start))
    except simpy.Interrupt as left:
        give_up_support(city, c)
        city.rec.leave(c, left.cause)
        return False


def may_leave(city: CityView, c: Citizen) -> None:
    """Time this housed spell's end by death or moving away (`tenancy.death_per_year`,
    `move_away_per_year`): a timer with a callback, as for the homeless leaving by themselves."""
    rate = (city.cfg.tenancy.death_per_year + city.cfg.tenancy.move_away_per_year) / 365.0
    if rate > 0.0:
        days = exp1(c.first("housed_exit", city.draw["housed_exit"])) / rate
        timer = city.env.timeout(days)
        timer.callbacks.append(partial(_leave_due, city, c, c.spell))


def _leave_due(city: CityView, c: Citizen, spell: int, _timer) -> None:
    """The housed spell's end by death or moving away is due: leave if still in that home."""
    if c.spell == spell and c.stage == "housed":
        leave_home(city, c)


def leave_home(city: CityView, c: Citizen) -> None:
    """A housed citizen dies or moves away: their path stops (`housed` ends their bostøtte and
    records the exit with this reason)."""
    cfg = city.cfg.tenancy
    died = city.draw["housed_exit_reason"]() * (cfg.death_per_year + cfg.move_away_per_year) \
        < cfg.death_per_year
    c.main.interrupt("died_housed" if died else "moved_away_housed")


def _housed(city: CityView, c: Citizen, in_support_at_start: bool):
    """Generator: `housed` until the tenancy is lost."""
    cfg, loss = city.cfg.support, city.cfg.tenancy
    rec, tier = city.rec, c.tier
    unsupported = getattr(loss.loss_per_year_unsupported, tier)
    tenancy = Tenancy(city.env, c.first("tenancy", city.draw["tenancy"]))
    if not in_support_at_start:
        move_in.follow_up(city, c, tenancy)  # the fastholdelse visit
    tenancy.scale(*subsidy.begin(city, c))
    may_decline = not in_support_at_start
    motivates = cfg.motivation_caseload_units > 0.0 or cfg.motivation_hazard_factor != 1.0
    while True:
        if not (yield from tenancy.hold(c.support_claim[1], unsupported)):
            return lose(city, c)
        declines = c.first("support_decline", city.draw["support_decline"]) < cfg.decline_share
        if not (may_decline and declines):
            break
        give_up_support(city, c)
        rec.emit(c, "support_declined")
        u = city.draw["reengage"]()
        if motivates:
            kept, alone = yield from motivation(city, c, tenancy, unsupported, u)
            if not kept:
                return lose(city, c)
            if alone is not None:
                return (yield from unsupported_then_after(city, c, tenancy, alone))
        elif u >= cfg.reengage_share:
            # lives without support for the time support would have lasted
            alone = city.dur(getattr(cfg.support_days_mean, tier), city.draw["support_duration"]())
            return (yield from unsupported_then_after(city, c, tenancy, alone))
        else:
            wait = city.dur(cfg.reengage_days_mean, city.draw["reengage_delay"]())
            if not (yield from tenancy.hold(city.env.timeout(wait), unsupported)):
                return lose(city, c)
        c.support_claim = claim(city, c)
        may_decline = False
    mean = getattr(cfg.support_days_mean, tier)
    u = c.first("support_duration", city.draw["support_duration"])
    length = city.dur.residual(mean, u) if in_support_at_start else city.dur(mean, u)
    rec.emit(c, "support_start", reason=c.provider)
    done = city.env.timeout(length)
    try:
        kept = yield from tenancy.hold(done, getattr(loss.loss_per_year_supported, tier))
    except simpy.Interrupt:  # died or moved away in support: the course ends with them
        rec.emit(c, "support_end", reason="exit")
        raise
    give_up_support(city, c)
    rec.emit(c, "support_end", reason="completed" if kept else "tenancy_lost")
    if not kept:
        return lose(city, c)
    return (yield from after_support(city, c, tenancy))


def motivation(city: CityView, c: Citizen, tenancy: Tenancy, unsupported: float, u: float):
    """Generator: motivation work for a citizen who declined support (the module's rule);
    `u` is their re-engagement uniform. Returns (kept the home, days still to live without
    support after it, or None if re-engaged)."""
    cfg = city.cfg.support
    work = city.dur(cfg.reengage_days_mean, city.draw["reengage_delay"]())
    if u >= cfg.reengage_share:  # will not re-engage: worked on while support would have run
        alone = city.dur(getattr(cfg.support_days_mean, c.tier), city.draw["support_duration"]())
        work = min(work, alone)
    kept, ran = yield from motivation_work(city, c, tenancy, unsupported, work)
    if not kept or u < cfg.reengage_share * ran:
        return kept, None
    if u < cfg.reengage_share:  # would have re-engaged, but the work did not run enough
        alone = city.dur(getattr(cfg.support_days_mean, c.tier), city.draw["support_duration"]())
    return True, max(0.0, alone - work)


def motivation_work(city: CityView, c: Citizen, tenancy: Tenancy, unsupported: float,
                    days: float):
    """Generator: `days` of living without support while motivation work is asked for, waited
    for and done. Returns (kept the home, share of the days the work ran). However it ends —
    done, withdrawn, or the citizen died or moved away (an interrupt) — the units are released
    or the request withdrawn."""
    cfg = city.cfg.support
    units = cfg.motivation_caseload_units if c.provider == "municipal" else 0.0
    workers = city.pools["support_workers"]
    request = workers.request(units) if units > 0.0 else None
    try:
        kept, ran = yield from _motivation_runs(city, tenancy, unsupported, days, request)
    except simpy.Interrupt:
        if request is not None:
            workers.cancel(request, units)
        raise
    if request is not None:
        workers.cancel(request, units)
    return kept, ran


def _motivation_runs(city: CityView, tenancy: Tenancy, unsupported: float, days: float,
                     request):
    """Generator: wait for the work's units (if asked for), then the work; returns (kept the
    home, share of the days the work ran)."""
    env, factor = city.env, city.cfg.support.motivation_hazard_factor
    asked = env.now
    done = env.timeout(days)
    if request is not None and not request.triggered:
        # no capacity free: the work waits, and the citizen with it
        kept = yield from tenancy.hold(request | done, unsupported)
        if not (kept and request.triggered):
            return kept, 0.0
    began = env.now
    kept = yield from tenancy.hold(done, unsupported * factor)
    return kept, 1.0 - (began - asked) / days if days > 0.0 else 1.0


def unsupported_then_after(city: CityView, c: Citizen, tenancy: Tenancy, days: float):
    """Generator: `days` without support, then the tenancy after support, until lost."""
    unsupported = getattr(city.cfg.tenancy.loss_per_year_unsupported, c.tier)
    if not (yield from tenancy.hold(city.env.timeout(days), unsupported)):
        return lose(city, c)
    return (yield from after_support(city, c, tenancy))


def after_support(city: CityView, c: Citizen, tenancy):
    """Generator: the tenancy after support, at the lower after-support hazard, until lost."""
    yield from tenancy.hold(None, getattr(city.cfg.tenancy.loss_per_year_after_support, c.tier))
    return lose(city, c)


def give_up_support(city: CityView, c: Citizen) -> None:
    """Release the citizen's bostøtte: caseload units held, or a place in the queue for them."""
    if c.support_claim is not None:
        units, event = c.support_claim
        if units > 0:
            city.pools["support_workers"].cancel(event, units)
        c.support_claim = None


def lose(city: CityView, c: Citizen) -> bool:
    """The home is lost: any support claim is given up and the citizen is homeless again."""
    give_up_support(city, c)
    city.rec.move(c, "awaiting_assessment")
    city.rec.emit(c, "tenancy_lost")
    return True
