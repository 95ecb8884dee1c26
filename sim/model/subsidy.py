"""Rent subsidies: udslusningsbolig (exit dwelling, municipal subsidy) and the temporary state
rent subsidy. They let a citizen take a dwelling dearer than they can pay; when the subsidy ends
the citizen either can pay and takes the dwelling over on ordinary terms — more likely with the
coordinated social and employment follow-up — or carries a higher hazard of losing it."""

from __future__ import annotations

from sim.config import DAYS_PER_MONTH, NO_SCHEME
from sim.model.citizen import Citizen
from sim.model.view import CityView


def begin(city: CityView, c: Citizen) -> tuple[float | None, float]:
    """At move-in: when the citizen's subsidy ends (None without one) and the factor on the
    tenancy-loss hazard after that."""
    if c.dwelling is None or c.dwelling[2] == NO_SCHEME:
        return None, 1.0
    cfg, scheme = city.cfg.subsidy, c.dwelling[2]
    followed = city.draw["subsidy_followup"]() < cfg.followup_share
    share = cfg.can_pay_share_with_followup if followed else cfg.can_pay_share_without_followup
    pays = city.draw["subsidy_can_pay"]() < share
    ends = city.env.now + getattr(cfg, scheme).months * DAYS_PER_MONTH
    city.env.process(_end(city, c, c.spell, ends, pays))
    return ends, 1.0 if pays else cfg.loss_multiplier_cannot_pay


def _end(city: CityView, c: Citizen, spell: int, ends: float, pays: bool):
    """Process: record the end of the subsidy and its outcome, if the citizen still lives there."""
    yield city.env.timeout(ends - city.env.now)
    if c.spell == spell and c.stage == "housed":
        city.rec.emit(c, "subsidy_end", scheme=c.dwelling[2],
                      reason="takes_over" if pays else "cannot_pay")
