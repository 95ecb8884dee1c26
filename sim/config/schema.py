"""The scenario schema: frozen pydantic models that refuse unknown keys, NaN/inf, negative
counts and shares outside 0–1, and the names every layer shares (tiers, routes, staff groups,
subsidy schemes). A scenario is data only: runs never mutate it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    model_validator,
)

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
TIERS = ("low", "medium", "high")
ROUTES = ("own_home", "botilbud", "skaev_bolig", "not_ready")
SHARE_TOLERANCE = 1e-6
DAYS_PER_YEAR = 365.25  # a rate "per year" spreads over the mean calendar year
DAYS_PER_MONTH = DAYS_PER_YEAR / 12  # scenario rates "per month" and lengths in months use this
# Rent subsidies (the `subsidy` tables) and the mark of a dwelling let without one
SCHEMES = ("exit_dwelling", "state_subsidy")
NO_SCHEME = "none"


class ScenarioError(ValueError):
    """Bad input: carries the file, the key and what is allowed, for a one-line message."""

    def __init__(self, file: str | Path, key: str, problem: str) -> None:
        shown = _shown(Path(file))
        super().__init__(f"{shown}: {key}: {problem}")
        self.file, self.key, self.problem = shown, key, problem


def _shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, strict=True)


class Step(Frozen):
    """A value that holds from a date on (staffing, capacity, inflow)."""

    model_config = ConfigDict(populate_by_name=True)
    start: dt.date = Field(alias="from")
    value: NonNegativeFloat


def _steps_ordered(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    if not steps:
        raise ValueError("needs at least one {from = DATE, value = N} step")
    dates = [s.start for s in steps]
    if dates != sorted(set(dates)):
        raise ValueError("step dates must be strictly increasing")
    return steps


Steps = Annotated[
    tuple[Step, ...], Field(min_length=1, strict=False), AfterValidator(_steps_ordered)
]


class SharesModel(Frozen):
    """Shares of a whole: each in 0–1 and together summing to 1."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> SharesModel:
        check_sum("shares", sum(self.model_dump().values()))
        return self


def check_sum(what: str, total: float) -> None:
    """Shares of a whole must add up to 1 (within rounding)."""
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, they sum to {total:.6g}")


class PerTier(Frozen):
    """One value per support-need tier (low ≈ CTI, medium ≈ ICM, high ≈ ACT)."""

    low: NonNegativeFloat
    medium: NonNegativeFloat
    high: NonNegativeFloat


class TierShare(SharesModel):
    low: Share
    medium: Share
    high: Share


class RouteShare(SharesModel):
    own_home: Share
    botilbud: Share
    skaev_bolig: Share
    not_ready: Share


class InitialStageShare(SharesModel):
    awaiting_assessment: Share
    not_ready: Share
    awaiting_housing: Share
    awaiting_botilbud: Share
    awaiting_skaev_bolig: Share


class ExitReasonShare(SharesModel):
    moved_away: Share
    died: Share
    housed_alone: Share


class RunCfg(Frozen):
    start_date: dt.date
    end_date: dt.date
    warmup_days: NonNegativeFloat
    snapshot_interval_days: Annotated[float, Field(gt=0.0, le=31.0)]
    duration_distribution: Literal["exponential", "fixed"]

    @model_validator(mode="after")
    def _ordered(self) -> RunCfg:
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        if self.warmup_days >= (self.end_date - self.start_date).days:
            raise ValueError("warmup_days must be shorter than the run")
        return self

    @property
    def horizon_days(self) -> float:
        """Run length in days; the run covers end_date itself."""
        return float((self.end_date - self.start_date).days + 1)


class HomelessTypeCfg(Frozen):
    """One type of homelessness (Kuhn & Culhane's transitional, episodic, chronic): its share
    and what sets it apart. A value left out is the scenario's own (`population`, `shelter`,
    `assessment.route_share`, `support.tier_share`)."""

    inflow_share: Share  # of the newly homeless
    initial_share: Share | None = None  # of the citizens there at the start; None: inflow_share
    self_exit_per_year: NonNegativeFloat | None = None
    shelter_user_share: Share | None = None
    shelter_stay_days_mean: PositiveFloat | None = None
    shelter_between_stays_days_mean: PositiveFloat | None = None
    route_share: RouteShare | None = None
    tier_share: TierShare | None = None


