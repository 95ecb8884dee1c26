"""The report of an optimise folder, from its files only: every portfolio's cost against its
outcome with the front and where the chosen mix and the city's own choice sit, and what one
more million buys on each lever."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pyarrow.parquet as pq

from sim.output.results import read_manifest
from sim.report.page import write_page
from sim.report.style import PALETTE, Section, styled

ROLE_COLOURS = {"search": PALETTE[0], "front": PALETTE[1], "marginal": PALETTE[2],
                "base": "#000", "city": PALETTE[3]}


def is_budget(folder: Path) -> bool:
    """A finished optimise folder: it has its selection."""
    return (folder / "selection.json").is_file()


def build_report(folder: Path) -> Path:
    manifest = read_manifest(folder)
    return write_page(folder, f"Budget {manifest['name']}: what the money buys",
                      header(manifest, _selection(folder)), sections(folder))


def _selection(folder: Path) -> dict:
    return json.loads((folder / "selection.json").read_text(encoding="utf-8"))


def front_table(folder: Path) -> list[dict]:
    """Every portfolio with its cost, role, units and the objective's mean and 95 % interval
    over the search's replications, which every mix ran (front.parquet), so they compare."""
    manifest = read_manifest(folder)
    rows = {r["point"]: r for r in pq.read_table(folder / "candidates.parquet").to_pylist()}
    for r in pq.read_table(folder / "front.parquet").to_pylist():
        if r["point"] in rows:
            rows[r["point"]] |= {k: r[k] for k in ("mean", "ci_low", "ci_high", "reps")}
    levers = [lever["name"] for lever in manifest["settings"]["levers"]]
    return [r | {"mix": ", ".join(f"{r[n]} {n}" for n in levers)} for r in rows.values()
            if "mean" in r]


def header(manifest: dict, chosen: dict) -> str:
    esc = html.escape
    units = ", ".join(f"{n} {name}" for name, n in chosen["chosen"]["units"].items())
    city = chosen.get("versus_city")
    versus = "" if city is None else (
        f"<p>Against the city's own choice the chosen mix gives "
        f"{city['chosen_minus_city']:+.1f} {esc(city['metric'])} (95&nbsp;% interval "
        f"{city['ci_low']:+.1f} to {city['ci_high']:+.1f}, {city['replications']} paired "
        "replications).</p>")
    guarantee = (f"with probability at least {chosen['probability_of_correct_selection']:.0%} "
                 f"when the best mix is at least {chosen['indifference_zone']:g} better than "
                 "the others" if chosen["guaranteed"] else
                 "<strong>without its guarantee</strong>: it stopped at max_replications")
    facts = (("Budget file", manifest["budget_file"]), ("Base", manifest["base"]),
             ("Levers buy from", manifest["from"]),
             ("Money for the levers", f"{chosen['budget_dkk_per_year']:,.0f} DKK a year"),
             ("Replications", chosen["replications_total"]),
             ("Uncertainty", manifest["uncertainty"]), ("Seed", manifest["seed"]),
             ("Simulator version", manifest["sim_version"]),
             ("Git commit", manifest.get("git_commit") or "not recorded"))
    rows = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in facts)
    return f"""<header>
<h1>Budget {esc(manifest['name'])}: what the money buys</h1>
<p class='lead'>{esc(manifest['settings'].get('description', ''))}. The best mix found is
<strong>{esc(units)}</strong> ({chosen['chosen']['cost_dkk_per_year']:,.0f} DKK a year), chosen
by {esc(chosen['procedure'])}, {guarantee}. Method: docs/budget.md.</p>
{versus}
<table>{rows}</table>
</header>"""


def sections(folder: Path) -> list[Section]:
    chosen = _selection(folder)
    return [front_section(front_table(folder), chosen), marginal_section(chosen)]


