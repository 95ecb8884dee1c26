"""Bostøtte (Housing First floating support) and the tenancy it protects.

Support workers carry a weighted caseload (`caseload_units_per_worker`; a citizen counts
`caseload_weight[tier]`). Support capacity is reserved when a dwelling is accepted; if none is
free the citizen moves in and waits for it. Some citizens decline support; motivation work
re-engages a share of them after a while. Support lasts a duration by tier. Throughout, the
tenancy runs a loss hazard that depends on tier and on whether support is running.
"""

from __future__ import annotations

from sim.engine.rng import choose
from sim.model import subsidy
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
    """The individual assessment of support need: sets the citizen's need tier."""
    c.tier = choose(city.cfg.support.tier_share, c.first("need_tier", city.draw["need_tier"]))


def housed(city: CityView, c: Citizen, in_support_at_start: bool = False):
    """Generator: support and tenancy after moving in; returns when the tenancy is lost."""
    cfg, loss = city.cfg.support, city.cfg.tenancy
    rec, tier = city.rec, c.tier
    unsupported = getattr(loss.loss_per_year_unsupported, tier)
    tenancy = Tenancy(city.env, c.first("tenancy", city.draw["tenancy"]), *subsidy.begin(city, c))
    may_decline = not in_support_at_start
    while True:
        if not (yield from tenancy.hold(c.support_claim[1], unsupported)):
            return lose(city, c)
        declines = c.first("support_decline", city.draw["support_decline"]) < cfg.decline_share
        if not (may_decline and declines):
            break
        give_up_support(city, c)
        rec.emit(c, "support_declined")
        if city.draw["reengage"]() >= cfg.reengage_share:
            # lives without support for the time support would have lasted
            mean = getattr(cfg.support_days_mean, tier)
            alone = city.env.timeout(city.dur(mean, city.draw["support_duration"]()))
            if not (yield from tenancy.hold(alone, unsupported)):
                return lose(city, c)
            return (yield from after_support(city, c, tenancy))
        wait = city.env.timeout(city.dur(cfg.reengage_days_mean, city.draw["reengage_delay"]()))
        if not (yield from tenancy.hold(wait, unsupported)):
            return lose(city, c)
        c.support_claim = claim(city, c)
        may_decline = False
    mean = getattr(cfg.support_days_mean, tier)
    u = c.first("support_duration", city.draw["support_duration"])
    length = city.dur.residual(mean, u) if in_support_at_start else city.dur(mean, u)
    rec.emit(c, "support_start", reason=c.provider)
    done = city.env.timeout(length)
    kept = yield from tenancy.hold(done, getattr(loss.loss_per_year_supported, tier))
    give_up_support(city, c)
    rec.emit(c, "support_end", reason="completed" if kept else "tenancy_lost")
    if not kept:
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
