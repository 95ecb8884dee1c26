"""Text tables for the terminal: key metrics per scenario with 95 % intervals, and the paired
difference to the first scenario."""

from __future__ import annotations

import math

import pyarrow as pa

KEY_METRICS = (
    "housed_total", "housed_per_month", "housed_2024", "housed_2025", "housed_2026", "housed_2027",
    "homeless_at_end", "in_shelter_at_end", "wait_assessment_days_mean",
    "wait_allocation_days_mean", "homeless_to_home_days_median", "shelter_stay_days_mean",
    "retention_12m", "retention_24m", "returns_to_homelessness", "utilisation_caseworkers",
    "utilisation_housing_advisors", "utilisation_support_workers", "cost_total_dkk",
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


def summary_text(summary: pa.Table, paired: pa.Table | None, order: list[str]) -> str:
    """One line per key metric: each scenario's mean [95 % CI], then differences to the first."""
    rows = {(r["scenario"], r["metric"]): r for r in summary.to_pylist()}
    diffs = {(r["scenario"], r["metric"]): r for r in paired.to_pylist()} if paired else {}
    present = [m for m in KEY_METRICS if any((s, m) in rows for s in order)]
    header = ["metric (95 % CI)", *order]
    header += [f"{s} − {order[0]}" for s in order[1:] if diffs]
    lines = [[m, *(cell(rows.get((s, m))) for s in order),
              *(cell(diffs.get((s, m))) for s in order[1:] if diffs)] for m in present]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    def render(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
    reps = max((r["reps"] for r in rows.values()), default=0)
    out = [render(header), render(["-" * w for w in widths]), *map(render, lines)]
    out.append(f"{reps} replications per scenario; intervals are 95 % t-intervals"
               + ("; differences are paired (common random numbers)." if diffs else "."))
    return "\n".join(out)


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