class PopulationCfg(Frozen):
    initial_homeless: NonNegativeInt
    initial_stage_share: InitialStageShare
    initial_housed_in_support: NonNegativeInt
    inflow_per_month: Steps
    # Yearly relative change of the inflow up to its first step's date: before that date the
    # inflow is back-cast from the first step's value (history runs); 0 holds it constant
    inflow_trend_per_year: float = Field(0.0, ge=-0.5, le=0.5)
    self_exit_per_year: NonNegativeFloat
    self_exit_reason_share: ExitReasonShare
    # Types of homelessness by name; without them every citizen is of one type, ALL_TYPES,
    # with the scenario's own values
    types: dict[Name, HomelessTypeCfg] | None = None

    @model_validator(mode="after")
    def _type_shares(self) -> PopulationCfg:
        if self.types is not None:
            kinds = self.types.values()
            check_sum("types: inflow_share", sum(k.inflow_share for k in kinds))
            check_sum("types: initial_share", sum(_initial(k) for k in kinds))
        return self


def _initial(kind: HomelessTypeCfg) -> float:
    return kind.inflow_share if kind.initial_share is None else kind.initial_share


ALL_TYPES = "all"  # the one type of homelessness of a scenario without `population.types`


@dataclass(frozen=True, slots=True)
class HomelessType:
    """A type of homelessness with every value resolved: its own where it sets one, else the
    scenario's. The model reads these, never the tables."""

    name: str
    self_exit_per_day: float
    shelter_user_share: float
    shelter_stay_days_mean: float
    shelter_between_stays_days_mean: float
    route_share: RouteShare
    tier_share: TierShare


@dataclass(frozen=True)
class HomelessTypes:
    """The scenario's types by name, and their shares as `sim.engine.rng.choose` reads them."""

    kinds: dict[str, HomelessType]
    inflow_shares: SimpleNamespace  # of the newly homeless
    initial_shares: SimpleNamespace  # of the citizens there at the start


class ShelterCfg(Frozen):
    beds: Steps
    user_share: Share
    initial_occupancy_share: Share
    stay_days_mean: PositiveFloat
    between_stays_days_mean: PositiveFloat


class AssessmentCfg(Frozen):
    caseworkers: Steps
    caseload_per_caseworker: PositiveFloat
    referral_days_mean: PositiveFloat
    assessment_days_mean: PositiveFloat
    reassessment_days_mean: PositiveFloat
    route_share: RouteShare
    # The reform's notification rule: a shelter refers a citizen not yet referred this many
    # days after they enter it (None: no rule), for citizens whose wait for a referral begins
    # on or after `shelter_notification_start` (None: from the run's start)
    shelter_notification_days: NonNegativeFloat | None = None
    shelter_notification_start: dt.date | None = None

    @model_validator(mode="after")
    def _notification_dated(self) -> AssessmentCfg:
        if self.shelter_notification_start is not None and self.shelter_notification_days is None:
            raise ValueError("shelter_notification_start needs shelter_notification_days")
        return self


class AllocationCfg(Frozen):
    """The allocation agreement's policy: quota, shielding, offers and refusals."""

    quota_share: Share
    shielded_departments: tuple[NonNegativeInt, ...] = Field(strict=False)
    shielded_quota_share: Share
    offer_refusal_share: Share
    offers_per_vacancy_max: Annotated[int, Field(ge=1)]
    # Named policies (sim/model/policies.py); the names allowed are the functions there
    quota_rule: Literal["running_floor"] = "running_floor"
    unused_rights: Literal["carry_forward", "carry_within_year", "lapse"] = "carry_forward"
    priority: Literal["homeless_first", "others_first", "shared"] = "homeless_first"
    queue_order: Literal["first_come"] = "first_come"
    support_rule: Literal["require_capacity", "waiting_list", "forecast"] = "require_capacity"
    # Dated policies, for runs that start before the rules they model: before `agreement_start`
    # every department not shielded gives `quota_share_before_agreement`, and each department's
    # running count starts again on that day; before `support_rule_start` the
    # rule is `support_rule_before`. Unset: the rules hold from the run's start.
    agreement_start: dt.date | None = None
    quota_share_before_agreement: Share | None = None
    support_rule_start: dt.date | None = None
    support_rule_before: Literal["require_capacity", "waiting_list", "forecast"] | None = None
    # Other households the municipality houses through the same right (refugees, people
    # leaving prison or hospital, families): how many are put forward a year, and under the
    # "shared" priority the share of social lets on which they come first
    other_households_per_year: Steps
    others_first_share: Share = 0.0
    refusal_removal_share: Share
    removal_days: NonNegativeFloat

    @model_validator(mode="after")
    def _dated_pairs(self) -> AllocationCfg:
        for start, before in (("agreement_start", "quota_share_before_agreement"),
                              ("support_rule_start", "support_rule_before")):
            if (getattr(self, start) is None) != (getattr(self, before) is None):
                raise ValueError(f"{start} and {before} go together: give both or neither")
        return self


