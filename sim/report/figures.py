"""The report's figures drawn from the record tables (via report_data): the flow of citizens,
waits per stage, retention by need tier, the quota audit, and costs from the summary. Each
returns a Section, or None when its data does not exist."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import plotly.graph_objects as go
import pyarrow.dataset as ds
from plotly.subplots import make_subplots

from sim.config import DAYS_PER_MONTH
from sim.report import data
from sim.report.style import Section, rgba, styled

NODES = {  # Sankey node → label (Danish term with English beside it)
    "arrived": "Became homeless (nyligt hjemløse)",
    "own_home": "Assessed: own home (egen bolig)",
    "botilbud": "Assessed: botilbud (supported care)",
    "skaev_bolig": "Assessed: skæv bolig (alternative housing)",
    "not_ready": "Assessed: not ready yet (ikke parat)",
    "unassessed": "Not yet assessed (venter på udredning)",
    "housed": "Housed in own home (egen bolig)",
    "botilbud_out": "Moved into botilbud",
    "skaev_bolig_out": "Moved into skæv bolig",
    "left": "Left by themselves (moved, died, found a home)",
    "waiting": "Still homeless at the end",
    "kept": "Kept the home",
    "lost": "Lost the home again (homeless again)",
}
# Outcomes in colours no scenario uses (wine from Paul Tol's colour-blind-safe set), so "still
# homeless" is never mistaken for the second scenario's vermillion.
NODE_COLOURS = {"housed": "#117733", "kept": "#117733", "botilbud_out": "#88CCEE",
                "skaev_bolig_out": "#88CCEE", "left": "#999999", "waiting": "#882255",
                "lost": "#882255"}
TIER_LABELS = {"low": "low need (CTI)", "medium": "medium need (ICM)",
               "high": "high need (ACT)"}
COST_ITEMS = {
    "cost_shelter_dkk": "herberg (shelter)",
    "cost_botilbud_dkk": "botilbud (supported care)",
    "cost_skaev_bolig_dkk": "skæve boliger (alternative housing)",
    "cost_staff_dkk": "staff (personale)",
    "cost_private_support_dkk": "private bostøtte (private support)",
    "cost_care_dkk": "sygepleje og hjemmepleje (care)",
    "cost_subsidy_exit_dwelling_dkk": "udslusningsbolig subsidy (exit dwelling)",
    "cost_subsidy_state_subsidy_dkk": "statsligt huslejetilskud (state rent subsidy)",
}
PAYERS = {"cost_municipality_dkk": "kommunen (municipality)", "cost_state_dkk": "staten (state)",
          "cost_citizens_dkk": "borgerne (citizens' own payment)"}
YEAR_COST = r"cost_(\d{4})_(municipality|state|citizens)_dkk"


# --- flow --------------------------------------------------------------------------------------


def digests(events: ds.Dataset | None, runs: dict[str, dict]) -> dict[str, data.Digest]:
    """Flows, waits and tenancies of every scenario, each read from its events once."""
    if events is None:
        return {}
    return {name: data.digest(events, name, float(run.get("warmup_days", 0.0)), _horizon(run))
            for name, run in runs.items()}


def sankey_sections(found: dict[str, data.Digest], runs: dict[str, dict],
                    colours: dict[str, str]) -> list[Section]:
    """One Sankey diagram per scenario: where the citizens who became homeless went."""
    return [sankey_section(name, found[name].flows, run, colours[name], f"fig-flow-{i}")
            for i, (name, run) in enumerate(runs.items())
            if name in found and found[name].flows]


def sankey_section(name: str, flows: dict[tuple[str, str], float], run: dict, colour: str,
                   key: str) -> Section:
    """The Sankey diagram of one scenario's mean flows."""
    rename = {("botilbud", "botilbud"): "botilbud_out", ("skaev_bolig", "skaev_bolig"):
              "skaev_bolig_out"}
    links = [(src, rename.get((src, dst), dst), value) for (src, dst), value in flows.items()
             if value > 0]
    nodes = [n for n in NODES if any(n in (s, d) for s, d, _ in links)]
    index = {n: i for i, n in enumerate(nodes)}
    total = {n: max(sum(v for s, _, v in links if s == n), sum(v for _, d, v in links if d == n))
             for n in nodes}
    fig = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",.0f", valuesuffix=" citizens",
        node={"label": [f"{NODES[n]}: {total[n]:,.0f}" for n in nodes], "pad": 14,
              "thickness": 16, "color": [NODE_COLOURS.get(n, colour) for n in nodes],
              "line": {"width": 0}},
        link={"source": [index[s] for s, _, _ in links], "target": [index[d] for _, d, _ in links],
              "value": [v for _, _, v in links],
              "color": [rgba(NODE_COLOURS.get(d, colour), 0.3) for _, d, _ in links]}))
    styled(fig, 520).update_layout(margin={"l": 20, "r": 20, "t": 40, "b": 20})
    start = _after_warmup(run)
    caption = (f"Scenario {html.escape(name)}: the citizens who became homeless from {start} to "
               f"{run['end_date']} (mean per replication), by the route their last udredning "
               "(assessment) gave before they reached a place, and where they were at the end: "
               "housed in their own home, in botilbud or skæv bolig, gone by themselves (moved "
               "away, died, or found a home without the municipality), or still homeless. The "
               "last column splits those housed by whether they lost the home again before the "
               "end. Band widths are numbers of citizens.")
    return Section(key, f"Flow of citizens through the pipeline: {html.escape(name)}", caption,
                   fig)


