"""report.html: a self-contained offline report drawn from a result folder's files alone.

Sections appear only where their files exist: the run, a headline table of key metrics (with
paired differences after `compare`), counts over time, housed per month, staff utilisation and a
forest plot of the paired differences. plotly.js is inlined once, so the file opens offline.
"""

from __future__ import annotations

import html
import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.offline
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from plotly.subplots import make_subplots

from sim.results import atomic_write

# Okabe–Ito, colour-blind safe; yellow last because it is faint on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash")  # so identical lines stay visible
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
PERCENTILES = (2.5, 97.5)  # the band in the time figures: the middle 95 % of replications
MAX_POINTS = 400  # per line; daily snapshots over years are thinned to keep the file small
PARTITIONING = ds.partitioning(pa.schema([("scenario", pa.string()), ("rep", pa.int64())]),
                               flavor="hive")
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
POOLS = {
    "caseworkers": "sagsbehandlere (caseworkers)",
    "housing_advisors": "boligrådgivere (housing advisors)",
    "support_workers": "bostøtte (floating support) workers",
    "shelter_beds": "herberg (shelter) beds",
    "botilbud_places": "botilbud (supported residential care) places",
    "skaev_bolig_places": "skæve boliger (alternative housing) places",
}
STAFF_GROUPS = ("caseworkers", "housing_advisors", "support_workers")
COUNTS = (
    ("homeless", "Homeless (hjemløse), in or outside a shelter"),
    ("shelter_beds_busy", "In herberg (shelter)"),
    ("n_awaiting_assessment", "Waiting for udredning (assessment)"),
    ("n_awaiting_housing", "Waiting for a dwelling (boligsocial anvisning)"),
    ("n_housed", "Housed in own home (with or after bostøtte)"),
)
UNITS = {  # summary unit → (shown unit, scale)
    "share": ("%", 100.0),
    "DKK": ("million DKK", 1e-6),
    "days": ("days", 1.0),
    "citizens": ("citizens", 1.0),
    "citizens/month": ("citizens/month", 1.0),
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
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    runs = {s["name"]: s["config"]["run"] for s in manifest["scenarios"]}
    names = list(runs)
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    lines = {name: {"color": colours[name], "dash": DASHES[i % len(DASHES)], "width": 2}
             for i, name in enumerate(names)}
    summary = pq.read_table(folder / "summary.parquet").to_pylist()
    paired = pq.read_table(folder / "compare.parquet").to_pylist() \
        if (folder / "compare.parquet").is_file() else []
    parts = [header(manifest, runs, colours), headline(summary, paired, names, colours)]
    if (folder / "snapshots").is_dir():
        snaps = read_snapshots(folder / "snapshots")
        parts.append(counts_section(snaps, runs, lines))
        parts.append(staff_section(snaps, runs, lines))
    if (folder / "events").is_dir():
        parts.append(housed_section(read_housed(folder / "events"), runs, lines))
    if paired:
        parts.append(forest_section(summary, paired, names, colours))
    page = (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Homeless to own home: simulation report</title><style>{CSS}</style>"
            f"<script>{plotly.offline.get_plotlyjs()}</script></head>\n<body>\n"
            + "\n".join(part for part in parts if part) + "\n</body></html>\n")
    path = folder / "report.html"
    atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path


# --- reading ---------------------------------------------------------------------------------


def read_snapshots(path: Path) -> pa.Table:
    """The snapshot columns the figures use, over every scenario and replication."""
    dataset = ds.dataset(path, format="parquet", partitioning=PARTITIONING)
    wanted = ["time_days", *(c for c, _ in COUNTS)]
    wanted += [f"{g}_{kind}" for g in STAFF_GROUPS for kind in ("busy", "capacity")]
    present = set(dataset.schema.names)
    return dataset.to_table(columns=["scenario", "rep", *(c for c in wanted if c in present)])


def read_housed(path: Path) -> pa.Table:
    """Time of every `housed` event, with its scenario and replication."""
    dataset = ds.dataset(path, format="parquet", partitioning=PARTITIONING)
    return dataset.to_table(columns=["scenario", "rep", "time_days"],
                            filter=ds.field("event") == "housed")


def replications(table: pa.Table, scenario: str) -> list[pa.Table]:
    """One scenario's rows split by replication, each in time order."""
    rows = table.filter(pc.equal(table["scenario"], scenario))
    reps = sorted(pc.unique(rows["rep"]).to_pylist())
    return [rows.filter(pc.equal(rows["rep"], rep)).sort_by("time_days") for rep in reps]


# --- numbers -----------------------------------------------------------------------------------


def dates(start: str, days: np.ndarray) -> np.ndarray:
    """Calendar times of model days counted from the run's start date."""
    return np.datetime64(start, "s") + np.round(np.asarray(days) * 86400).astype("timedelta64[s]")


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


def spread(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications (rows) and the 2.5–97.5 percentile band, ignoring NaN."""
    with warnings.catch_warnings():  # an all-NaN column (no capacity) stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(matrix, PERCENTILES, axis=0)
        return np.nanmean(matrix, axis=0), low, high


def on_grid(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The step function given by snapshots (each holds until the next) at the grid times."""
    return values[np.clip(np.searchsorted(times, grid, side="right") - 1, 0, None)]


def thinned(times: np.ndarray) -> np.ndarray:
    """At most about MAX_POINTS of the snapshot times, keeping the last."""
    step = max(1, math.ceil(len(times) / MAX_POINTS))
    return np.unique(np.append(times[::step], times[-1:]))


def monthly_utilisation(rep: pa.Table, group: str, run: dict, months: np.ndarray) -> np.ndarray:
    """busy / capacity per calendar month, each snapshot weighted by how long it holds."""
    t = rep["time_days"].to_numpy()
    hold = np.append(np.diff(t), 0.0)
    slot = month_slot(run, t, months)
    keep = (slot >= 0) & (slot < len(months))
    busy, cap = (np.bincount(slot[keep], weights=(rep[f"{group}_{kind}"].to_numpy() * hold)[keep],
                             minlength=len(months)) for kind in ("busy", "capacity"))
    return np.divide(busy, cap, out=np.full(len(months), np.nan), where=cap > 0)


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
        return f"Utilisation of {POOLS.get(pool, pool.replace('_', ' '))}"
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
             colours: dict[str, str]) -> str:
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
    return (f"<section><h2>Headline figures</h2><table class='metrics'><tr><th>Metric</th>"
            f"<th>Unit</th>{head}</tr>{''.join(body)}</table><p class='note'>{note}</p>"
            "</section>")


# --- figures -----------------------------------------------------------------------------------


def rgba(colour: str, alpha: float) -> str:
    """A #rrggbb colour as rgba() with the given opacity."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def add_band(fig: go.Figure, x: np.ndarray, matrix: np.ndarray, name: str, line: dict,
             legend: bool, row: int | None = None, col: int | None = None) -> None:
    """A mean line with its shaded percentile band, both in the scenario's colour."""
    mean, low, high = spread(matrix)
    outline = go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([high, low[::-1]]),
                         mode="lines", fill="toself", fillcolor=rgba(line["color"], 0.2),
                         line={"width": 0}, hoverinfo="skip", showlegend=False, legendgroup=name)
    fig.add_trace(outline, row=row, col=col)
    fig.add_trace(go.Scatter(x=x, y=mean, name=name, legendgroup=name, showlegend=legend,
                             mode="lines", line=line, hovertemplate="%{y:,.1f}"),
                  row=row, col=col)


