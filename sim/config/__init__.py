"""The config layer: scenario files read and validated into a frozen `Scenario`, the dated steps
that say what is in force on a date, sweep designs, and the registry of stages.

The names below are the layer's public face; the modules behind them are `schema` (the models),
`files` (reading, `extends`, errors), `steps`, `design` and `stages`."""

from sim.config.files import describe_error, error_key, load, set_parameter, validate
from sim.config.schema import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    NO_SCHEME,
    ROUTES,
    SCHEMES,
    TIERS,
    BudgetCfg,
    Frozen,
    Name,
    Scenario,
    ScenarioError,
    Step,
)
from sim.config.stages import STAFF_GROUPS

__all__ = [
    "DAYS_PER_MONTH", "DAYS_PER_YEAR", "NO_SCHEME", "ROUTES", "SCHEMES", "STAFF_GROUPS", "TIERS",
    "BudgetCfg", "Frozen", "Name", "Scenario", "ScenarioError", "Step", "describe_error",
    "error_key", "load", "set_parameter", "validate",
]