def _after_warmup(run: dict) -> str:
    """The first day after the warm-up, as an ISO date."""
    start = np.datetime64(run["start_date"], "D")
    return str(start + np.timedelta64(math.ceil(float(run.get("warmup_days", 0.0))), "D"))


# --- waits -------------------------------------------------------------------------------------


def waits_section(found: dict[str, data.Digest],
                  colours: dict[str, str]) -> Section | None:
    """Box plots of completed waits per stage and of homeless → own home, per scenario."""
    if not found:
        return None
    fig = make_subplots(rows=1, cols=2, column_widths=[0.78, 0.22], horizontal_spacing=0.08,
                        subplot_titles=["Wait per stage", "Homeless → own home"])
    for name, summary in found.items():
        samples = summary.waits
        for col, labels in ((1, [s[0] for s in data.WAIT_STAGES]), (2, [data.HOMELESS_TO_HOME])):
            box = _box(name, colours[name], [(label, samples.get(label)) for label in labels],
                       legend=col == 1)
            if box is not None:
                fig.add_trace(box, row=1, col=col)
    if not fig.data:
        return None
    styled(fig, 520).update_layout(boxmode="group", hovermode="closest")
    fig.update_yaxes(title_text="days", rangemode="tozero")
    fig.update_xaxes(tickangle=0)
    caption = ("How long citizens waited at each stage, for waits that began after the warm-up "
               "and ended before the end of the run: box from the 25th to the 75th percentile, "
               "line at the median, dashed line at the mean, whiskers from the 5th to the 95th "
               "percentile. "
               "Waits still under way at the end, and of citizens who left while waiting, are "
               "not included, as in the headline table; so long queues look shorter than they "
               "are. Right: time from becoming homeless (or losing a home) to moving into an "
               "own home, for those who got one. A stage with no box had no completed waits.")
    return Section("fig-waits", "Waiting times per stage", caption, fig)


def _box(name: str, colour: str, stages: list[tuple[str, np.ndarray | None]],
         legend: bool) -> go.Box | None:
    """A box trace from precomputed percentiles (keeps the file small)."""
    shown = [(label, x) for label, x in stages if x is not None and len(x)]
    if not shown:
        return None
    q = np.array([np.percentile(x, [5, 25, 50, 75, 95]) for _, x in shown])
    return go.Box(name=name, legendgroup=name, showlegend=legend,
                  x=[label.replace(" (", "<br>(") for label, _ in shown],
                  q1=q[:, 1], median=q[:, 2], q3=q[:, 3], lowerfence=q[:, 0], upperfence=q[:, 4],
                  mean=[float(np.mean(x)) for _, x in shown], boxmean=True,
                  marker={"color": colour}, line={"color": colour},
                  fillcolor=rgba(colour, 0.25),
                  customdata=[len(x) for _, x in shown],
                  hovertemplate="%{x}: median %{median:,.0f} days (n = %{customdata:,})"
                                f"<extra>{html.escape(name)}</extra>")


def _horizon(run: dict) -> float:
    """Run length in days (the run covers its end date)."""
    days = np.datetime64(run["end_date"], "D") - np.datetime64(run["start_date"], "D")
    return float(days.astype(int) + 1)


# --- retention ---------------------------------------------------------------------------------