def styled(fig: go.Figure, height: int) -> go.Figure:
    """The report's one look: white background, system font, legend on top."""
    fig.update_layout(template="plotly_white", height=height, font={"family": FONT, "size": 13},
                      margin={"l": 70, "r": 30, "t": 90, "b": 50}, hovermode="x unified",
                      legend={"orientation": "h", "yref": "container", "yanchor": "top",
                              "y": 0.99, "x": 0, "title": {"text": "Scenario: "}})
    return fig


def figure(fig: go.Figure, div_id: str, title: str, caption: str) -> str:
    """A section holding one figure (no plotly.js of its own) and its caption."""
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                      config={"displaylogo": False, "responsive": True})
    return (f"<section><h2>{title}</h2><figure>{div}<figcaption>{caption}</figcaption></figure>"
            "</section>")


def counts_section(snaps: pa.Table, runs: dict[str, dict], lines: dict[str, dict]) -> str:
    """Counts of citizens by situation over time, per scenario."""
    counts = [(column, title) for column, title in COUNTS if column in snaps.column_names]
    if not counts or snaps.num_rows == 0:
        return ""
    fig = make_subplots(rows=len(counts), cols=1, shared_xaxes=True, vertical_spacing=0.05,
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
    fig.update_yaxes(title_text="citizens")
    fig.update_xaxes(title_text="date", row=len(counts), col=1)
    caption = (f"How many citizens are in each situation on each day. Line: mean over {reps} "
               "replications; shaded band: the middle 95&nbsp;% of replications (2.5th to 97.5th "
               "percentile), i.e. how much one simulated future varies. Homeless counts every "
               "citizen without a home of their own, whether in a herberg (shelter) or outside.")
    return figure(styled(fig, 230 * len(counts) + 80), "fig-counts",
                  "Citizens over time", caption)


def staff_section(snaps: pa.Table, runs: dict[str, dict], lines: dict[str, dict]) -> str:
    """Monthly staff utilisation (busy / capacity) per staff group, per scenario."""
    groups = [g for g in STAFF_GROUPS
              if {f"{g}_busy", f"{g}_capacity"} <= set(snaps.column_names)]
    if not groups or snaps.num_rows == 0:
        return ""
    fig = make_subplots(rows=1, cols=len(groups), shared_yaxes=True, horizontal_spacing=0.06,
                        subplot_titles=[POOLS[g] for g in groups])
    for name, run in runs.items():
        months = full_months(run)
        per_rep = replications(snaps, name)
        if not per_rep or not len(months):
            continue
        for col, group in enumerate(groups, start=1):
            matrix = 100 * np.array([monthly_utilisation(r, group, run, months) for r in per_rep])
            add_band(fig, months.astype("datetime64[D]"), matrix, name, lines[name],
                     col == 1, 1, col)
    if not fig.data:
        return ""
    fig.update_yaxes(range=[0, 105], ticksuffix=" %")
    fig.update_yaxes(title_text="utilisation (busy / capacity)", row=1, col=1)
    fig.update_xaxes(title_text="month")
    caption = ("Share of each staff group's capacity in use, averaged over each calendar month "
               "(capacity counts caseload places, so 100&nbsp;% means every place is taken and "
               "new citizens queue). Line: mean over replications; band: the middle 95&nbsp;% "
               "of replications.")
    return figure(styled(fig, 420), "fig-staff", "Staff utilisation by month", caption)


def housed_section(housed: pa.Table, runs: dict[str, dict], lines: dict[str, dict]) -> str:
    """Citizens housed in their own home per calendar month, per scenario."""
    fig = go.Figure()
    for name, run in runs.items():
        months = full_months(run)
        per_rep = replications(housed, name)
        if not per_rep or not len(months):
            continue
        matrix = np.array([monthly_housed(r["time_days"].to_numpy(), run, months)
                           for r in per_rep], dtype=float)
        add_band(fig, months.astype("datetime64[D]"), matrix, name, lines[name], True)
    if not fig.data:
        return ""
    fig.update_yaxes(title_text="citizens housed per month", rangemode="tozero")
    fig.update_xaxes(title_text="month", dtick="M3", tickformat="%b %Y")
    caption = ("How many citizens moved into their own home through boligsocial anvisning "
               "(social housing allocation) in each calendar month. Line: mean over "
               "replications; band: the middle 95&nbsp;% of replications. Months only partly "
               "inside the run are left out.")
    return figure(styled(fig, 420), "fig-housed-per-month", "Housed per month", caption)


def forest_section(summary: list[dict], paired: list[dict], names: list[str],
                   colours: dict[str, str]) -> str:
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
        fig.add_trace(go.Scatter(
            x=pct[:, 0], y=[label(m) for m in shown], mode="markers", orientation="h",
            name=f"{name} − {names[0]}", marker={"color": colours[name], "size": 9},
            error_x={"type": "data", "symmetric": False, "array": pct[:, 2] - pct[:, 0],
                     "arrayminus": pct[:, 0] - pct[:, 1], "color": colours[name],
                     "thickness": 2},
            customdata=text, hovertemplate="%{x:+.1f} % (%{customdata})<extra>%{y}</extra>"))
    if not fig.data:
        return ""
    fig.add_vline(x=0, line={"color": "#555", "width": 1})
    fig.update_xaxes(title_text=f"difference, in % of {names[0]}'s mean", ticksuffix=" %",
                     zeroline=False)
    fig.update_yaxes(autorange="reversed", automargin=True)
    styled(fig, 120 + 30 * len(metrics) * len(fig.data))
    fig.update_layout(hovermode="closest", scattermode="group", showlegend=True)
    caption = (f"Each dot is a scenario's paired difference to {html.escape(names[0])} (same "
               f"citizens, replication by replication), divided by {html.escape(names[0])}'s "
               "mean so that metrics in different units share one axis (a share such as "
               "retention is also shown relative to its own level). Whiskers: 95&nbsp;% interval. "
               "A whisker that does not cross the zero line is a difference the replications "
               "clearly show. Hover over a dot for the difference in its own unit.")
    return figure(fig, "fig-forest", "Differences to the first scenario", caption)
