"""The registry of the citizen's path: every stage of the census and every finite capacity,
declared once. The recorder's census and snapshot columns, the city's pools and staffing, the
metrics, the bottleneck table, the report's labels and the what-if controls all read it, so a
new stage or pool is a row here (and its model module, config table and test), not an edit in
every layer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """A stage of the path: one census count, snapshot column `n_<name>`."""

    name: str
    label: str  # shown in reports, Danish with English
    homeless: bool = False  # counts in the `homeless` total
    queue: bool = False  # citizens wait here: its length is a queue metric
    ready: bool = False  # assessed ready to move on, waiting for a home or a place
    charted: bool = False  # drawn among the counts over time in the report


@dataclass(frozen=True)
class Capacity:
    """A finite capacity that follows dated steps: a staff group's caseload, or beds or places.

    A pool's snapshot columns are `<name>_capacity`, `<name>_busy` and `<name>_queue`; a staff
    group's headcount is `<staff_group>_staff` and is costed by its salary."""

    name: str  # the pool, or the staff group of a headcount without a pool
    table: str  # the scenario table holding its dated steps
    steps: str  # the key of those steps in the table
    label: str  # shown in reports, Danish with English
    staff_group: str | None = None  # a headcount: the steps count staff, not units
    caseload: str | None = None  # key (same table) of the units one staff member carries
    pool: bool = True  # False: a headcount only (costed, no work of its own in the model)
    serves: str | None = None  # the stage of the path it serves, as the bottleneck table says


STAGES = (
    Stage("awaiting_assessment", "Waiting for udredning (assessment)", homeless=True,
          queue=True, charted=True),
    Stage("in_assessment", "In udredning of boevne (assessment of ability to live in own home)",
          homeless=True),
    Stage("not_ready", "Assessed not ready yet; re-assessed later", homeless=True),
    Stage("awaiting_housing", "Waiting for a dwelling (boligsocial anvisning)", homeless=True,
          queue=True, ready=True, charted=True),
    Stage("moving_in", "Moving in with a boligrådgiver (housing advisor)", homeless=True,
          queue=True, ready=True),
    Stage("housed", "Housed in own home (with or after bostøtte)", charted=True),
    Stage("awaiting_botilbud", "Waiting for a botilbud place (supported care)", homeless=True,
          queue=True, ready=True, charted=True),
    Stage("in_botilbud", "In botilbud (supported residential care)"),
    Stage("awaiting_skaev_bolig", "Waiting for a skæv bolig (alternative housing)", homeless=True,
          queue=True, ready=True, charted=True),
    Stage("in_skaev_bolig", "In a skæv bolig (alternative housing)"),
)

CAPACITIES = (
    Capacity("caseworkers", "assessment", "caseworkers", "sagsbehandlere (caseworkers)",
             staff_group="caseworkers", caseload="caseload_per_caseworker",
             serves="assessment (caseworkers)"),
    Capacity("housing_advisors", "move_in", "housing_advisors",
             "boligrådgivere (housing advisors)", staff_group="housing_advisors",
             caseload="caseload_per_advisor", serves="move-in (housing advisors)"),
    Capacity("support_workers", "support", "support_workers",
             "bostøtte (floating support) workers", staff_group="support_workers",
             caseload="caseload_units_per_worker", serves="bostøtte (support workers)"),
    Capacity("department_heads", "support", "department_heads", "afdelingsledere (heads)",
             staff_group="department_heads", pool=False),
    Capacity("shelter_beds", "shelter", "beds", "herberg (shelter) beds", serves="shelter beds"),
    Capacity("botilbud_places", "botilbud", "places",
             "botilbud (supported residential care) places", serves="botilbud places"),
    Capacity("skaev_bolig_places", "skaev_bolig", "places",
             "skæve boliger (alternative housing) places", serves="skæv bolig places"),
)

STAGE_NAMES = tuple(stage.name for stage in STAGES)
HOMELESS_STAGES = tuple(stage.name for stage in STAGES if stage.homeless)
QUEUE_STAGES = tuple(stage.name for stage in STAGES if stage.queue)
READY_STAGES = tuple(stage.name for stage in STAGES if stage.ready)
POOLS = tuple(cap for cap in CAPACITIES if cap.pool)
POOL_NAMES = tuple(cap.name for cap in POOLS)
STAFF_GROUPS = tuple(cap.staff_group for cap in CAPACITIES if cap.staff_group)
STAFF_POOLS = tuple(cap.name for cap in POOLS if cap.staff_group)
LABELS = {item.name: item.label for item in (*STAGES, *CAPACITIES)}
CAPACITY = {cap.name: cap for cap in CAPACITIES}
