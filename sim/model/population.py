"""Who is homeless: the population at the start, the inflow of newly homeless citizens, and
those who leave by themselves (moved away, died, found housing on their own)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from sim.config import DAYS_PER_MONTH
from sim.config.steps import StepTable, backcast, step_days
from sim.engine.rng import choose, exp1
from sim.model import shelter, support
from sim.model.citizen import ARRIVAL_DRAWS, TYPE_STREAM, Citizen
from sim.model.support import assess_need
from sim.model.view import CityView

RESIDENTIAL_ROUTES = ("botilbud", "skaev_bolig")
ARRIVAL_STREAMS = tuple((source, f"arrival_{source}") for source in ARRIVAL_DRAWS)


def new_citizen(city: CityView, at_start: bool = False) -> Citizen:
    """A citizen with every arrival-time draw made now, in a fixed order (common random numbers);
    `at_start` for the citizens there when the run starts."""
    city.citizens += 1
    draw = city.draw
    u = {source: draw[stream]() for source, stream in ARRIVAL_STREAMS}
    c = Citizen(id=city.citizens, u=u)
    c.exit_budget = exp1(u.pop("self_exit"))
    homeless_type(city, c, at_start)
    household(city, c)
    return c


def homeless_type(city: CityView, c: Citizen, at_start: bool) -> None:
    """The citizen's type of homelessness, by the types' shares of the newly homeless (of the
    citizens there at the start, with `at_start`); no draw when there is one type."""
    types = city.cfg.homeless_types
    if len(types.kinds) > 1:
        shares = types.initial_shares if at_start else types.inflow_shares
        c.homeless_type = choose(shares, city.draw[TYPE_STREAM]())
    else:
        c.homeless_type = next(iter(types.kinds))
    c.kind = types.kinds[c.homeless_type]


def household(city: CityView, c: Citizen) -> None:
    """Household size, income group and support provider, drawn at arrival: what dwelling
    fits, what rent they can pay (transfer income plus housing benefit), who supports them."""
    housing = city.cfg.housing
    c.rooms_needed = 1 if c.u.pop("rooms_needed") < housing.rooms_needed_share.one else 2
    c.income_group = choose(housing.income_group_share, c.u.pop("income_group"))
    c.affordable_rent = getattr(housing.affordable_rent_dkk_per_month, c.income_group)
    private = c.u.pop("support_provider") < city.cfg.support.private_provider_share
    c.provider = "private" if private else "municipal"


def apportion(total: int, shares) -> dict[str, int]:
    """Split a count by shares, largest remainder first, so the parts sum to `total`."""
    exact = {k: total * v for k, v in shares.model_dump().items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def initial(city: CityView) -> None:
    """The population at the start: homeless in their stages (some in shelter beds), and the
    residents already in bostøtte, botilbud and skæv bolig."""
    cfg, rec = city.cfg, city.rec
    beds = round(city.pools["shelter_beds"].capacity * cfg.shelter.initial_occupancy_share)
    for stage, count in apportion(cfg.population.initial_homeless,
                                  cfg.population.initial_stage_share).items():
        for _ in range(count):
            c = new_citizen(city, at_start=True)
            rec.arrive(c, stage, "initial")
            uses_shelter = c.u["shelter_use"] < c.kind.shelter_user_share
            inside = uses_shelter and beds > 0
            beds -= inside
            if stage == "awaiting_housing":
                c.route = "own_home"
                assess_need(city, c)
            city.start_life(c, stage, inside)
    for _ in range(cfg.population.initial_housed_in_support):
        c = new_citizen(city, at_start=True)
        c.route = "own_home"
        assess_need(city, c)
        c.support_claim = support.claim(city, c)
        rec.arrive(c, "housed", "initial")
        city.start_life(c, "housed")
    for route in RESIDENTIAL_ROUTES:
        places = city.pools[f"{route}_places"]
        for _ in range(round(places.capacity * getattr(cfg, route).initial_occupancy_share)):
            c = new_citizen(city, at_start=True)
            c.route = route
            places.request()
            rec.arrive(c, f"in_{route}", "initial")
            city.start_life(c, f"in_{route}")


def inflow(city: CityView):
    """Process: newly homeless citizens arrive as a Poisson stream with a dated monthly rate,
    back-cast by the inflow's trend before its first step."""
    pop = city.cfg.population
    steps = backcast(pop.inflow_per_month, pop.inflow_trend_per_year, city.start)
    yield from poisson_arrivals(city, steps, DAYS_PER_MONTH,
                                "arrival", lambda: arrive_homeless(city))


def arrive_homeless(city: CityView) -> None:
    """A newly homeless citizen arrives and starts their path."""
    c = new_citizen(city)
    city.rec.arrive(c, "awaiting_assessment", "newly_homeless")
    city.start_life(c, "arrival")


def poisson_arrivals(city: CityView, steps, days_per_unit: float, stream: str,
                     arrive: Callable[[], None]):
    """Generator: a Poisson stream whose rate (per `days_per_unit` days) follows dated steps;
    `arrive()` at each arrival, until the rate is 0 for good.

    Each arrival spends one Exp(1) budget of cumulative intensity, carried across rate changes,
    so the same draws give the same arrival times wherever two scenarios' rates agree.
    """
    env = city.env
    table = StepTable(steps, city.start)
    changes = [day for day, _ in step_days(steps, city.start)] + [math.inf]
    while True:
        budget = city.dur(1.0, city.draw[stream]())
        t = env.now
        while True:
            rate = table.at(t) / days_per_unit
            change = next(day for day in changes if day > t)
            if rate > 0 and t + budget / rate <= change:
                t += budget / rate
                break
            if math.isinf(change):
                return  # no more arrivals
            budget -= rate * (change - t)
            t = change
        yield env.timeout(t - env.now)
        arrive()


def open_spell(city: CityView, c: Citizen) -> None:
    """A homeless spell begins: the citizen may leave by themselves until it closes, once the
    spell's share of the exit hazard is spent. A timer with a callback, not a process: most
    timers find the spell closed, and a process would cost two more events each."""
    c.spell += 1
    c.homeless_open = True
    c.spell_start = city.env.now
    rate = c.kind.self_exit_per_day  # the type's hazard
    if rate > 0:  # a tiny rate can underflow to 0
        timer = city.env.timeout((c.exit_budget - c.exit_hazard_used) / rate)
        timer.callbacks.append(partial(_exit_due, city, c, c.spell))


def _exit_due(city: CityView, c: Citizen, spell: int, _timer) -> None:
    """The exit timer fired: leave by themselves if that spell is still open."""
    if c.spell == spell and c.homeless_open:
        leave_by_themselves(city, c)


def close_spell(city: CityView, c: Citizen) -> None:
    """The spell ends in a dwelling or a place: keep the exit hazard spent so far."""
    c.homeless_open = False
    c.exit_hazard_used += c.kind.self_exit_per_day * (city.env.now - c.spell_start)


def leave_by_themselves(city: CityView, c: Citizen) -> None:
    """Withdraw the citizen from every queue and place, record the exit, stop their path."""
    c.homeless_open = False
    if c.claim is not None:
        pool, event, units = c.claim
        pool.cancel(event, units)
        c.claim = None
    city.allocation.withdraw(c)
    support.give_up_support(city, c)  # bostøtte reserved while waiting for a dwelling
    shelter.leave(city, c, "exit")
    reason = choose(city.cfg.population.self_exit_reason_share,
                    c.first("exit_reason", city.draw["exit_reason"]))
    city.rec.leave(c, reason)
    c.main.interrupt("left by themselves")
