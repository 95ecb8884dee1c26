"""Rekruttering (recruitment): the posts a dated staff step adds are filled one by one, each
after its own recruitment time, so a reform's effect builds as its staff arrive.

A staff group's dated steps give its posts (normeringer, the headcount budgeted); the headcount
filled is what works. The posts in force at the run start are filled. A step that raises the
posts opens a vacancy per new post (a fractional step: whole posts and one part-time post), and
each is filled after a recruitment time with mean `staffing.recruitment_days_mean`, drawn from
the group's named stream `recruitment_<group>` as every duration is (exponential, or the mean
itself under `run.duration_distribution = "fixed"`). A step that lowers the posts applies at
once: vacancies due last are withdrawn first, then filled posts are cut (staff leave; nobody's
work under way is pre-empted, as the pool says). With a mean of 0 every step applies at once
and nothing is drawn, so results are those of the model without recruitment, exactly.

Why one draw per post, not a linear ramp over a period: staff start as whole people on a day,
so the filled headcount is a step function like the posts; a post whose recruitment failed is
advertised again, and an exponential time (memoryless: after a failed round it is as long
again) gives the long tail seen in practice (471 failed recruitments of social workers in
Denmark, Sept 2021–Feb 2022, 275 posts left unfilled; STAR via Socialrådgiverne 2022); the
"fixed" mode still gives every post exactly the period; and named streams keep common random
numbers: two scenarios with the same raises fill them on the same days, and a scenario without
raises draws nothing. Staff turnover of posts already filled is not modelled: the posts at the
run start and after each step stand for the staffing that is, on average, at work.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from sim.model.view import CityView

EPS = 1e-9


class Vacancy:
    """A post being recruited: the day it is due to be filled and how much of a post it is (0
    once withdrawn)."""

    __slots__ = ("due", "size")

    def __init__(self, due: float, size: float) -> None:
        self.due, self.size = due, size


class Recruitment:
    """The posts of one staff group and the headcount filled, which `fill` puts in force (the
    group's headcount in the snapshots and costs, and its pool's caseload capacity)."""

    __slots__ = ("city", "days_mean", "fill", "filled", "posts", "stream", "vacancies")

    def __init__(self, city: CityView, group: str, posts: float,
                 fill: Callable[[float], None]) -> None:
        self.city = city
        self.days_mean = city.cfg.staffing.recruitment_days_mean
        self.stream = f"recruitment_{group}"
        self.fill = fill
        self.posts = self.filled = posts  # the staffing at the run start is in post
        self.vacancies: list[Vacancy] = []

    def step(self, posts: float) -> None:
        """A dated step of the posts: new posts are recruited, fewer posts apply at once."""
        added = posts - self.posts
        self.posts = posts
        if added > 0 and self.days_mean > 0:
            for size in new_posts(added):
                self._open(size)
            return
        if added < 0:  # vacancies go first, then staff in post
            self._withdraw(-added)
            self.filled = min(self.filled, posts - self.vacant())
        elif added > 0:  # no recruitment period: filled at once, exactly as without recruitment
            self.filled = posts
        self.fill(self.filled)

    def vacant(self) -> float:
        """Posts being recruited."""
        return sum(vacancy.size for vacancy in self.vacancies)

    def _open(self, size: float) -> None:
        city = self.city
        delay = city.dur(self.days_mean, city.draw[self.stream]())
        vacancy = Vacancy(city.env.now + delay, size)
        self.vacancies.append(vacancy)
        city.env.process(self._recruit(vacancy, delay))

    def _recruit(self, vacancy: Vacancy, delay: float):
        """Process: the post is filled after its recruitment time, unless withdrawn."""
        yield self.city.env.timeout(delay)
        self.vacancies.remove(vacancy)
        if vacancy.size > EPS:
            self.filled += vacancy.size
            self.fill(self.filled)

    def _withdraw(self, cut: float) -> None:
        """Fewer posts: withdraw the vacancies due last first (a withdrawn one keeps its place
        in the list with size 0 until its day, so its process finds it)."""
        for vacancy in sorted(self.vacancies, key=lambda v: v.due, reverse=True):
            if cut <= EPS:
                return
            take = min(vacancy.size, cut)
            vacancy.size -= take
            cut -= take


def new_posts(added: float) -> Iterator[float]:
    """The posts a raise of `added` full-time equivalents opens: whole posts, then the part."""
    whole = math.floor(added + EPS)
    yield from [1.0] * whole
    if added - whole > EPS:
        yield added - whole