def retention_section(found: dict[str, data.Digest],
                      lines: dict[str, dict]) -> Section | None:
    """Kaplan–Meier share still in their own home, by need tier, per scenario."""
    if not found:
        return None
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[TIER_LABELS[t] for t in data.TIERS])
    for name, summary in found.items():
        spells = summary.spells
        for col, tier in enumerate(data.TIERS, start=1):
            curve = data.kaplan_meier_curve(*spells[tier]) if tier in spells else None
            if curve is not None:
                _add_curve(fig, curve, name, lines[name], col)
    if not fig.data:
        return None
    styled(fig, 440).update_layout(hovermode="x")
    fig.update_yaxes(range=[0, 101], ticksuffix=" %")
    fig.update_yaxes(title_text="still in own home", row=1, col=1)
    fig.update_xaxes(title_text="months after moving in", dtick=6, rangemode="tozero")
    caption = ("Share of citizens still in their own home, by months since they moved in, for "
               "each bostøtte (floating support) need tier. Kaplan–Meier estimate over all "
               "tenancies begun after the warm-up, in all replications; tenancies still running "
               "at the end of the run count as long as they were followed (censored). Band: "
               "95&nbsp;% interval. A curve stops where fewer than "
               f"{data.MIN_AT_RISK} tenancies were followed that long.")
    return Section("fig-retention", "Keeping the home (fastholdelse) by need tier", caption, fig)


def _add_curve(fig: go.Figure, curve: data.Curve, name: str, line: dict, col: int) -> None:
    """A step curve in % over months, with its interval band."""
    months = curve.days / DAYS_PER_MONTH
    band = go.Scatter(x=np.concatenate([months, months[::-1]]),
                      y=100 * np.concatenate([curve.high, curve.low[::-1]]), fill="toself",
                      fillcolor=rgba(line["color"], 0.18), line={"width": 0, "shape": "hv"},
                      hoverinfo="skip", showlegend=False, legendgroup=name)
    fig.add_trace(band, row=1, col=col)
    fig.add_trace(go.Scatter(x=months, y=100 * curve.share, name=name, legendgroup=name,
                             showlegend=col == 1, line={**line, "shape": "hv"},
                             hovertemplate="%{y:.1f} %"), row=1, col=col)


# --- quota -------------------------------------------------------------------------------------


def quota_section(vacancies: ds.Dataset | None, runs: dict[str, dict],
                  colours: dict[str, str]) -> Section | None:
    """Social allocations per department as a share of its vacancies, against its quota."""
    if vacancies is None:
        return None
    fig = go.Figure()
    audits = {name: data.quota_audit(vacancies, name, float(run.get("warmup_days", 0.0)))
              for name, run in runs.items()}
    for name, rows in audits.items():
        if not rows:
            continue
        fig.add_trace(go.Bar(
            x=[f"{r.department}" for r in rows],
            y=[100 * r.social / r.vacancies if r.vacancies else 0.0 for r in rows],
            name=name, marker={"color": colours[name]},
            customdata=[(r.vacancies, r.social, "yes" if r.kept else "NO") for r in rows],
            hovertemplate="department %{x}: %{y:.1f} % social (%{customdata[1]:,.1f} of "
                          "%{customdata[0]:,.1f} vacancies); running quota kept: "
                          "%{customdata[2]}<extra>" + html.escape(name) + "</extra>"))
    if not fig.data:
        return None
    first = next(rows for rows in audits.values() if rows)
    fig.add_trace(go.Scatter(x=[f"{r.department}" for r in first],
                             y=[100 * r.quota_share for r in first], mode="markers",
                             name="quota (kvote)", marker={"symbol": "line-ew-open", "size": 18,
                                                           "color": "#000",
                                                           "line": {"width": 2}}))
    styled(fig, 440).update_layout(barmode="group", hovermode="closest", bargap=0.25)
    fig.update_yaxes(title_text="social allocations, % of vacancies", ticksuffix=" %",
                     rangemode="tozero")
    fig.update_xaxes(title_text="housing department (afdeling)", type="category")
    caption = ("Quota audit per boligafdeling (housing department): the share of its vacant "
               "dwellings let through boligsocial anvisning (social housing allocation), to "
               "homeless citizens and other households alike, after the warm-up, mean over "
               "replications, against the department's quota (black "
               "dash: at most 1 in 3 under the 2024–2027 agreement, 0 in shielded departments). "
               + _quota_verdict(audits))
    return Section("fig-quota", "Quota audit per department (kvote)", caption, fig,
                   body=quota_table(audits))


def _quota_verdict(audits: dict[str, list[data.QuotaRow]]) -> str:
    """One sentence: did the running quota hold everywhere?"""
    broken = sorted({f"{name} department {r.department}" for name, rows in audits.items()
                     for r in rows if not r.kept})
    if broken:
        return ("<strong>The running quota was exceeded</strong> in: "
                + html.escape(", ".join(broken)) + ".")
    return ("The running quota (after a department's n-th vacancy at most ⌊n × quota⌋ social "
            "allocations) held at every vacancy of every department in every replication.")