class Department(BaseModel):
    """One housing department (afdeling), or a group of similar ones: a row of the CSV."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    department: NonNegativeInt
    name: str
    area: str
    dwellings: NonNegativeInt
    turnover_per_year_share: Share
    rooms_1_share: Share
    rooms_2_share: Share
    rooms_3_share: Share
    rent_1_room_dkk_per_month: NonNegativeFloat
    rent_2_room_dkk_per_month: NonNegativeFloat
    rent_3_room_dkk_per_month: NonNegativeFloat

    @model_validator(mode="after")
    def _rooms_sum(self) -> Department:
        check_sum("rooms_1/2/3_share", self.rooms_1_share + self.rooms_2_share
                  + self.rooms_3_share)
        return self

    def rent(self, rooms: int) -> float:
        return (self.rent_1_room_dkk_per_month, self.rent_2_room_dkk_per_month,
                self.rent_3_room_dkk_per_month)[rooms - 1]


class RoomsNeededShare(SharesModel):
    one: Share
    two: Share


class IncomeGroupShare(SharesModel):
    kontanthjaelp: Share
    foertidspension: Share


class PerIncomeGroup(Frozen):
    kontanthjaelp: NonNegativeFloat
    foertidspension: NonNegativeFloat


class HousingCfg(Frozen):
    """The almene boliger: departments with their vacancies and rents, and what citizens need
    and can pay."""

    departments_csv: str
    departments: tuple[Department, ...] = Field(min_length=1, strict=False)
    rooms_needed_share: RoomsNeededShare
    extra_rooms_accepted: Annotated[int, Field(ge=0, le=2)]
    income_group_share: IncomeGroupShare
    affordable_rent_dkk_per_month: PerIncomeGroup

    @model_validator(mode="after")
    def _unique_ids(self) -> HousingCfg:
        ids = [d.department for d in self.departments]
        if len(ids) != len(set(ids)):
            raise ValueError("department ids in the departments table must be unique")
        return self


class SchemeCfg(Frozen):
    """A rent-subsidy scheme: how many dwellings a year, how much a month, for how long."""

    dwellings_per_year: Steps
    max_dkk_per_month: NonNegativeFloat
    months: PositiveFloat
    payer: Literal["municipality", "state"]


class SubsidyCfg(Frozen):
    """Udslusningsbolig (municipal exit dwelling) and the temporary state rent subsidy."""

    exit_dwelling: SchemeCfg
    state_subsidy: SchemeCfg
    followup_share: Share
    can_pay_share_with_followup: Share
    can_pay_share_without_followup: Share
    loss_multiplier_cannot_pay: Annotated[float, Field(ge=1.0)]


class SupportCfg(Frozen):
    support_workers: Steps
    department_heads: Steps
    caseload_units_per_worker: PositiveFloat
    need_assessment_days: PositiveFloat
    tier_share: TierShare
    caseload_weight: PerTier
    support_days_mean: PerTier
    decline_share: Share
    reengage_share: Share
    reengage_days_mean: PositiveFloat
    private_provider_share: Share
    # Motivation work for a citizen who declined (sim/model/support.py): caseload units a
    # support worker holds while it runs, and the factor on the unsupported loss hazard then.
    # 0 units and factor 1 keep the older model: no staff time, re-engagement by share alone.
    motivation_caseload_units: NonNegativeFloat = 0.0
    motivation_hazard_factor: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0


class MoveInCfg(Frozen):
    housing_advisors: Steps
    caseload_per_advisor: PositiveFloat
    move_in_days_mean: PositiveFloat
    retention_visit_after_days: PositiveFloat
    retention_visit_days: PositiveFloat
    # A visit that takes place multiplies the tenancy-loss hazard by this factor (1: no effect)
    # until `retention_visit_effect_days` after it was due (sim/model/move_in.py)
    retention_visit_hazard_factor: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    retention_visit_effect_days: NonNegativeFloat = 365.0
    # Whether moving in waits for an advisor (holds_keys) or the citizen moves in and the
    # advisor's indslusning help follows when an advisor is free (help_follows)
    advisor_rule: Literal["holds_keys", "help_follows"] = "holds_keys"


class StaffingCfg(Frozen):
    """Rekruttering (recruitment, sim/model/staffing.py): each post a dated staff step adds is
    filled after a recruitment time of this mean; 0 fills posts at once on the step's date."""

    recruitment_days_mean: NonNegativeFloat = 0.0


