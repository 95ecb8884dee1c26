"""The report of a sweep folder, from its tables only (points, summary, sensitivity): what was
varied, how much each factor moves each metric (with intervals), and each metric against each
factor. Written when a sweep completes, and by `report DIR` on a sweep folder."""

from __future__ import annotations

import html
import sys
from pathlib import Path
from types import ModuleType

import plotly.graph_objects as go
import pyarrow.parquet as pq
from plotly.subplots import make_subplots

from sim.output.results import read_manifest
from sim.report import budget_page, calibration_page
from sim.report import page as report
from sim.report.page import UNITS, label, write_page
from sim.report.style import PALETTE, Section, styled

INDEX_NAMES = {"first_order": "First-order Sobol' index (alone)",
               "total": "Total Sobol' index (alone and with others)",
               "elasticity": "Elasticity (% change per % change, one at a time)",
               "rank_correlation": "Spearman rank correlation"}
ROW_HEIGHT = 230  # px per metric in the response figure
BAR_ROW_HEIGHT = 60  # px per factor in the sensitivity figure


def is_sweep(folder: Path) -> bool:
    return (folder / "points.parquet").is_file()


def build_any(folder: Path) -> Path:
    """Write the report of a sweep, calibration, optimise or result folder, whichever it is."""
    return _page(folder).build_report(folder)


def sections_of(folder: Path) -> list[Section]:
    """The report sections of a sweep, calibration, optimise or result folder."""
    return _page(folder).sections(folder)


def _page(folder: Path) -> ModuleType:
    """The report module of the folder's kind: each has build_report and sections."""
    if calibration_page.is_calibration(folder):
        return calibration_page
    if budget_page.is_budget(folder):
        return budget_page
    return sys.modules[__name__] if is_sweep(folder) else report


def build_report(folder: Path) -> Path:
    manifest = read_manifest(folder)
    return write_page(folder, f"Sweep {manifest['design']['name']}: simulation report",
                      header(manifest), sections(folder))


def sections(folder: Path) -> list[Section]:
    """Every section whose table exists in the sweep folder."""
    manifest = read_manifest(folder)
    metrics = manifest["design"]["metrics"]
    points = pq.read_table(folder / "points.parquet").to_pylist()
    found = []
    if (folder / "sensitivity.parquet").is_file():
        rows = pq.read_table(folder / "sensitivity.parquet").to_pylist()
        found.append(sensitivity_section(rows, metrics))
    if (folder / "summary.parquet").is_file():
        summary = pq.read_table(folder / "summary.parquet").to_pylist()
        found.append(response_section(summary, points, metrics, manifest["design"]["factors"]))
    return [s for s in found if s is not None]


def header(manifest: dict) -> str:
    """What was varied and how, and how to read the page."""
    design, esc = manifest["design"], html.escape
    factor_rows = "".join(
        f"<tr><td>{esc(f['path'])}</td><td>{_range(f)}</td>"
        f"<td>{'multiplies the base value' if f.get('scale') else 'replaces the base value'}"
        f"</td></tr>" for f in design["factors"])
    facts = (("Design file", design["file"]), ("Base scenario", manifest["scenarios"][0]["name"]),
             ("Method", design["method"]), ("Points", manifest["points"]),
             ("Replications per point", design["reps"]), ("Seed", design["seed"]),
             ("Dated steps vary from", design["from"]),
             ("Simulator version", manifest.get("sim_version", "?")),
             ("Git commit", manifest.get("git_commit") or "not recorded"))
    fact_rows = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in facts)
    return f"""<header>
<h1>Sweep {esc(design['name'])}: which inputs matter</h1>
<p class='lead'>{esc(design.get('description', ''))}. The same scenario was simulated at
{manifest['points']} combinations of the inputs below (points), {design['reps']} times each.
Every point meets the same citizens and chance events (common random numbers), so differences
between points come from the inputs. The first figure says how much each input moves each
result, with 95&nbsp;% intervals; the second shows each result against each input.</p>
<table><tr><th>Input (scenario parameter)</th><th>Values</th><th>How</th></tr>
{factor_rows}</table>
<table>{fact_rows}</table>
</header>"""


def _range(factor: dict) -> str:
    if factor.get("levels") is not None:
        return ", ".join(f"{v:g}" for v in factor["levels"])
    return f"{factor['low']:g} to {factor['high']:g}"


