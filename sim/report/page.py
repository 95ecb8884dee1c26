"""report.html: a self-contained offline report drawn from a result folder's files alone.

Sections appear only where their data exists: the run, a headline table of key metrics (with
paired differences after `compare`), counts over time, housed per month, the flow of citizens,
waits per stage, staff utilisation and caseloads, retention by need tier, costs, the quota audit
and a forest plot of the paired differences. plotly.js is inlined once, so the file opens
offline. The same sections feed the PNG export (images.py) and the live app (dashboard.py).
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.offline
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from plotly.subplots import make_subplots

from sim.config import stages
from sim.config.stages import STAFF_POOLS, STAGES
from sim.output.results import atomic_write, read_manifest
from sim.report import data as report_data
from sim.report import figures
from sim.report.style import (
    FONT,
    Section,
    add_band,
    colours_for,
    dates,
    lines_for,
    shade_warmup,
    styled,
)

MAX_POINTS = 400  # per line; daily snapshots over years are thinned to keep the file small
FOREST_LIMIT = 100.0  # % of the first scenario's mean; larger differences are drawn at the edge
# Regular expressions, in table order; a pattern may match several metrics (years, pools).
KEY_METRICS = (
    "housed_total", "housed_per_month", r"housed_\d{4}", "homeless_at_end", "in_shelter_at_end",
    "wait_assessment_days_mean", "wait_allocation_days_mean", "homeless_to_home_days_median",
    "shelter_stay_days_mean", "retention_6m", "retention_12m", "retention_24m",
    "returns_to_homelessness", r"utilisation_\w+", "cost_total_dkk", "cost_municipality_dkk",
    "cost_state_dkk",
)
LABELS = {
    "housed_total": "Housed in own home, whole run",
    "housed_per_month": "Housed in own home per month",
    "homeless_at_end": "Homeless at the end",
    "in_shelter_at_end": "In herberg (shelter) at the end",
    "wait_assessment_days_mean": "Wait for udredning (assessment by a caseworker), mean",
    "wait_allocation_days_mean":
        "Wait for a dwelling via boligsocial anvisning (social housing allocation), mean",
    "homeless_to_home_days_median": "Time from homeless to own home, median",
    "shelter_stay_days_mean": "Stay in herberg (shelter), mean",
    "retention_6m": "Still in own home after 6 months",
    "retention_12m": "Still in own home after 12 months",
    "retention_24m": "Still in own home after 24 months",
    "returns_to_homelessness": "Lost the home, homeless again",
    "cost_total_dkk": "Cost, total",
    "cost_municipality_dkk": "Cost to the kommune (municipality)",
    "cost_state_dkk": "Cost to the state (refunds)",
}
COUNTS = (  # counts drawn over time: the homeless total, shelter beds in use, charted stages
    ("homeless", "Homeless (hjemløse), in or outside a shelter"),
    ("shelter_beds_busy", "In herberg (shelter)"),
    *((f"n_{stage.name}", stage.label) for stage in STAGES if stage.charted),
)
UNITS = {  # summary unit → (shown unit, scale)
    "share": ("%", 100.0),
    "DKK": ("million DKK", 1e-6),
    "days": ("days", 1.0),
    "citizens": ("citizens", 1.0),
    "citizens/month": ("citizens/month", 1.0),
    "dwellings": ("dwellings", 1.0),
}
CSS = f"""
body {{ font-family: {FONT}; color: #222; max-width: 1400px; margin: 0 auto; padding: 1.5rem;
       line-height: 1.45; }}