def front_section(rows: list[dict], chosen: dict,
                  money_dkk_per_year: float | None = None) -> Section:
    """Cost against the objective for every portfolio run, the best found at each cost (the
    front), and the chosen mix and the city's choice marked; the vertical line is at the money
    given (the live app's slider), else the budget."""
    metric, best = chosen["objective"]["metric"], chosen["chosen"]["point"]
    sign = 1.0 if chosen["objective"]["direction"] == "maximise" else -1.0
    fig = go.Figure()
    for role, colour in ROLE_COLOURS.items():
        pick = [r for r in rows if r["role"] == role]
        if pick:
            fig.add_trace(_points(pick, role, colour, 8))
    ordered = sorted(rows, key=lambda r: r["cost_dkk_per_year"])
    front, top = [], -np.inf
    for r in ordered:
        if sign * r["mean"] > top:
            top = sign * r["mean"]
            front.append(r)
    fig.add_trace(go.Scatter(x=[r["cost_dkk_per_year"] / 1e6 for r in front],
                             y=[r["mean"] for r in front], mode="lines", name="front",
                             line={"color": "#888", "shape": "hv", "dash": "dot"}))
    fig.add_trace(_points([r for r in rows if r["point"] == best], "chosen", "#d62728", 16,
                          "star"))
    money = chosen["budget_dkk_per_year"] if money_dkk_per_year is None else money_dkk_per_year
    fig.add_vline(x=money / 1e6, line={"color": "#000", "width": 1})
    styled(fig, 520).update_layout(hovermode="closest", legend_title_text="")
    fig.update_xaxes(title_text="cost, million DKK a year")
    fig.update_yaxes(title_text=metric)
    return Section("budget-front", "Every portfolio: its cost against what it achieves",
                   "Each dot is a mix of the levers that was simulated: its mean and 95&nbsp;% "
                   "interval over the search's replications, which every mix ran with the same "
                   "seeds (and posterior draws), so the dots compare. By how it was found: the "
                   "search, the "
                   "front below the budget, the marginal million. The dotted line is the best "
                   "found at each cost; the vertical line is the money for the levers. The "
                   "star is the chosen mix, and the city's own choice is marked.", fig)


def _points(rows: list[dict], name: str, colour: str, size: int,
            symbol: str = "circle") -> go.Scatter:
    mean = np.array([r["mean"] for r in rows])
    return go.Scatter(
        x=[r["cost_dkk_per_year"] / 1e6 for r in rows], y=mean, mode="markers", name=name,
        marker={"color": colour, "size": size, "symbol": symbol},
        error_y={"type": "data", "symmetric": False,
                 "array": np.array([r["ci_high"] for r in rows]) - mean,
                 "arrayminus": mean - np.array([r["ci_low"] for r in rows])},
        text=[r["mix"] for r in rows],
        hovertemplate="%{text}<br>%{x:.2f} million: %{y:.1f}<extra></extra>")


def marginal_section(chosen: dict) -> Section:
    """What a marginal amount of money buys on each lever, added to the chosen mix."""
    rows, metric = chosen["marginal"], chosen["objective"]["metric"]
    mean = np.array([r["per_money_mean"] for r in rows])
    fig = go.Figure(go.Bar(
        x=mean, y=[r["lever"] for r in rows], orientation="h", marker={"color": PALETTE[0]},
        error_x={"type": "data", "symmetric": False,
                 "array": np.array([r["per_money_ci_high"] for r in rows]) - mean,
                 "arrayminus": mean - np.array([r["per_money_ci_low"] for r in rows])},
        text=[f"{r['units']} more" for r in rows],
        hovertemplate="%{y}: %{x:+.1f}<extra></extra>"))
    fig.add_vline(x=0, line={"color": "#000", "width": 1})
    styled(fig, 160 + 50 * len(rows)).update_layout(hovermode="closest")
    fig.update_xaxes(title_text=f"change in {metric} per marginal amount a year")
    return Section("budget-marginal", "What the next money buys, lever by lever",
                   "The chosen mix plus the marginal amount's worth of one lever (at least "
                   "one unit), paired with the chosen mix over the same replications: the "
                   "change per that money, with its 95&nbsp;% interval.", fig)
