"""Keeping the home: a hazard of losing the tenancy that depends on need tier and support.

Each housing draws a hazard budget E ~ Exp(1); the tenancy is lost when the hazard accumulated
over the segments lived since moving in (waiting for support, in support, declined, after
support) reaches E. On top of the segment's hazard runs a multiplier that is a step function of
time: a rent subsidy that ends with the citizen unable to pay multiplies the hazard from that day
on, and a fastholdelse (retention) visit lowers it for a while. This is exact for
piecewise-constant hazards and keeps one random number per tenancy, so common random numbers stay
aligned across scenarios.

The multiplier may be raised only before the first loss is timed (the subsidy's end is known at
move-in); once the tenancy runs it may only be lowered (`lower`). A lowering does not move the
loss already timed: when that time comes the budget is checked against the hazard actually
spent, and the tenancy goes on if some is left. So a tenancy whose multiplier never changes
schedules exactly the events it did before multipliers could change.
"""

from __future__ import annotations

import math

from sim.engine.rng import exp1


class Tenancy:
    """A tenancy's remaining hazard budget, spent segment by segment."""

    __slots__ = ("env", "left", "lowered", "marks", "timed")

    def __init__(self, env, u: float, switch_at: float | None = None, factor: float = 1.0):
        self.env = env
        self.left = exp1(u)
        # The hazard multiplier: (from day, multiplier) pairs in time order, each in force until
        # the next; the first since ever.
        self.marks: list[tuple[float, float]] = [(-math.inf, 1.0)]
        self.lowered = 0  # how often the multiplier was lowered: a timed loss is then checked
        self.timed = False  # True once a loss has been timed: from then on only lowering
        self.scale(switch_at, factor)

    def scale(self, start: float | None, factor: float, end: float = math.inf) -> None:
        """Multiply the hazard by `factor` from day `start` (None: no change) until `end`. (A
        factor of 1 still marks the day: the loss is then timed in two steps, as it always was.)"""
        if start is None or end <= start:
            return
        if factor > 1.0 and self.timed:
            raise ValueError("a running tenancy's hazard may only be lowered")
        self._mark(start)
        self._mark(end)
        self.marks = [(since, m * factor if start <= since < end else m)
                      for since, m in self.marks]

    def lower(self, factor: float, until: float) -> None:
        """Multiply the hazard by `factor` (0–1) from now until day `until`."""
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"a factor that lowers the hazard is within 0–1, not {factor}")
        if factor < 1.0 and until > self.env.now:
            self.scale(self.env.now, factor, until)
            self.lowered += 1

    def _mark(self, at: float) -> None:
        """Make `at` a day where the multiplier may change (it keeps its value there)."""
        marks = self.marks
        if math.isinf(at):
            return
        i = len(marks) - 1
        while marks[i][0] > at:
            i -= 1
        if marks[i][0] != at:
            marks.insert(i + 1, (at, marks[i][1]))

    def hold(self, event, loss_per_year: float):
        """Generator: live with the given yearly loss hazard until `event` fires (True) or the
        tenancy is lost first (False). With no event, live on until lost."""
        env = self.env
        rate = loss_per_year / 365.0
        start = env.now
        while True:
            delay = self._delay(rate)
            if math.isinf(delay):
                if event is None:
                    yield env.event()  # never lost, never ends: the run's horizon stops it
                yield event
                return True
            self.timed = True
            lowered = self.lowered
            loss = env.timeout(delay)
            if event is None:
                yield loss
            else:
                fired = yield event | loss
                if event in fired:
                    self.left = max(0.0, self.left - self._spent(rate, start, env.now))
                    return True
            if self.lowered == lowered:
                return False
            # lowered since the loss was timed: spend what was spent and time the rest anew
            self.left = max(0.0, self.left - self._spent(rate, start, env.now))
            start = env.now

    def _pieces(self):
        """(from, until, multiplier) of each step of the multiplier."""
        marks = self.marks
        for i, (since, factor) in enumerate(marks):
            yield since, marks[i + 1][0] if i + 1 < len(marks) else math.inf, factor

    def _spent(self, rate: float, start: float, end: float) -> float:
        """Hazard accumulated between two times at this rate (times the multiplier)."""
        total = 0.0
        for since, until, factor in self._pieces():
            overlap = min(end, until) - max(start, since)
            if overlap > 0.0:
                total += factor * overlap
        return rate * total

    def _delay(self, rate: float) -> float:
        """Time from now until the budget is spent at this rate (inf if never)."""
        now = self.env.now
        if rate <= 0.0:
            return math.inf
        left, waited = self.left, 0.0
        for since, until, factor in self._pieces():
            if until <= now:
                continue
            length = until - max(now, since)
            step = rate * factor
            if step > 0.0:
                cost = step * length
                if left <= cost:
                    return waited + left / step
                left -= cost
            waited += length
        return math.inf