h1 {{ font-size: 1.7rem; margin-bottom: .2rem; }}
h2 {{ font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }}
p.lead {{ max-width: 62rem; }}
figure {{ margin: 0; }}
figcaption, .note {{ color: #444; font-size: .92rem; max-width: 62rem; }}
table {{ border-collapse: collapse; font-size: .92rem; }}
th, td {{ padding: .3rem .7rem; text-align: left; vertical-align: top; }}
table.metrics td.num {{ text-align: right; font-variant-numeric: tabular-nums;
                        white-space: nowrap; }}
table.metrics tr:nth-child(even) {{ background: #f4f6f8; }}
table.metrics td:first-child {{ min-width: 16rem; }}
table.metrics th {{ border-bottom: 2px solid #888; }}
.ci {{ color: #666; display: block; font-size: .85em; }}
.clear {{ font-weight: 600; }}
.swatch {{ display: inline-block; width: .9em; height: .9em; border-radius: 2px;
           margin-right: .35em; vertical-align: -0.1em; }}
"""


def build_report(folder: Path) -> Path:
    """Write folder/report.html (plotly.js inlined once) and return its path."""
    manifest = read_manifest(folder)
    runs = {s["name"]: s["config"]["run"] for s in manifest["scenarios"]}
    colours = colours_for(list(runs))
    return write_page(folder, "Homeless to own home: simulation report",
                      header(manifest, runs, colours), sections(folder))


def write_page(folder: Path, title: str, head: str, parts: list[Section]) -> Path:
    """folder/report.html: one self-contained page with the header and sections."""
    page = (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style>"
            f"<script>{plotly.offline.get_plotlyjs()}</script></head>\n<body>\n"
            + "\n".join([head, *(render(s) for s in parts)]) + "\n</body></html>\n")
    path = folder / "report.html"
    atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path


def sections(folder: Path) -> list[Section]:
    """Every section whose data exists in the result folder, in reading order."""
    manifest = read_manifest(folder)
    runs = {s["name"]: s["config"]["run"] for s in manifest["scenarios"]}
    expected = {s["name"]: s["config"]["budget"].get("extra_housed_per_month")
                for s in manifest["scenarios"]}
    summary = pq.read_table(folder / "summary.parquet").to_pylist()
    paired = pq.read_table(folder / "compare.parquet").to_pylist() \
        if (folder / "compare.parquet").is_file() else []
    tables = {name: report_data.open_table([folder], name)
              for name in ("events", "snapshots", "vacancies")}
    return view_sections(runs, summary, paired, tables, expected)


def view_sections(runs: dict[str, dict], summary: list[dict], paired: list[dict],
                  tables: dict[str, ds.Dataset | None],
                  expected: dict[str, list] | None = None) -> list[Section]:
    """The sections for scenarios' runs, summary rows, paired differences and record tables
    (shared by the report, the PNG export and the live app); `expected` is each scenario's
    `budget.extra_housed_per_month`, the seed's expectation."""
    names = list(runs)
    colours, lines = colours_for(names), lines_for(names)
    found: list[Section | None] = [headline(summary, paired, names, colours)]
    snaps = read_snapshots(tables["snapshots"]) if tables.get("snapshots") else None
    if snaps is not None:
        found.append(counts_section(snaps, runs, lines))
    digests = figures.digests(tables.get("events"), runs)
    if tables.get("events"):
        found.append(housed_section(read_housed(tables["events"]), runs, lines, expected))
    found += figures.sankey_sections(digests, runs, colours)
    found.append(figures.waits_section(digests, colours))
    if snaps is not None:
        found.append(staff_section(snaps, runs, lines))
    found.append(figures.retention_section(digests, lines))
    found.append(figures.costs_section(summary, names, colours))
    found.append(figures.quota_section(tables.get("vacancies"), runs, colours))
    if paired:
        found.append(forest_section(summary, paired, names, colours))
    return [s for s in found if s is not None]


def render(section: Section) -> str:
    """A section as HTML: title, optional block, figure (no plotly.js of its own), caption."""
    div = ""
    if section.figure is not None:
        div = section.figure.to_html(full_html=False, include_plotlyjs=False, div_id=section.key,
                                     config={"displaylogo": False, "responsive": True})
    return (f"<section><h2>{section.title}</h2>{section.body}<figure>{div}<figcaption>"
            f"{section.caption}</figcaption></figure></section>")


# --- reading ---------------------------------------------------------------------------------


def read_snapshots(dataset: ds.Dataset) -> pa.Table:
    """The snapshot columns the figures use, over every scenario and replication."""
    wanted = ["time_days", *(c for c, _ in COUNTS)]
    wanted += [f"{g}_{kind}" for g in STAFF_POOLS for kind in ("busy", "capacity", "staff")]
    present = set(dataset.schema.names)
    return dataset.to_table(columns=["scenario", "rep", *(c for c in wanted if c in present)])


def read_housed(dataset: ds.Dataset) -> pa.Table:
    """Time of every `housed` event, with its scenario and replication."""
    return dataset.to_table(columns=["scenario", "rep", "time_days"],
                            filter=ds.field("event") == "housed")


def replications(table: pa.Table, scenario: str) -> list[pa.Table]:
    """One scenario's rows split by replication, each in time order."""
    rows = table.filter(pc.equal(table["scenario"], scenario))
    reps = sorted(pc.unique(rows["rep"]).to_pylist())
    return [rows.filter(pc.equal(rows["rep"], rep)).sort_by("time_days") for rep in reps]


# --- numbers -----------------------------------------------------------------------------------


def full_months(run: dict) -> np.ndarray:
    """The calendar months that lie wholly inside the run (datetime64[M])."""
    first, last = np.datetime64(run["start_date"], "D"), np.datetime64(run["end_date"], "D")
    begin = first.astype("datetime64[M]")
    if begin.astype("datetime64[D]") != first:
        begin += 1
    end = (last + 1).astype("datetime64[M]")  # the month after the last whole one
    return np.arange(begin, end)


def month_slot(run: dict, days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Index into `months` of each model day; out-of-range slots are < 0 or ≥ len(months)."""
    month = (np.datetime64(run["start_date"], "D")
             + np.floor(days).astype("timedelta64[D]")).astype("datetime64[M]")
    return (month - months[0]).astype(int) if len(months) else np.full(len(days), -1)


def on_grid(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The step function given by snapshots (each holds until the next) at the grid times."""
    return values[np.clip(np.searchsorted(times, grid, side="right") - 1, 0, None)]


def thinned(times: np.ndarray) -> np.ndarray:
    """At most about MAX_POINTS of the snapshot times, keeping the last."""
    step = max(1, math.ceil(len(times) / MAX_POINTS))
    return np.unique(np.append(times[::step], times[-1:]))


def monthly_ratio(rep: pa.Table, top: str, below: str, run: dict,
                  months: np.ndarray) -> np.ndarray:
    """∫top / ∫below per calendar month (busy / capacity, busy / staff), each snapshot weighted
    by how long it holds."""
    t = rep["time_days"].to_numpy()
    hold = np.append(np.diff(t), 0.0)
    slot = month_slot(run, t, months)
    keep = (slot >= 0) & (slot < len(months))
    num, den = (np.bincount(slot[keep], weights=(rep[column].to_numpy() * hold)[keep],
                            minlength=len(months)) for column in (top, below))
    return np.divide(num, den, out=np.full(len(months), np.nan), where=den > 0)


def monthly_housed(times: np.ndarray, run: dict, months: np.ndarray) -> np.ndarray:
    """Number of `housed` events in each calendar month."""
    slot = month_slot(run, times, months)
    return np.bincount(slot[(slot >= 0) & (slot < len(months))], minlength=len(months))


# --- text --------------------------------------------------------------------------------------


def label(metric: str) -> str:
    """A plain-language name for a summary metric."""
    if metric in LABELS:
        return LABELS[metric]
    if year := re.fullmatch(r"housed_(\d{4})", metric):
        return f"Housed in own home in {year.group(1)}"
    if metric.startswith("utilisation_"):
        pool = metric.removeprefix("utilisation_")
        return f"Utilisation of {stages.LABELS.get(pool, pool.replace('_', ' '))}"
    return metric.replace("_", " ")


def key_metrics(present: list[str]) -> list[str]:
    """The headline metrics found in a table, in KEY_METRICS order."""
    return [m for pattern in KEY_METRICS for m in present if re.fullmatch(pattern, m)]


def number(value: float | None, scale: float = 1.0) -> str:
    """A value in its shown unit: 0 decimals from 100 up, else 1; a true minus sign."""
    if value is None or not math.isfinite(value):
        return "–"
    value *= scale
    return f"{value:,.{0 if abs(value) >= 100 else 1}f}".replace("-", "−")


def cell(row: dict | None, scale: float, difference: bool = False) -> str:
    """'mean [low to high]' as a table cell; a difference whose interval excludes 0 is bold."""
    if row is None:
        return "<td class='num'>–</td>"
    low, high = row["ci_low"], row["ci_high"]
    text = number(row["mean"], scale)
    bounded = all(v is not None and math.isfinite(v) for v in (low, high))
    if bounded:
        text += f" <span class='ci'>[{number(low, scale)} to {number(high, scale)}]</span>"
    clear = difference and bounded and (low > 0 or high < 0)
    return f"<td class='num{' clear' if clear else ''}'>{text}</td>"


def swatch(colour: str) -> str:
    """A small square in a scenario's colour."""
    return f"<span class='swatch' style='background:{colour}'></span>"


def header(manifest: dict, runs: dict[str, dict], colours: dict[str, str]) -> str:
    """Title, what was run, and a plain-language paragraph on how to read the report."""
    esc = html.escape
    reps = manifest.get("reps", "?")
    scenario_rows = "".join(
        f"<tr><td>{swatch(colours[name])}{esc(name)}</td><td>{esc(run['start_date'])} to "
        f"{esc(run['end_date'])}</td><td>{run.get('warmup_days', 0.0):g} days</td></tr>"
        for name, run in runs.items())
    commit = manifest.get("git_commit") or "not recorded"
    facts = (("Replications per scenario", reps), ("Seed", manifest.get("seed", "?")),
             ("Simulator version", manifest.get("sim_version", "?")), ("Git commit", commit),
             ("Run started", manifest.get("started", "?")),
             ("Run finished", manifest.get("finished", "?")))
    fact_rows = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in facts)
    return f"""<header>
<h1>From homeless to own home: simulation report</h1>
<p class='note'>Københavns Kommune, Socialforvaltningen (Social Services Administration):
a simulation of the hjemløsereform (homelessness reform) pipeline.</p>
<p class='lead'>This report comes from a computer simulation of how homeless citizens in
Copenhagen move from the street or a herberg (shelter) into a home of their own. A sagsbehandler
(caseworker) first assesses whether a citizen can live in their own home (udredning). Citizens
who can are put forward through boligsocial anvisning (social housing allocation), which may use
at most every third vacant public dwelling; a boligrådgiver (housing advisor) helps them move
in, and bostøtte (floating support) helps them keep the home. Others go to botilbud (supported
residential care) or skæve boliger (alternative housing). Each scenario is one set of
assumptions about staff, dwellings and the number of citizens. Each was simulated {reps} times
with different chance events (replications); all scenarios meet the same citizens (common random
numbers), so differences between scenarios come from the assumptions, not from luck. Numbers are
averages over the replications with 95&nbsp;% intervals. They are what the model gives under its
assumptions, not a forecast.</p>
<table><tr><th>Scenario</th><th>Period simulated</th><th>Warm-up left out of the table</th></tr>
{scenario_rows}</table>
<table>{fact_rows}</table>
</header>"""


def headline(summary: list[dict], paired: list[dict], names: list[str],
             colours: dict[str, str]) -> Section:
    """Key metrics per scenario, and the paired difference to the first scenario."""
    rows = {(r["scenario"], r["metric"]): r for r in summary}
    diffs = {(r["scenario"], r["metric"]): r for r in paired}
    shown = [n for n in names if any(s == n for s, _ in rows)]
    against = [n for n in shown[1:] if any(s == n for s, _ in diffs)]
    metrics = key_metrics(list(dict.fromkeys(m for _, m in rows)))
    head = "".join(f"<th>{swatch(colours[n])}{html.escape(n)}</th>" for n in shown)
    head += "".join(f"<th>{html.escape(n)} − {html.escape(shown[0])}<br>(paired difference)</th>"
                    for n in against)
    body = []
    for metric in metrics:
        unit = next(r["unit"] for (_, m), r in rows.items() if m == metric)
        shown_unit, scale = UNITS.get(unit, (unit, 1.0))
        body.append(f"<tr><td>{html.escape(label(metric))}</td><td>{shown_unit}</td>"
                    + "".join(cell(rows.get((n, metric)), scale) for n in shown)
                    + "".join(cell(diffs.get((n, metric)), scale, True) for n in against)
                    + "</tr>")
    reps = max((r["reps"] for r in summary), default=0)
    note = (f"Mean over {reps} replications, with the 95&nbsp;% t-interval in brackets: the "
            "range in which the model's long-run average most likely lies. Shares are in %.")
    if against:
        note += (" Differences are paired replication by replication (same citizens in both "
                 "scenarios); differences of shares are in percentage points. A bold difference"
                 " has an interval that excludes zero: the replications clearly show it.")
    table = (f"<table class='metrics'><tr><th>Metric</th><th>Unit</th>{head}</tr>"
             f"{''.join(body)}</table>")
    return Section("headline", "Headline figures", note, body=table)


# --- figures -----------------------------------------------------------------------------------


def counts_section(snaps: pa.Table, runs: dict[str, dict],
                   lines: dict[str, dict]) -> Section | None:
    """Counts of citizens by situation over time, per scenario."""
    counts = [(column, title) for column, title in COUNTS if column in snaps.column_names]
    if not counts or snaps.num_rows == 0:
        return None
    fig = make_subplots(rows=len(counts), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        subplot_titles=[title for _, title in counts])
    reps = 0
    for name, run in runs.items():
        per_rep = replications(snaps, name)
        if not per_rep:
            continue
        reps = max(reps, len(per_rep))
        grid = thinned(per_rep[0]["time_days"].to_numpy())
        for row, (column, _) in enumerate(counts, start=1):
            matrix = np.array([on_grid(r["time_days"].to_numpy(), r[column].to_numpy(), grid)
                               for r in per_rep], dtype=float)
            add_band(fig, dates(run["start_date"], grid), matrix, name, lines[name],
                     row == 1, row, 1)
    fig.update_yaxes(title_text="citizens", rangemode="tozero")
    fig.update_xaxes(title_text="date", row=len(counts), col=1)
    shade_warmup(fig, next(iter(runs.values())), subplots=True)
    caption = (f"How many citizens are in each situation on each day. Line: mean over {reps} "
               "replications; shaded band: the middle 95&nbsp;% of replications (2.5th to 97.5th "
               "percentile), i.e. how much one simulated future varies. Homeless counts every "
               "citizen without a home of their own, whether in a herberg (shelter) or outside. "
               "Grey: the warm-up year, left out of every statistic.")
    return Section("fig-counts", "Citizens over time", caption,
                   styled(fig, 200 * len(counts) + 100))


def staff_section(snaps: pa.Table, runs: dict[str, dict],
                  lines: dict[str, dict]) -> Section | None:
    """Monthly utilisation (busy / capacity) and caseload (busy / staff) per staff group."""
    groups = [g for g in STAFF_POOLS
              if {f"{g}_busy", f"{g}_capacity", f"{g}_staff"} <= set(snaps.column_names)]
    if not groups or snaps.num_rows == 0:
        return None
    fig = make_subplots(rows=2, cols=len(groups), shared_xaxes=True, horizontal_spacing=0.06,
                        vertical_spacing=0.12, subplot_titles=[stages.LABELS[g] for g in groups])
    for name, run in runs.items():
        months = full_months(run)
        per_rep = replications(snaps, name)
        if not per_rep or not len(months):
            continue
        for col, group in enumerate(groups, start=1):
            for row, (below, factor) in enumerate((("capacity", 100.0), ("staff", 1.0)), start=1):
                matrix = factor * np.array([monthly_ratio(r, f"{group}_busy", f"{group}_{below}",
                                                          run, months) for r in per_rep])
                add_band(fig, months.astype("datetime64[D]"), matrix, name, lines[name],
                         row == col == 1, row, col)
    if not fig.data:
        return None
    fig.update_yaxes(range=[0, 105], ticksuffix=" %", row=1)
    fig.update_yaxes(rangemode="tozero", row=2)
    fig.update_yaxes(title_text="utilisation (busy / capacity)", row=1, col=1)
    fig.update_yaxes(title_text="caseload per staff member", row=2, col=1)
    fig.update_xaxes(title_text="month", row=2)
    shade_warmup(fig, next(iter(runs.values())), subplots=True)
    caption = ("Top: share of each staff group's capacity in use, averaged over each calendar "
               "month (capacity counts caseload places, so 100&nbsp;% means every place is "
               "taken and new citizens queue). Bottom: caseload per staff member (citizens in "
               "udredning or being moved in per caseworker or advisor; bostøtte caseload units "
               "per support worker, where a high-need citizen counts 2.5 and a medium one 0.8). "
               "Line: mean over replications; band: the middle 95&nbsp;% of replications; grey: "
               "warm-up.")
    return Section("fig-staff", "Staff utilisation and caseloads by month", caption,
                   styled(fig, 620))


def housed_section(housed: pa.Table, runs: dict[str, dict], lines: dict[str, dict],
                   expected: dict[str, list] | None = None) -> Section | None:
    """Citizens housed in their own home per calendar month, per scenario; with two or more
    scenarios, below it each one's extra per month over the first, paired by replication,
    beside the seed's expectation (`budget.extra_housed_per_month`)."""
    counts = {name: monthly_by_rep(housed, name, run) for name, run in runs.items()}
    counts = {name: per_rep for name, per_rep in counts.items() if per_rep}
    if not counts:
        return None
    paired = len(counts) > 1
    fig = make_subplots(rows=1 + paired, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for name, per_rep in counts.items():
        months = full_months(runs[name]).astype("datetime64[D]")
        add_band(fig, months, np.array(list(per_rep.values())), name, lines[name], True, 1, 1)
    first, *others = counts
    for name in others if paired else ():
        reps = sorted(set(counts[name]) & set(counts[first]))  # pairs by replication number
        extra = np.array([counts[name][r] - counts[first][r] for r in reps])
        months = full_months(runs[name]).astype("datetime64[D]")
        add_band(fig, months, extra, name, lines[name], False, 2, 1)
        seed = (expected or {}).get(name)
        if seed:
            fig.add_trace(go.Scatter(x=months, y=steps_by_month(seed, months), mode="lines",
                                     name="the seed's expectation", line={
                                         "color": "#000", "dash": "dash", "width": 1.5,
                                         "shape": "hv"}), row=2, col=1)
    fig.update_yaxes(title_text="citizens housed per month", rangemode="tozero", row=1)
    if paired:
        fig.update_yaxes(title_text="extra per month", row=2)
    fig.update_xaxes(dtick="M6", tickformat="%b %Y")
    fig.update_xaxes(title_text="month", row=1 + paired)
    shade_warmup(fig, runs[first], subplots=paired)
    caption = ("How many citizens moved into their own home through boligsocial anvisning "
               "(social housing allocation) in each calendar month. Line: mean over "
               "replications; band: the middle 95&nbsp;% of replications. Months only partly "
               "inside the run are left out; grey: warm-up.")
    if paired:
        caption += (f" Below: each scenario's extra housed per month over {html.escape(first)}, "
                    "replication by replication with the same citizens (common random "
                    "numbers); dashed: what the seed expects of the budget 2024 staff (about "
                    "10 extra a month in 2024, 40 a year in 2025–2027; "
                    "<code>budget.extra_housed_per_month</code>).")
    return Section("fig-housed-per-month", "Housed per month", caption,
                   styled(fig, 640 if paired else 420))


def monthly_by_rep(housed: pa.Table, scenario: str, run: dict) -> dict[int, np.ndarray]:
    """Replication number → housed in each whole calendar month of the run."""
    months = full_months(run)
    if not len(months):
        return {}
    rows = housed.filter(pc.equal(housed["scenario"], scenario))
    return {rep: monthly_housed(rows.filter(pc.equal(rows["rep"], rep))["time_days"].to_numpy(),
                                run, months).astype(float)
            for rep in sorted(pc.unique(rows["rep"]).to_pylist())}


def steps_by_month(steps: list[dict], months: np.ndarray) -> np.ndarray:
    """A dated-steps value ({"from": date, "value": v}, as a scenario's JSON holds it) in force
    on the first day of each month."""
    starts = np.array([np.datetime64(step["from"], "D") for step in steps])
    values = np.array([float(step["value"]) for step in steps])
    return values[np.clip(np.searchsorted(starts, months, side="right") - 1, 0, None)]


def forest_trace(name: str, colour: str, pct: np.ndarray, labels: list[str],
                 text: list[str]) -> go.Scatter:
    """Dots with 95 % whiskers; a difference beyond ±FOREST_LIMIT % is an arrow at the edge
    with its value written beside it, so one large relative change does not squash the rest."""
    mean, low, high = (np.clip(pct[:, i], -FOREST_LIMIT, FOREST_LIMIT) for i in range(3))
    beyond = np.abs(pct[:, 0]) > FOREST_LIMIT
    symbols = np.where(beyond, np.where(pct[:, 0] > 0, "triangle-right", "triangle-left"),
                       "circle")
    return go.Scatter(
        x=mean, y=labels, mode="markers+text", orientation="h", name=name,
        marker={"color": colour, "size": np.where(beyond, 13, 9), "symbol": symbols},
        text=[f"{v:+,.0f} %" if b else "" for v, b in zip(pct[:, 0], beyond, strict=True)],
        textposition=["middle left" if v > 0 else "middle right" for v in pct[:, 0]],
        textfont={"color": colour},
        error_x={"type": "data", "symmetric": False, "array": high - mean,
                 "arrayminus": mean - low, "color": colour, "thickness": 2},
        customdata=[f"{v:+.1f} % ({t})" for v, t in zip(pct[:, 0], text, strict=True)],
        hovertemplate="%{customdata}<extra>%{y}</extra>")


def forest_section(summary: list[dict], paired: list[dict], names: list[str],
                   colours: dict[str, str]) -> Section | None:
    """Paired differences to the first scenario, in % of its mean, with 95 % intervals."""
    base = {r["metric"]: r["mean"] for r in summary if r["scenario"] == names[0]}
    metrics = [m for m in key_metrics(list(dict.fromkeys(r["metric"] for r in paired)))
               if math.isfinite(base.get(m, math.nan)) and base[m] != 0]
    fig = go.Figure()
    for name in names[1:]:
        rows = {r["metric"]: r for r in paired if r["scenario"] == name}
        shown = [m for m in metrics if m in rows]
        if not shown:
            continue
        pct = np.array([[rows[m][k] / abs(base[m]) * 100 for k in ("mean", "ci_low", "ci_high")]
                        for m in shown])
        text = [f"{number(rows[m]['mean'], UNITS.get(rows[m]['unit'], ('', 1.0))[1])} "
                f"{UNITS.get(rows[m]['unit'], (rows[m]['unit'],))[0]}" for m in shown]
        fig.add_trace(forest_trace(f"{name} − {names[0]}", colours[name], pct,
                                   [label(m) for m in shown], text))
    if not fig.data:
        return None
    fig.add_vline(x=0, line={"color": "#555", "width": 1})
    fig.update_xaxes(title_text=f"difference, in % of {names[0]}'s mean", ticksuffix=" %",
                     zeroline=False, range=[-FOREST_LIMIT * 1.25, FOREST_LIMIT * 1.25])
    fig.update_yaxes(autorange="reversed", automargin=True)
    styled(fig, 120 + 30 * len(metrics) * len(fig.data))
    fig.update_layout(hovermode="closest", scattermode="group", showlegend=True)
    caption = (f"Each dot is a scenario's paired difference to {html.escape(names[0])} (same "
               f"citizens, replication by replication), divided by {html.escape(names[0])}'s "
               "mean so that metrics in different units share one axis (a share such as "
               "retention is also shown relative to its own level). Whiskers: 95&nbsp;% interval. "
               "A whisker that does not cross the zero line is a difference the replications "
               "clearly show. A difference beyond ±100&nbsp;% is drawn as an arrow at the edge "
               "with its value. Hover over a dot for the difference in its own unit.")
    return Section("fig-forest", "Differences to the first scenario", caption, fig)
