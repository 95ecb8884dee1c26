"""Scenario files → one frozen, strictly validated configuration.

A scenario is a small TOML file that may `extends` another; the chain is merged table by table
(lists replace wholesale) and validated with pydantic models that refuse unknown keys, NaN/inf,
negative counts and shares outside 0–1. A scenario is data only: runs never mutate it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    ValidationError,
    model_validator,
)

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
TIERS = ("low", "medium", "high")
ROUTES = ("own_home", "botilbud", "skaev_bolig", "not_ready")
SHARE_TOLERANCE = 1e-6
DAYS_PER_MONTH = 365.25 / 12  # scenario rates "per month" and lengths in months use this
STAFF_GROUPS = ("caseworkers", "housing_advisors", "support_workers", "department_heads")


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


class PopulationCfg(Frozen):
    initial_homeless: NonNegativeInt
    initial_stage_share: InitialStageShare
    initial_housed_in_support: NonNegativeInt
    inflow_per_month: Steps
    self_exit_per_year: NonNegativeFloat
    self_exit_reason_share: ExitReasonShare


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


class AllocationCfg(Frozen):
    """The allocation agreement's policy: quota, shielding, offers and refusals."""

    quota_share: Share
    shielded_departments: tuple[NonNegativeInt, ...] = Field(strict=False)
    shielded_quota_share: Share
    offer_refusal_share: Share
    offers_per_vacancy_max: Annotated[int, Field(ge=1)]
    require_support_capacity: bool
    refusal_removal_share: Share
    removal_days: NonNegativeFloat


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


class MoveInCfg(Frozen):
    housing_advisors: Steps
    caseload_per_advisor: PositiveFloat
    move_in_days_mean: PositiveFloat
    retention_visit_after_days: PositiveFloat
    retention_visit_days: PositiveFloat


class TenancyCfg(Frozen):
    loss_per_year_supported: PerTier
    loss_per_year_unsupported: PerTier
    loss_per_year_after_support: PerTier


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
            end = start + dt.timedelta(days=round(years * 365.25) - 1)
        data = self.model_dump(by_alias=True)
        data["run"]["end_date"] = end
        return Scenario.model_validate(data)


def _add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- loading -----------------------------------------------------------------------------


