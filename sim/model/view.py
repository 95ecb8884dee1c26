"""What a stage may touch of the city: a typed view, so a stage's reach is written down and a
test can hand a stage a small hand-built city."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from sim.config import Scenario
from sim.engine.clock import Clock
from sim.engine.pools import Pool
from sim.engine.recorder import Recorder
from sim.engine.rng import Durations, Uniforms

if TYPE_CHECKING:
    from sim.model.allocation import Allocation
    from sim.model.citizen import Citizen


class CityView(Protocol):
    """The shared state of one replication, as the stages see it."""

    cfg: Scenario  # frozen: read only
    env: Clock
    start: dt.date  # the run's first day: dated steps are days after it
    draw: Mapping[str, Uniforms]  # named random streams, created on first use
    dur: Durations
    rec: Recorder
    pools: Mapping[str, Pool]  # by the registry's pool names (sim/config/stages.py)
    allocation: Allocation
    citizens: int  # citizens created so far: the next one's id

    def caseload_weight(self, tier: str) -> float:
        """Support caseload units a citizen of this need tier takes."""
        ...

    def start_life(self, c: Citizen, stage: str, inside_shelter: bool = False) -> None:
        """Start a citizen's path from a stage."""
        ...