def sensitivity_section(rows: list[dict], metrics: list[str]) -> Section | None:
    """One panel per metric: a bar per factor and index, with its 95 % interval."""
    shown = [m for m in metrics if any(r["metric"] == m for r in rows)]
    if not shown:
        return None
    factors = list(dict.fromkeys(r["factor"] for r in rows))
    indices = list(dict.fromkeys(r["index"] for r in rows))
    fig = make_subplots(rows=len(shown), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        subplot_titles=[label(m) for m in shown])
    for k, index in enumerate(indices):
        for row, metric in enumerate(shown, start=1):
            found = {r["factor"]: r for r in rows if r["metric"] == metric and r["index"] == index}
            values = [found.get(f, {}).get("value") for f in factors]
            fig.add_trace(go.Bar(
                y=factors, x=values, orientation="h", name=INDEX_NAMES.get(index, index),
                marker_color=PALETTE[k], legendgroup=index, showlegend=row == 1,
                error_x={"type": "data", "symmetric": False,
                         "array": [_gap(found.get(f), "ci_high") for f in factors],
                         "arrayminus": [_gap(found.get(f), "ci_low") for f in factors]},
                hovertemplate="%{y}: %{x:.3f}<extra>" + index + "</extra>"), row=row, col=1)
    fig.update_yaxes(autorange="reversed")
    height = len(shown) * (len(factors) * BAR_ROW_HEIGHT * len(indices) // 2 + 60) + 140
    styled(fig, height).update_layout(barmode="group", hovermode="closest",
                                      legend={"title": {"text": ""}})
    return Section("sensitivity", "How much each input moves each result", _caption(indices),
                   fig)


def _gap(row: dict | None, bound: str, centre: str = "value") -> float | None:
    """Distance from a row's value (or mean) to one end of its interval, for error bars."""
    if row is None or row[bound] is None or row[centre] is None:
        return None
    return abs(row[bound] - row[centre])


def _caption(indices: list[str]) -> str:
    if "first_order" in indices:
        return ("Sobol' indices: the share of a result's variation over the sweep that an input "
                "causes alone (first-order) and alone or together with others (total). An input "
                "near zero does not matter over the ranges tried. Bars show 95 % bootstrap "
                "intervals; a wide interval asks for more samples.")
    if "elasticity" in indices:
        return ("Elasticity: the % change in a result for a 1 % change in an input, from its "
                "lowest to its highest level with the other inputs at their middle level, with "
                "a 95 % interval over the paired replications. Negative: the result falls as "
                "the input rises.")
    return ("Spearman rank correlation of each input with each result over the points, with a "
            "95 % interval: +1, the result always rises with the input; 0, no relation.")


def response_section(summary: list[dict], points: list[dict], metrics: list[str],
                     factors: list[dict]) -> Section:
    """Each metric (rows) against each factor (columns): point means with 95 % intervals."""
    paths = [f["path"] for f in factors]
    rows = {(r["point"], r["metric"]): r for r in summary}
    shown = [m for m in metrics if any(key[1] == m for key in rows)]
    fig = make_subplots(rows=len(shown), cols=len(paths), shared_yaxes="rows",
                        horizontal_spacing=0.03, vertical_spacing=0.07,
                        column_titles=[_broken(p) for p in paths])
    for r, metric in enumerate(shown, start=1):
        unit, scale = UNITS.get(next(x["unit"] for x in summary if x["metric"] == metric),
                                ("", 1.0))
        found = [(p, rows.get((p["point"], metric))) for p in points]
        found = [(p, s) for p, s in found if s is not None and s["mean"] is not None]
        for c, path in enumerate(paths, start=1):
            fig.add_trace(go.Scatter(
                x=[p[path] for p, _ in found], y=[s["mean"] * scale for _, s in found],
                mode="markers", marker={"color": PALETTE[0], "size": 7, "opacity": 0.75},
                showlegend=False, error_y=_interval([s for _, s in found], scale),
                customdata=[p["point"] for p, _ in found],
                hovertemplate=f"{path} %{{x:g}}<br>{label(metric)} %{{y:,.1f}} {unit}"
                              "<br>point %{customdata}<extra></extra>"), row=r, col=c)
        fig.update_yaxes(title_text=f"{_short(label(metric))}<br>({unit})", row=r, col=1)
    styled(fig, ROW_HEIGHT * len(shown) + 120).update_layout(hovermode="closest",
                                                             margin={"l": 150})
    return Section("response", "Each result against each input",
                   "One dot per point: the mean over its replications, with its 95 % interval. "
                   "Inputs that matter show a trend along their axis; the spread at one value "
                   "comes from the other inputs.", fig)


def _interval(rows: list[dict], scale: float) -> dict:
    return {"type": "data", "symmetric": False, "thickness": 1, "width": 0,
            "array": [_scaled(_gap(r, "ci_high", "mean"), scale) for r in rows],
            "arrayminus": [_scaled(_gap(r, "ci_low", "mean"), scale) for r in rows]}


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def _broken(path: str, width: int = 22) -> str:
    """A long parameter path broken at its last dot, so column titles do not overlap."""
    head, dot, tail = path.rpartition(".")
    return f"{head}.<br>{tail}" if dot and len(path) > width else path


def _short(text: str, width: int = 26) -> str:
    """A long label broken onto lines for a narrow axis title."""
    words, lines = text.split(), [""]
    for word in words:
        if len(lines[-1]) + len(word) > width:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)