def _read_toml(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict[str, Path]]:
    """Read one file and what it extends; return merged data and which file set each key."""
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(chain[-1], "extends", f"cyclic extends ({cycle})")
    if not path.is_file():
        where = chain[-1] if chain else path
        raise ScenarioError(where, "extends" if chain else "file", f"no such file: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "toml", f"not valid TOML ({exc})") from None
    origin = {key: path for key in _dotted_keys(data)}
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data, origin
    if not isinstance(parent_name, str):
        raise ScenarioError(path, "extends", "must be a file name (string)")
    base, base_origin = _read_toml((path.parent / parent_name).resolve(), (*chain, path))
    return _merge(base, data), {**base_origin, **origin}


def _dotted_keys(data: dict, prefix: str = ""):
    for key, value in data.items():
        yield prefix + key
        if isinstance(value, dict):
            yield from _dotted_keys(value, f"{prefix}{key}.")


def _merge(base: dict, override: dict) -> dict:
    """Deep-merge tables; any non-table value in `override` replaces the base value."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def error_key(loc: tuple) -> str:
    """Dotted key of a pydantic error location, with list steps shown as [i]."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        elif part not in ("function-after",) and not str(part).startswith("function-"):
            parts.append(str(part))
    return ".".join(parts) or "(top level)"


def describe_error(err: dict) -> str:
    """One readable sentence from a pydantic error: what is wrong and what is allowed."""
    kind, msg = err["type"], err["msg"]
    value = err.get("input")
    if kind == "extra_forbidden":
        return "unknown key (not a parameter of the model; see scenarios/baseline.toml)"
    if kind == "missing":
        return "missing (every parameter must be set; baseline.toml sets them all)"
    if kind == "finite_number" or (isinstance(value, float) and not math.isfinite(value)):
        return f"{value} is not allowed; must be a finite number"
    if kind.startswith("greater_than") or kind.startswith("less_than"):
        return f"{value!r} is out of range: {msg.lower()}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not allowed: use only letters, digits, '_' and '-'"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "date_type":
        return f"must be a date written without quotes, like 2024-01-01 (got {value!r})"
    if kind == "too_short":
        return "needs at least one {from = DATE, value = N} step"
    if kind == "tuple_type":
        return f"must be a list of {{from = DATE, value = N}} steps (got {value!r})"
    return f"{msg.lower()} (got {value!r})" if value is not None else msg.lower()


def validate(data: dict, origin: dict[str, Path], file: Path) -> Scenario:
    """Validate merged scenario data; a failure names the file that set the offending key."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key, problem = error_key(err["loc"]), describe_error(err)
        if key == "(top level)" and ": " in problem:  # a check across sections names its key
            key, problem = problem.split(": ", 1)
        where = _owner(key, origin, file)
        raise ScenarioError(where, key, problem) from None


def _owner(key: str, origin: dict[str, Path], default: Path) -> Path:
    """The file in an extends chain that set `key` (or its nearest parent table)."""
    parts = key.split("[")[0].split(".")
    for n in range(len(parts), 0, -1):
        found = origin.get(".".join(parts[:n]))
        if found is not None:
            return found
    return default


def read_departments(path: Path) -> list[dict]:
    """The departments table: one validated row per department, from a CSV file."""
    if not path.is_file():
        raise ScenarioError(path, "housing.departments_csv", "no such file")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ScenarioError(path, "rows", "the departments table has no rows")
    out = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            out.append(Department.model_validate(row).model_dump())
        except ValidationError as exc:
            err = exc.errors()[0]
            column = error_key(err["loc"])
            raise ScenarioError(path, f"line {number}: {column}", describe_error(err)) from None
    return out


def _attach_departments(data: dict, origin: dict[str, Path]) -> None:
    """Replace housing.departments_csv's file name by the table it names (relative to the
    scenario file that set it)."""
    housing = data.get("housing")
    if not isinstance(housing, dict) or "departments_csv" not in housing:
        return
    name = housing["departments_csv"]
    owner = origin["housing.departments_csv"]
    if not isinstance(name, str):
        raise ScenarioError(owner, "housing.departments_csv", "must be a file name (string)")
    housing["departments"] = read_departments(owner.parent / name)


def load(path: str | Path) -> Scenario:
    """Read a scenario file (following `extends`) into a frozen, validated Scenario."""
    data, origin = _read_toml(Path(path).resolve(), ())
    _attach_departments(data, origin)
    return validate(data, origin, Path(path))


# --- changing a parameter by its dotted path (sweeps, the live app) ---------------------------


def set_parameter(data: dict, path: str, value: float, start: dt.date,
                  scale: bool = False) -> None:
    """Set (with `scale`: multiply) the number at a dotted path of scenario data, in place.

    Dated steps change from `start` on: earlier steps stay, so a warm-up is the same for every
    value; later steps are replaced (set) or scaled too. A whole-number parameter is rounded.
    Raises ValueError saying what is wrong with the path.
    """
    table, key = _locate(data, path)
    current = table[key]
    if _is_steps(current):
        table[key] = _changed_steps(current, value, start, scale)
    elif isinstance(current, bool) or not isinstance(current, int | float):
        raise ValueError(f"{path!r} is not a number or a list of dated steps, so it cannot vary")
    else:
        new = current * value if scale else value
        table[key] = round(new) if isinstance(current, int) else float(new)


def _locate(data: dict, path: str) -> tuple[dict, str]:
    """The table holding the last part of a dotted path, and that key."""
    table, parts = data, path.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(table, dict) or part not in table:
            known = sorted(table) if isinstance(table, dict) else []
            where = ".".join(parts[:depth]) or "the scenario"
            hint = f"; {where} has {', '.join(known)}" if known else ""
            raise ValueError(f"{path!r} is not a parameter of the scenario{hint}")
        if depth < len(parts) - 1:
            table = table[part]
    return table, parts[-1]


def _is_steps(value) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(
        isinstance(s, dict) and set(s) == {"from", "value"} for s in value)


def _changed_steps(steps, value: float, start: dt.date, scale: bool) -> list[dict]:
    kept = [dict(s) for s in steps if s["from"] < start]
    if not scale:
        return [*kept, {"from": start, "value": float(value)}]
    in_force = next((s["value"] for s in steps if s["from"] == start),
                    kept[-1]["value"] if kept else steps[0]["value"])
    later = [{"from": s["from"], "value": s["value"] * value} for s in steps if s["from"] > start]
    return [*kept, {"from": start, "value": in_force * value}, *later]
