"""A simulated citizen: identity, attributes drawn at arrival, and where they are now."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from sim.config.schema import ALL_TYPES, HomelessType

# Sources whose first draw is made when the citizen arrives, from streams of their own
# ("arrival_<source>") used for nothing else, so that two scenarios run with the same seed see
# the same people (common random numbers). Later draws of a source use the "<source>" stream.
ARRIVAL_DRAWS = (
    "route",
    "need_tier",
    "shelter_use",
    "referral",
    "assessment",
    "self_exit",
    "exit_reason",
    "support_decline",
    "support_duration",
    "tenancy",
    "move_in",
    "rooms_needed",
    "income_group",
    "support_provider",
    "housed_exit",
)
# The type of homelessness is drawn at arrival from a stream of its own too, but only when the
# scenario has more than one type, so that a scenario with one draws exactly as before
TYPE_STREAM = "arrival_homeless_type"


@dataclass(slots=True, eq=False)
class Citizen:
    """One person on the path from homelessness to a home of their own."""

    id: int
    u: dict[str, float]  # first-occurrence uniforms per source, drawn at arrival
    stage: str | None = None
    route: str | None = None
    tier: str | None = None
    homeless_type: str = ALL_TYPES  # transitional, episodic, chronic, … (population.types)
    kind: HomelessType | None = None  # that type's values: self-exit, shelter use, routes, tiers
    spell: int = 0  # homeless spells so far; a lost tenancy starts a new one
    homeless_open: bool = False  # True while the citizen may still leave by themselves
    spell_start: float = 0.0
    exit_budget: float = 0.0  # Exp(1) hazard budget for leaving by themselves
    exit_hazard_used: float = 0.0  # self-exit hazard spent in earlier homeless spells
    main: simpy.Process | None = None
    shelter: simpy.Process | None = None
    in_shelter: bool = False
    claim: tuple | None = None  # (pool, event, units): a request waiting or held while homeless
    support_claim: tuple | None = None  # (units, event): bostøtte reserved or running
    notified: simpy.Event | None = None  # fires when a shelter notifies the municipality
    offer: simpy.Event | None = None  # fires with the department when a dwelling is accepted
    queue_order: int = 0  # place in the queue of citizens put forward
    rooms_needed: int = 1
    income_group: str | None = None
    affordable_rent: float = 0.0  # DKK a month the citizen can pay without a subsidy
    provider: str = "municipal"  # who delivers bostøtte: the municipality or a private provider
    dwelling: tuple | None = None  # (department, rent, scheme, monthly subsidy) once accepted

    def first(self, source: str, draw) -> float:
        """The arrival-time uniform for `source` the first time, fresh draws after that."""
        value = self.u.pop(source, None)
        return draw() if value is None else value
