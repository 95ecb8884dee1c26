"""Keeping the home: a hazard of losing the tenancy that depends on need tier and support.

Each housing draws a hazard budget E ~ Exp(1); the tenancy is lost when the hazard accumulated
over the segments lived since moving in (waiting for support, in support, declined, after
support) reaches E. This is exact for piecewise-constant hazards and keeps one random number per
tenancy, so common random numbers stay aligned across scenarios.
"""

from __future__ import annotations

from sim.rng import exp1


class Tenancy:
    """A tenancy's remaining hazard budget, spent segment by segment."""

    __slots__ = ("env", "left")

    def __init__(self, env, u: float) -> None:
        self.env = env
        self.left = exp1(u)

    def hold(self, event, loss_per_year: float):
        """Generator: live with the given yearly loss hazard until `event` fires (True) or the
        tenancy is lost first (False). With no event, live on until lost."""
        env = self.env
        rate = loss_per_year / 365.0
        if rate <= 0.0:
            if event is None:
                yield env.event()  # never lost, never ends: the run's horizon stops it
            yield event
            return True
        start = env.now
        loss = env.timeout(self.left / rate)
        if event is None:
            yield loss
            return False
        fired = yield event | loss
        if event in fired:
            self.left = max(0.0, self.left - rate * (env.now - start))
            return True
        return False