def quota_table(audits: dict[str, list[data.QuotaRow]]) -> str:
    """Totals per scenario and quota level: vacancies, social allocations, share."""
    rows = []
    for name, audit in audits.items():
        for quota in sorted({r.quota_share for r in audit}):
            group = [r for r in audit if r.quota_share == quota]
            vac, soc = sum(r.vacancies for r in group), sum(r.social for r in group)
            share = 100 * soc / vac if vac else 0.0
            rows.append(f"<tr><td>{html.escape(name)}</td><td class='num'>{100 * quota:.1f} %"
                        f"</td><td class='num'>{len(group)}</td><td class='num'>{vac:,.0f}</td>"
                        f"<td class='num'>{soc:,.0f}</td><td class='num'>{share:.1f} %</td></tr>")
    return ("<table class='metrics'><tr><th>Scenario</th><th>Quota (kvote)</th><th>Departments"
            "</th><th>Vacancies</th><th>Social allocations</th><th>Social share</th></tr>"
            + "".join(rows) + "</table>")


# --- costs -------------------------------------------------------------------------------------


def costs_section(summary: list[dict], names: list[str],
                  colours: dict[str, str]) -> Section | None:
    """Costs over the statistics window by payer and by item, per scenario, with intervals;
    by year where the summary has yearly cost metrics (cost_<year>_<payer>_dkk)."""
    rows = {(r["scenario"], r["metric"]): r for r in summary}
    groups = [("By payer", PAYERS), ("By item", COST_ITEMS)]
    years = sorted({m for _, m in rows if re.fullmatch(YEAR_COST, m)})
    if years:
        groups.insert(0, ("By year", {m: _year_label(m) for m in years}))
    groups = [(title, items) for title, items in groups
              if any((n, m) in rows for n in names for m in items)]
    if not groups:
        return None
    heights = [len(items) for _, items in groups]
    fig = make_subplots(rows=len(groups), cols=1, subplot_titles=[t for t, _ in groups],
                        vertical_spacing=0.08, row_heights=heights)
    for name in names:
        for row, (_, items) in enumerate(groups, start=1):
            found = [(label, rows[(name, m)]) for m, label in items.items() if (name, m) in rows]
            fig.add_trace(_cost_bar(name, colours[name], found, row == 1), row=row, col=1)
    styled(fig, 160 + 34 * len(names) * sum(heights)).update_layout(barmode="group",
                                                                   hovermode="closest")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="million DKK", row=len(groups), col=1)
    caption = ("What the scenarios cost from the end of the warm-up to the end of the run, in "
               "million DKK, mean over replications with 95&nbsp;% interval (whiskers): by year "
               "and payer, by payer (the state refunds half of the herberg cost up to 120 days a "
               "citizen a year, 90 from April 2026, and part of the first two years of bostøtte "
               "(§85a); citizens pay their own shelter payment; the kommune pays the rest) and "
               "by item. Budget 2024 gave 30.2 million DKK a year for 2024–2027: compare it with "
               "the difference between scenarios, which the printed table shows year by year.")
    return Section("fig-costs", "Costs by payer (udgifter)", caption, fig)


def _cost_bar(name: str, colour: str, found: list[tuple[str, dict]], legend: bool) -> go.Bar:
    """Horizontal bars of mean cost (million DKK) with interval whiskers."""
    mean = np.array([r["mean"] for _, r in found], dtype=float) / 1e6
    low = np.array([r["ci_low"] if r["ci_low"] is not None else math.nan
                    for _, r in found], dtype=float) / 1e6
    high = np.array([r["ci_high"] if r["ci_high"] is not None else math.nan
                     for _, r in found], dtype=float) / 1e6
    return go.Bar(y=[label for label, _ in found], x=mean, name=name, orientation="h",
                  legendgroup=name, showlegend=legend, marker={"color": colour},
                  error_x={"type": "data", "symmetric": False, "array": np.nan_to_num(high - mean),
                           "arrayminus": np.nan_to_num(mean - low), "color": "#333"},
                  hovertemplate="%{y}: %{x:,.1f} million DKK<extra>" + html.escape(name)
                                + "</extra>")


def _year_label(metric: str) -> str:
    """'cost_2025_state_dkk' → 'state 2025'."""
    year, payer = re.fullmatch(YEAR_COST, metric).groups()
    return f"{payer} {year}"
