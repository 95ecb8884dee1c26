"""Text tables for the terminal: key metrics per scenario with 95 % intervals, and the paired
difference to the first scenario."""

from __future__ import annotations

import datetime as dt
import math
import re

import pyarrow as pa

from sim.config import BudgetCfg
from sim.config.steps import value_at

KEY_METRICS = (
    "housed_total", "housed_per_month", "housed_2024", "housed_2025", "housed_2026", "housed_2027",
    "homeless_at_end", "in_shelter_at_end", "wait_assessment_days_mean",
    "wait_allocation_days_mean", "homeless_to_home_days_median", "shelter_stay_days_mean",
    "retention_12m", "retention_24m", "returns_to_homelessness", "utilisation_caseworkers",
    "utilisation_housing_advisors", "utilisation_support_workers", "housed_none_per_month",
    "housed_exit_dwelling_per_month", "housed_state_subsidy_per_month", "cost_total_dkk",
    "cost_municipality_dkk", "cost_state_dkk", "cost_citizens_dkk",
)


def fmt(value: float, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "share":
        return f"{value:.3f}"
    if unit == "DKK":
        return f"{value / 1e6:,.1f}m"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def cell(row: dict | None) -> str:
    """'mean [low, high]' for a summary row."""
    if row is None:
        return "–"
    unit = row["unit"]
    text = fmt(row["mean"], unit)
    if math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"]):
        text += f" [{fmt(row['ci_low'], unit)}, {fmt(row['ci_high'], unit)}]"
    return text


def _grid(header: list[str], lines: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell, with a rule under the header."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]

    def render(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [render(header), render(["-" * w for w in widths]), *map(render, lines)]


def summary_text(summary: pa.Table, paired: pa.Table | None, order: list[str],
                 budget: BudgetCfg | None = None) -> str:
    """One line per key metric: each scenario's mean [95 % CI], then differences to the first;
    then costs by payer and year beside the seed's budget lines."""
    rows = {(r["scenario"], r["metric"]): r for r in summary.to_pylist()}
    diffs = {(r["scenario"], r["metric"]): r for r in paired.to_pylist()} if paired else {}
    present = [m for m in KEY_METRICS if any((s, m) in rows for s in order)]
    header = ["metric (95 % CI)", *order]
    header += [f"{s} − {order[0]}" for s in order[1:] if diffs]
    lines = [[m, *(cell(rows.get((s, m))) for s in order),
              *(cell(diffs.get((s, m))) for s in order[1:] if diffs)] for m in present]
    reps = max((r["reps"] for r in rows.values()), default=0)
    out = _grid(header, lines)
    out.append(f"{reps} replications per scenario; intervals are 95 % t-intervals"
               + ("; differences are paired (common random numbers)." if diffs else "."))
    if diffs:
        out += ["", *pairing_text(diffs, order)]
    who = equity_text(rows, diffs, order)
    if who:
        out += ["", *who]
    years = sorted({int(m.split("_")[1]) for _, m in rows
                    if re.fullmatch(r"cost_\d{4}_total_dkk", m)})
    if budget is not None and years:
        out += ["", *money_text(rows, diffs, order, budget, years)]
    return "\n".join(out)


# Who waits: medians by need tier, income group and route, in this order
WHO_WAITS = (r"homeless_to_home_days_median__need_tier_\w+",
             r"homeless_to_home_days_median__income_group_\w+",
             r"homeless_to_placed_days_median__route_\w+",
             r"referral_to_decision_days_median__route_\w+",
             r"wait_allocation_days_median__need_tier_\w+")


def equity_text(rows: dict, diffs: dict, order: list[str]) -> list[str]:
    """Median waits by need tier, income group and route (the group at the event that ends
    the wait), each scenario with its interval, then the paired differences."""
    names = list(dict.fromkeys(m for _, m in rows))
    present = [m for pattern in WHO_WAITS for m in names if re.fullmatch(pattern, m)]
    if not present:
        return []
    header = ["who waits: median days (95 % CI)", *order]
    header += [f"{s} − {order[0]}" for s in order[1:] if diffs]
    lines = [[_who(m), *(cell(rows.get((s, m))) for s in order),
              *(cell(diffs.get((s, m))) for s in order[1:] if diffs)] for m in present]
    return _grid(header, lines)


def _who(metric: str) -> str:
    """'homeless → own home, need tier high' for a metric with a __group suffix."""
    stem, _, group = metric.partition("__")
    what = {"homeless_to_home_days_median": "homeless → own home",
            "homeless_to_placed_days_median": "homeless → placed",
            "referral_to_decision_days_median": "referral → decision",
            "wait_allocation_days_median": "wait for a dwelling"}.get(stem, stem)
    for column in ("need_tier", "income_group", "route"):
        if group.startswith(column + "_"):
            return f"{what}, {column.replace('_', ' ')} {group.removeprefix(column + '_')}"
    return what


PAIRING_METRICS = ("housed_total", "homeless_at_end", "wait_allocation_days_mean",
                   "cost_total_dkk")


def pairing_text(diffs: dict, order: list[str]) -> list[str]:
    """How much common random numbers narrowed the intervals of the differences: the paired
    half-width beside the half-width independent runs would have given."""
    header = ["difference to " + order[0], "paired ±", "independent ±", "narrower"]
    lines = []
    for scenario in order[1:]:
        for metric in PAIRING_METRICS:
            row = diffs.get((scenario, metric))
            if row is None or not math.isfinite(row["ci_high"]):
                continue
            paired = (row["ci_high"] - row["ci_low"]) / 2
            alone = row.get("ci_half_width_independent", math.nan)
            ratio = f"{alone / paired:.1f}×" if paired > 0 and math.isfinite(alone) else "–"
            lines.append([f"{scenario}: {metric}", fmt(paired, row["unit"]),
                          fmt(alone, row["unit"]), ratio])
    return ["Common random numbers: interval half-widths of the paired differences, and what "
            "independent runs would have given:", *_grid(header, lines)]


def money_text(rows: dict, diffs: dict, order: list[str], budget: BudgetCfg,
               years: list[int]) -> list[str]:
    """Cost to the municipality and the state per calendar year (million DKK), and the
    paired difference to the first scenario beside the budget line for that year."""
    header = ["year", *(f"{s}: kommune / stat" for s in order)]
    header += [f"{s} − {order[0]}: kommune / stat" for s in order[1:] if diffs]
    header.append("budget 2024 line")
    lines = []
    first = budget.reform_per_year_dkk[0].start
    for year in years:
        line = value_at(budget.reform_per_year_dkk, (dt.date(year, 1, 1) - first).days, first)

        def pair(table, scenario, year=year):
            return " / ".join(cell(table.get((scenario, f"cost_{year}_{payer}_dkk")))
                              for payer in ("municipality", "state"))
        lines.append([str(year), *(pair(rows, s) for s in order),
                      *(pair(diffs, s) for s in order[1:] if diffs), fmt(line, "DKK")])
    return [f"Cost by payer and year, million DKK (95 % CI); one-off lines: "
            f"{fmt(budget.carryover_2022_23_dkk, 'DKK')} at the 2022/23 carry-over, "
            f"{fmt(budget.carryover_2023_24_dkk, 'DKK')} at the 2023/24 carry-over.",
            *_grid(header, lines)]


def steady_state_warnings(summary: pa.Table) -> list[str]:
    """A warning for each scenario queue that grew without levelling off in at least half of
    the replications (`unbounded_<stage>`): its waits and counts depend on the run length."""
    out = []
    for row in summary.to_pylist():
        if row["metric"].startswith("unbounded_") and row["mean"] >= 0.5:
            stage = row["metric"].removeprefix("unbounded_")
            out.append(f"warning: {row['scenario']}: the {stage} queue grows without levelling "
                       f"off in {row['mean']:.0%} of replications: no steady state, so its waits "
                       "and counts grow with the run length")
    return out


def lever_text(levers: pa.Table) -> str:
    """The lever table (levers.parquet): one line per lever, its step, then each outcome's
    paired difference to the base with its 95 % interval, then the first mechanism metric's
    level in the base and paired difference; further mechanisms on lines of their own."""
    meta = {k.decode(): v.decode() for k, v in (levers.schema.metadata or {}).items()}
    rows = levers.to_pylist()
    outcomes = list(dict.fromkeys(r["metric"] for r in rows if r["role"] == "outcome"))
    base = meta.get("base", "the base")
    header = ["lever", "step", *(f"Δ {m}" for m in outcomes), "mechanism", f"in {base}",
              "Δ mechanism"]
    lines = []
    for lever in dict.fromkeys(r["lever"] for r in rows):
        mine = [r for r in rows if r["lever"] == lever]
        effects = {r["metric"]: r for r in mine if r["role"] == "outcome"}
        mechanisms = [r for r in mine if r["role"] == "mechanism"] or [None]
        for i, mech in enumerate(mechanisms):
            first = [lever, mine[0]["step"], *(_effect(effects.get(m)) for m in outcomes)] \
                if i == 0 else [""] * (2 + len(outcomes))
            lines.append([*first, *(_mechanism(mech) if mech else ["–", "–", "–"])])
    reps = max((r["reps"] for r in rows), default=0)
    return "\n".join([
        f"Lever table: each lever a step from {meta.get('from', '?')} on {base}; paired "
        f"differences to {base} (lever minus base), {reps} replications, seed "
        f"{meta.get('seed', '?')}",
        *_grid(header, lines),
        "mean [95 % t-interval] over replications with common random numbers; * the interval "
        "excludes 0."])


def _effect(row: dict | None) -> str:
    """A paired difference's cell, starred when its interval excludes 0."""
    if row is None:
        return "–"
    excludes = row["ci_low"] > 0 or row["ci_high"] < 0  # False for NaN
    return cell(row) + (" *" if excludes else "")


def _mechanism(row: dict) -> list[str]:
    return [row["metric"], fmt(row["base_mean"], row["unit"]), _effect(row)]