class TenancyCfg(Frozen):
    loss_per_year_supported: PerTier
    loss_per_year_unsupported: PerTier
    loss_per_year_after_support: PerTier
    death_per_year: NonNegativeFloat = 0.0  # housed citizens who die: their home and care end
    move_away_per_year: NonNegativeFloat = 0.0  # housed citizens who move on out of the model


class ResidentialCfg(Frozen):
    """Botilbud (supported residential care) or skæv bolig (alternative housing) places."""

    places: Steps
    initial_occupancy_share: Share
    stay_days_mean: PositiveFloat


class SalaryCfg(Frozen):
    caseworkers: NonNegativeFloat
    housing_advisors: NonNegativeFloat
    support_workers: NonNegativeFloat
    department_heads: NonNegativeFloat


class CostsCfg(Frozen):
    shelter_per_day_dkk: NonNegativeFloat
    shelter_own_payment_per_day_dkk: NonNegativeFloat
    shelter_state_refund_share: Share
    shelter_refund_cap_days: Steps
    support_state_refund_share: Share
    support_refund_years: NonNegativeFloat
    private_support_per_year_dkk: PerTier
    care_per_year_dkk: PerTier
    botilbud_per_day_dkk: NonNegativeFloat
    skaev_bolig_per_day_dkk: NonNegativeFloat
    salary_per_year_dkk: SalaryCfg


class BudgetCfg(Frozen):
    """The seed's budget lines, set beside the model's costs in the output (not model inputs)."""

    reform_per_year_dkk: Steps
    carryover_2022_23_dkk: NonNegativeFloat
    carryover_2023_24_dkk: NonNegativeFloat
    # the seed's expectation of the reform: extra citizens into own housing a month, drawn
    # beside the model's paired extra per month (None: not drawn)
    extra_housed_per_month: Steps | None = None


class Scenario(Frozen):
    """A whole scenario: every rate, duration, share, capacity and cost of the model."""

    name: Name
    description: str
    run: RunCfg
    population: PopulationCfg
    shelter: ShelterCfg
    assessment: AssessmentCfg
    housing: HousingCfg
    allocation: AllocationCfg
    subsidy: SubsidyCfg
    support: SupportCfg
    move_in: MoveInCfg
    staffing: StaffingCfg = StaffingCfg()  # optional: without it posts are filled at once
    tenancy: TenancyCfg
    botilbud: ResidentialCfg
    skaev_bolig: ResidentialCfg
    costs: CostsCfg
    budget: BudgetCfg

    @model_validator(mode="after")
    def _shielded_exist(self) -> Scenario:
        known = {d.department for d in self.housing.departments}
        unknown = sorted(set(self.allocation.shielded_departments) - known)
        if unknown:
            raise ValueError(f"allocation.shielded_departments: {unknown} are not department ids "
                             f"of {self.housing.departments_csv}")
        return self

    @cached_property
    def homeless_types(self) -> HomelessTypes:
        """The types of homelessness, resolved (one, ALL_TYPES, without `population.types`)."""
        pop, shelter = self.population, self.shelter
        given = pop.types or {ALL_TYPES: HomelessTypeCfg(inflow_share=1.0)}

        def own(value, default):
            return default if value is None else value

        kinds = {name: HomelessType(
            name=name,
            self_exit_per_day=own(k.self_exit_per_year, pop.self_exit_per_year) / 365.0,
            shelter_user_share=own(k.shelter_user_share, shelter.user_share),
            shelter_stay_days_mean=own(k.shelter_stay_days_mean, shelter.stay_days_mean),
            shelter_between_stays_days_mean=own(k.shelter_between_stays_days_mean,
                                                shelter.between_stays_days_mean),
            route_share=own(k.route_share, self.assessment.route_share),
            tier_share=own(k.tier_share, self.support.tier_share),
        ) for name, k in given.items()}
        return HomelessTypes(kinds,
                             SimpleNamespace(**{n: k.inflow_share for n, k in given.items()}),
                             SimpleNamespace(**{n: _initial(k) for n, k in given.items()}))

    def sha256(self) -> str:
        """Hash of the resolved configuration, to key results to the exact inputs."""
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def with_years(self, years: float) -> Scenario:
        """The same scenario with `years` years after its warm-up (validated anew): whole
        calendar years for a whole number, else years of 365.25 days."""
        start = self.run.start_date + dt.timedelta(days=math.ceil(self.run.warmup_days))
        if float(years).is_integer():
            end = _add_years(start, int(years)) - dt.timedelta(days=1)
        else:
            end = start + dt.timedelta(days=round(years * DAYS_PER_YEAR) - 1)
        data = self.model_dump(by_alias=True)
        data["run"]["end_date"] = end
        return Scenario.model_validate(data)


def _add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
