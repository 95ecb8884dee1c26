"""The live app's Budget tab, from an optimise folder's files only (no new runs): for an amount
up to the budget, the best mix the optimise run simulated at that cost or less, and the front
with the amount and that mix marked."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow.parquet as pq

from sim.output.results import read_manifest
from sim.report import budget_page
from sim.report.page import UNITS, cell, label
from sim.report.style import Section

STEP_DKK = 100_000  # the slider moves in steps of this much a year
MARK_SPACINGS_DKK = tuple(m * 10**e for e in range(5, 11) for m in (1, 2, 5))
MOST_MARKS = 8
BEST_WORD = {"maximise": "highest", "minimise": "lowest"}


class FolderError(Exception):
    """The folder cannot be shown as a budget; the message says why, in one line (the caller
    names the folder)."""


@dataclass(frozen=True)
class Budget:
    """What the tab reads from an optimise folder."""

    name: str
    rows: list[dict]  # budget_page.front_table: every portfolio, its cost and the objective
    selection: dict  # selection.json: the objective, the budget and KN++'s choice
    levers: list[dict]  # the budget file's levers: name, unit, ...
    prices_dkk_per_year: dict[str, float]
    unit: str  # the objective's unit in summary.parquet

    @property
    def budget_dkk_per_year(self) -> float:
        return self.selection["budget_dkk_per_year"]


def read(folder: str | None) -> Budget:
    """The optimise folder's portfolios and selection; FolderError if it is not one."""
    if not folder:
        raise FolderError("no optimise folder given")
    path = Path(folder).expanduser()
    if not budget_page.is_budget(path):
        raise FolderError("not an optimise folder (no selection.json; "
                          "`housing-sim optimise BUDGET.toml` writes one)")
    try:
        selection = json.loads((path / "selection.json").read_text(encoding="utf-8"))
        manifest = read_manifest(path)
        summary = pq.read_table(path / "summary.parquet", columns=["metric", "unit"])
        metric = selection["objective"]["metric"]
        unit = next((r["unit"] for r in summary.to_pylist() if r["metric"] == metric), "")
        return Budget(manifest["name"], budget_page.front_table(path), selection,
                      manifest["settings"]["levers"], manifest["prices_dkk_per_year"], unit)
    except (OSError, KeyError, TypeError, ValueError) as exc:  # half-written or damaged
        raise FolderError(f"cannot read it as an optimise folder ({exc})") from None


def marks(budget_dkk: float) -> dict[float, str]:
    """Slider marks in millions at a 1-2-5 spacing (at most MOST_MARKS), and the budget."""
    spacing = next((s for s in MARK_SPACINGS_DKK if budget_dkk / s <= MOST_MARKS),
                   MARK_SPACINGS_DKK[-1])
    below = range(0, int(budget_dkk - spacing / 2) + 1, spacing)  # none crowding the budget
    return {m: f"{m / 1e6:g} M" for m in below} | {budget_dkk: f"{budget_dkk / 1e6:.2f} M"}


def best_within(shown: Budget, money_dkk: float) -> dict:
    """The mix for the money: KN++'s choice when it covers the budget, else the simulated mix
    (not a marginal one, which costs more than the budget) with the best mean at that cost or
    less, the cheaper on a tie (the base, costing nothing, is always there)."""
    if money_dkk >= shown.budget_dkk_per_year:
        chosen = shown.selection["chosen"]["point"]
        return next(r for r in shown.rows if r["point"] == chosen)
    sign = 1.0 if shown.selection["objective"]["direction"] == "maximise" else -1.0
    affordable = [r for r in shown.rows
                  if r["role"] != "marginal" and r["cost_dkk_per_year"] <= money_dkk]
    return max(affordable, key=lambda r: (sign * r["mean"], -r["cost_dkk_per_year"]))


def sections(shown: Budget, money_dkk: float) -> list[Section]:
    """The best mix for the money as a table, and the front with the money and the mix
    marked."""
    best = best_within(shown, money_dkk)
    front = budget_page.front_section(shown.rows, shown.selection, money_dkk)
    front.figure.add_scatter(  # a black ring round the mix in the table
        x=[best["cost_dkk_per_year"] / 1e6], y=[best["mean"]], mode="markers",
        name="best for the amount", hoverinfo="skip",
        marker={"symbol": "circle-open", "size": 26, "color": "#000", "line": {"width": 3}})
    front = replace(front, caption=front.caption + " The black ring is the mix in the table: "
                    "the best for the amount on the slider.")
    return [mix_section(shown, best, money_dkk), front]


def mix_section(shown: Budget, best: dict, money_dkk: float) -> Section:
    """The mix for the money: units and cost per lever, and the objective's mean and 95 %
    interval; the caption says where its guarantee ends."""
    full = money_dkk >= shown.budget_dkk_per_year
    title = (f"The full budget, {money_dkk:,.0f} DKK a year: the optimise run's choice (KN++)"
             if full else f"Up to {money_dkk:,.0f} DKK a year: the best mix simulated")
    return Section("budget-mix", title, caption(shown), body=mix_table(shown, best))


def mix_table(shown: Budget, best: dict) -> str:
    """Lever, units and cost per lever, the total, and the objective's mean [95 % interval]."""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(lever['name'])} ({esc(lever['unit'])})</td>"
        f"<td class='num'>{best[lever['name']]}</td>"
        f"<td class='num'>{best[lever['name']] * shown.prices_dkk_per_year[lever['name']]:,.0f}"
        "</td></tr>"
        for lever in shown.levers)
    objective = shown.selection["objective"]
    shown_unit, scale = UNITS.get(shown.unit, (shown.unit, 1.0))
    return (f"<table class='metrics'><tr><th>Lever</th><th>Units</th>"
            f"<th>Cost, DKK a year</th></tr>{rows}<tr><th>All levers</th><td></td>"
            f"<td class='num'>{best['cost_dkk_per_year']:,.0f}</td></tr>"
            f"<tr><th>{esc(label(objective['metric']))} ({esc(shown_unit)}; "
            f"{objective['direction']}), mean [95&nbsp;% interval] over {best['reps']} "
            f"replications</th><td></td>{cell(best, scale)}</tr></table>")


def caption(shown: Budget) -> str:
    """No new runs; only the full budget's choice carries KN++'s guarantee (selection.json)."""
    chosen = shown.selection
    objective = chosen["objective"]
    guarantee = (f"Only the full budget's choice (the star) carries KN++'s guarantee: it is the "
                 f"best mix with probability at least "
                 f"{chosen['probability_of_correct_selection']:.0%} when the best is at least "
                 f"{chosen['indifference_zone']:g} better than the others." if chosen["guaranteed"]
                 else "Only the full budget's choice (the star) was made by KN++, and here "
                 "without its guarantee: the run stopped at max_replications.")
    return (f"The mixes are those the optimise run simulated; nothing is run here. Below the "
            f"budget the table shows, of the mixes that cost at most the amount, the one with "
            f"the {BEST_WORD[objective['direction']]} mean {html.escape(objective['metric'])} "
            f"over its own replications: a screening result with no selection guarantee. "
            f"{guarantee}")
