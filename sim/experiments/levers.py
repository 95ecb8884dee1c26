"""The lever table: for each lever of a lever file (`sim/config/levers.py`), the base scenario
with that one step added, run beside the base with common random numbers; then, per lever, the
paired difference of each outcome metric with its 95 % interval, and the mechanism metrics that
explain it (their level in the base and their paired difference).

Variants are built as the capacity search builds its candidates: dated steps get the step added
from the date on (`config.steps.add_from`), a number is set through `set_parameter`, and a
list of department ids gets the step's ids. Every variant is validated as a scenario before
anything runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
from pydantic import ValidationError

from sim import config
from sim.config import Scenario, ScenarioError
from sim.config.files import locate
from sim.config.levers import Lever, LeverSpec, add_step
from sim.config.steps import value_on
from sim.experiments import sweep

DEFAULT_FILE = "designs/levers"  # the shipped lever file, scenarios/designs/levers.toml
REPS = 30  # the default command takes about 5 minutes on 2 cores (docs/sweeps.md)
PREFIX = "lever_"


@dataclass(frozen=True)
class Plan:
    """A lever file made ready to run: the base (with the run length asked for) and one variant
    per lever, in the file's order."""

    spec: LeverSpec
    base: Scenario
    variants: tuple[Scenario, ...]

    @property
    def scenarios(self) -> list[Scenario]:
        """The base first (the reference of every paired difference), then the variants."""
        return [self.base, *self.variants]


def plan(spec: LeverSpec, base: Scenario | None = None) -> Plan:
    """Every lever's variant of `base` (default: the file's base), checked: the date lies in
    the run, each variant is a valid scenario, and every metric is a summary metric."""
    base = base or spec.base
    start, run = spec.start, base.run
    if not run.start_date <= start <= run.end_date:
        raise ScenarioError(spec.file, "from", f"{start} is outside the run of {base.name} "
                            f"({run.start_date} to {run.end_date}); the steps must apply "
                            "within it")
    variants = []
    for i, (lever, kind) in enumerate(zip(spec.levers.levers, spec.kinds, strict=True)):
        name = PREFIX + lever.name
        if name == base.name:
            raise ScenarioError(spec.file, f"levers[{i}].name", f"{name} is the base's name; "
                                "names become folder names and must differ")
        try:
            variants.append(variant(base, lever, kind, start))
        except ValidationError as exc:
            err = exc.errors()[0]
            key, problem = config.error_key(err["loc"]), config.describe_error(err)
            why = problem if key == "(top level)" else f"{key}: {problem}"  # a check across keys
            raise ScenarioError(spec.file, f"levers[{i}].step", "the variant is not a valid "
                                f"scenario: {why}") from None
    _check_metrics(spec, base)
    return Plan(spec, base, tuple(variants))


def variant(base: Scenario, lever: Lever, kind: str, start: dt.date) -> Scenario:
    """`base` with the lever's step added, named lever_<name>; validated anew."""
    data = base.model_dump(by_alias=True)
    data["name"] = PREFIX + lever.name
    data["description"] = f"{base.name} with {lever.name}: {step_text(base, lever, kind, start)}"
    add_step(data, lever.path, kind, lever.step, start)
    return Scenario.model_validate(data)


def step_text(base: Scenario, lever: Lever, kind: str, start: dt.date) -> str:
    """The step with its unit and the value before and after it: '+4 staff (53 → 57)'."""
    table, key = locate(base.model_dump(by_alias=True), lever.path)
    value = table[key]
    if kind == "ids":
        return (f"+{len(lever.step)} {lever.unit} ({len(value)} → "
                f"{len(value) + len(lever.step)})")
    before = value_on(list(value), start) if kind == "steps" else value
    return f"{lever.step:+.4g} {lever.unit} ({before:.4g} → {before + lever.step:.4g})"


def _check_metrics(spec: LeverSpec, base: Scenario) -> None:
    """Refuse an outcome or mechanism that is not a summary metric, naming its key."""
    named = {"outcomes": spec.levers.outcomes}
    named |= {f"levers[{i}].mechanism": lever.mechanism
              for i, lever in enumerate(spec.levers.levers)}
    unknown = set(sweep.unknown_metrics(base, [m for ms in named.values() for m in ms]))
    for key, names in named.items():
        wrong = [m for m in names if m in unknown]
        if wrong:
            verb = "is not a summary metric" if len(wrong) == 1 else "are not summary metrics"
            raise ScenarioError(spec.file, key, f"{', '.join(wrong)} {verb} (the names are "
                                "those of summary.parquet, e.g. utilisation_support_workers)")


# --- the table ------------------------------------------------------------------------------


COLUMNS = {"lever": pa.string(), "scenario": pa.string(), "step": pa.string(),
           "role": pa.string(), "metric": pa.string(), "unit": pa.string(),
           "base_mean": pa.float64(), "mean": pa.float64(), "ci_low": pa.float64(),
           "ci_high": pa.float64(), "reps": pa.int64()}


def table(plan: Plan, summary: pa.Table, compare: pa.Table) -> pa.Table:
    """lever × metric (levers.parquet): the outcomes, then the mechanisms, each with its level
    in the base (`base_mean`) and the paired difference to the base with its 95 % interval."""
    level = {r["metric"]: r["mean"] for r in summary.to_pylist()
             if r["scenario"] == plan.base.name}
    diffs = {(r["scenario"], r["metric"]): r for r in compare.to_pylist()}
    rows = []
    spec = plan.spec
    for lever, kind, cfg in zip(spec.levers.levers, spec.kinds, plan.variants, strict=True):
        step = step_text(plan.base, lever, kind, spec.start)
        for role, names in (("outcome", spec.levers.outcomes), ("mechanism", lever.mechanism)):
            for metric in names:
                diff = diffs.get((cfg.name, metric))
                if diff is None:  # a metric with a year the run does not cover
                    continue
                rows.append({"lever": lever.name, "scenario": cfg.name, "step": step,
                             "role": role, "metric": metric, "unit": diff["unit"],
                             "base_mean": level.get(metric), "mean": diff["mean"],
                             "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
                             "reps": diff["reps"]})
    return pa.Table.from_pylist(rows, schema=pa.schema(COLUMNS))


def metadata(plan: Plan) -> dict[str, str]:
    """What levers.parquet records beside the run's metadata: the base and the date."""
    return {"base": plan.base.name, "from": plan.spec.start.isoformat(),
            "lever_file": str(plan.spec.file)}
