"""Keeping the home: a hazard of losing the tenancy that depends on need tier and support.

Each housing draws a hazard budget E ~ Exp(1); the tenancy is lost when the hazard accumulated
over the segments lived since moving in (waiting for support, in support, declined, after
support) reaches E. A rent subsidy that ends with the citizen unable to pay multiplies the hazard
from that day on. This is exact for piecewise-constant hazards and keeps one random number per
tenancy, so common random numbers stay aligned across scenarios.
"""

from __future__ import annotations

import math

from sim.engine.rng import exp1


class Tenancy:
    """A tenancy's remaining hazard budget, spent segment by segment."""

    __slots__ = ("env", "factor", "left", "switch_at")

    def __init__(self, env, u: float, switch_at: float | None = None, factor: float = 1.0):
        self.env = env
        self.left = exp1(u)
        self.switch_at = math.inf if switch_at is None else switch_at
        self.factor = factor  # hazard multiplier from switch_at on

    def hold(self, event, loss_per_year: float):
        """Generator: live with the given yearly loss hazard until `event` fires (True) or the
        tenancy is lost first (False). With no event, live on until lost."""
        env = self.env
        rate = loss_per_year / 365.0
        delay = self._delay(rate)
        if math.isinf(delay):
            if event is None:
                yield env.event()  # never lost, never ends: the run's horizon stops it
            yield event
            return True
        start = env.now
        loss = env.timeout(delay)
        if event is None:
            yield loss
            return False
        fired = yield event | loss
        if event in fired:
            self.left = max(0.0, self.left - self._spent(rate, start, env.now))
            return True
        return False

    def _spent(self, rate: float, start: float, end: float) -> float:
        """Hazard accumulated between two times at this rate (times the factor after the switch)."""
        before = max(0.0, min(end, self.switch_at) - start)
        after = max(0.0, end - max(start, self.switch_at))
        return rate * (before + self.factor * after)

    def _delay(self, rate: float) -> float:
        """Time from now until the budget is spent at this rate (inf if never)."""
        now = self.env.now
        if rate <= 0.0:
            return math.inf
        until_switch = max(0.0, self.switch_at - now)
        if self.left <= rate * until_switch:
            return self.left / rate
        return until_switch + (self.left - rate * until_switch) / (rate * self.factor)
