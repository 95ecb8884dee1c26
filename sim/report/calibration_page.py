"""The report of a calibration folder, from its tables only: the VIVE counts against the
posterior's band over the years, every target's distance from its observation, and each
parameter's posterior against its prior range."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pyarrow.parquet as pq
from plotly.subplots import make_subplots

from sim.output.results import read_manifest
from sim.report.page import write_page
from sim.report.style import PALETTE, Section, styled

FITTED, HELD_OUT = PALETTE[0], PALETTE[1]
BINS = 20  # histogram bins across each parameter's prior range
PAIR_POINTS = 1000  # posterior draws in the pairs plot (a seeded weighted resample)
PAIR_PANEL_PX = 200  # height of one row of the pairs plot
PAIR_PARAMETERS = 6  # parameters in the pairs plot: more make panels too small to read
MARGINAL_COLUMNS = 3  # posterior histograms side by side


def is_calibration(folder: Path) -> bool:
    """A finished calibration folder: it has a posterior."""
    return (folder / "posterior.parquet").is_file()


def build_report(folder: Path) -> Path:
    """Write folder/report.html for a finished calibration folder."""
    manifest = read_manifest(folder)
    return write_page(folder, f"Calibration {manifest['name']}: report", header(manifest),
                      sections(folder))


def sections(folder: Path) -> list[Section]:
    targets = {r["target"]: r for r in pq.read_table(folder / "targets.parquet").to_pylist()}
    fit = pq.read_table(folder / "fit.parquet").to_pylist()
    posterior = pq.read_table(folder / "posterior.parquet").to_pydict()
    manifest = read_manifest(folder)
    parameters = manifest["settings"]["parameters"]
    found = [counts_section(fit, targets), distance_section(fit, targets),
             marginals_section(posterior, parameters), pairs_section(posterior, parameters),
             emulator_section(fit)]
    return [s for s in found if s is not None]


def header(manifest: dict) -> str:
    esc, settings = html.escape, manifest["settings"]
    facts = (("Calibration file", manifest["calibration"]), ("History run", manifest["base"]),
             ("Runs", manifest["runs"]), ("Waves", settings["waves"]),
             ("Effective sample size", f"{manifest['effective_sample_size']:,.0f}"),
             ("Seed", manifest["seed"]), ("Simulator version", manifest["sim_version"]),
             ("Git commit", manifest.get("git_commit") or "not recorded"))
    rows = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in facts)
    return f"""<header>
<h1>Calibration {esc(manifest['name'])}: the history against the model</h1>
<p class='lead'>{esc(settings.get('description', ''))}. Parameter sets were drawn in waves from
the priors and simulated over the history; a Gaussian-process emulator learnt from those runs
ruled out, wave by wave, the sets that could not come near what was observed, and finally
weighed {settings['candidates']:,} sets by how close they came. The posterior is those weighted
sets; the bands are fresh runs at its draws and carry parameter and stochastic uncertainty
together. Method: docs/calibration.md.</p>
<table>{rows}</table>
</header>"""


def counts_section(fit: list[dict], targets: dict[str, dict]) -> Section | None:
    """The VIVE counts by year as points, the posterior's mean and 95 % band as a line and a
    shaded band; held-out years in their own colour."""
    rows = sorted((targets[r["target"]]["year"], r) for r in fit
                  if targets[r["target"]]["measure"] == "count")
    if not rows:
        return None
    years = [y for y, _ in rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=years + years[::-1],
                             y=[r["ci_high"] for _, r in rows] + [r["ci_low"] for _, r in
                                                                   rows][::-1],
                             mode="lines", fill="toself", fillcolor="rgba(0,114,178,0.2)",
                             line={"width": 0},
                             name="posterior 95 % band", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=years, y=[r["posterior_mean"] for _, r in rows], mode="lines",
                             line={"color": FITTED}, name="posterior mean"))
    for held, colour, name in ((False, FITTED, "VIVE count (fitted)"),
                               (True, HELD_OUT, "VIVE count (held out)")):
        pick = [(y, r) for y, r in rows if r["held_out"] == held]
        if pick:
            fig.add_trace(go.Scatter(x=[y for y, _ in pick], y=[r["observed"] for _, r in pick],
                                     mode="markers", marker={"size": 11, "color": colour},
                                     name=name))
    styled(fig, 440).update_layout(legend_title_text="")
    fig.update_yaxes(title_text="homeless on the count day")
    fig.update_xaxes(title_text="year (VIVE count, week 6)", dtick=2)
    return Section("cal-counts", "The VIVE counts against the posterior",
                   "Homeless in Copenhagen on the VIVE count days (points) and the model's "
                   "posterior mean and 95&nbsp;% band on the same days. Held-out years were "
                   "not fitted: they test the posterior out of sample.", fig)


def distance_section(fit: list[dict], targets: dict[str, dict]) -> Section:
    """Every target's posterior mean and band as distances from its observation in its
    uncertainty (0 is the observation)."""
    fig = go.Figure()
    for held, colour, name in ((False, FITTED, "fitted"), (True, HELD_OUT, "held out")):
        pick = [r for r in fit if r["held_out"] == held]
        if not pick:
            continue
        sd = np.array([targets[r["target"]]["uncertainty"] for r in pick])
        obs = np.array([r["observed"] for r in pick])
        mean = (np.array([r["posterior_mean"] for r in pick]) - obs) / sd
        low = (np.array([r["ci_low"] for r in pick]) - obs) / sd
        high = (np.array([r["ci_high"] for r in pick]) - obs) / sd
        fig.add_trace(go.Scatter(x=mean, y=[r["target"] for r in pick], mode="markers",
                                 marker={"size": 10, "color": colour}, name=name,
                                 error_x={"type": "data", "symmetric": False,
                                          "array": high - mean, "arrayminus": mean - low}))
    fig.add_vline(x=0, line={"color": "#000", "width": 1})
    styled(fig, 120 + 32 * len(fit)).update_layout(legend_title_text="", hovermode="closest")
    fig.update_xaxes(title_text="posterior minus observed, in the target's uncertainty (sd)")
    return Section("cal-fit", "Every target: how far the posterior is from what was observed",
                   "Each target's posterior mean (dot) and 95&nbsp;% band (whiskers) minus its "
                   "observation, in units of the target's uncertainty: 0 is a perfect fit, and "
                   "a band that does not cross 0 misses the observation.", fig)


def marginals_section(posterior: dict, parameters: list[dict]) -> Section:
    """Each parameter's weighted posterior histogram over its prior range (a flat prior would
    fill it evenly)."""
    weights = np.asarray(posterior["weight"])
    cols = min(len(parameters), MARGINAL_COLUMNS)
    rows = math.ceil(len(parameters) / cols)
    fig = make_subplots(rows=rows, cols=cols, vertical_spacing=0.4 / rows,
                        subplot_titles=[_short(p["path"]) + (" (× the base)" if p.get("scale")
                                                             else "") for p in parameters])
    for i, p in enumerate(parameters):
        edges = np.linspace(p["low"], p["high"], BINS + 1)
        mass, _ = np.histogram(posterior[p["path"]], bins=edges, weights=weights)
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=mass, width=np.diff(edges),
                             marker={"color": FITTED}, showlegend=False,
                             hovertemplate="%{x:.3g}: %{y:.2f}<extra></extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_yaxes(title_text="weight", col=1)
    styled(fig, 80 + 220 * rows).update_layout(hovermode="closest")
    return Section("cal-marginals", "Each parameter: posterior against its prior range",
                   "The weight of the posterior's parameter sets in each twentieth of the "
                   "parameter's prior range (the whole x axis). A flat prior would fill every "
                   "bar alike; a narrow peak says the history pins the parameter down.", fig)


def pairs_section(posterior: dict, parameters: list[dict]) -> Section | None:
    """Every pair of parameters as a scatter of posterior draws: where the history trades one
    parameter against another (a ridge) rather than pinning each down."""
    if len(parameters) < 2:
        return None
    weights = np.asarray(posterior["weight"])
    shown = _most_narrowed(posterior, parameters, weights)
    picks = np.random.default_rng(0).choice(len(weights), PAIR_POINTS, p=weights)
    dims = [{"label": _short(p["path"]), "values": np.asarray(posterior[p["path"]])[picks]}
            for p in shown]
    fig = go.Figure(go.Splom(dimensions=dims, showupperhalf=False, diagonal_visible=False,
                             marker={"size": 3, "color": FITTED, "opacity": 0.4}))
    styled(fig, 160 + PAIR_PANEL_PX * len(shown)).update_layout(hovermode="closest")
    which = "" if len(shown) == len(parameters) else (
        f" The {len(shown)} parameters shown are those the history narrows most (the smallest "
        "posterior sd against the prior's); the others stay close to their priors.")
    return Section("cal-pairs", "Pairs of parameters: what the history trades off",
                   f"{PAIR_POINTS} draws of the posterior (resampled by weight), one panel per "
                   "pair of parameters. A cloud along a diagonal means the history fits as well "
                   "with more of one and less of the other: neither is known alone." + which,
                   fig)


def _most_narrowed(posterior: dict, parameters: list[dict],
                   weights: np.ndarray) -> list[dict]:
    """The PAIR_PARAMETERS parameters whose posterior sd is smallest against a flat prior's
    (range / √12), in the file's order."""
    def ratio(p: dict) -> float:
        values = np.asarray(posterior[p["path"]])
        mean = np.average(values, weights=weights)
        sd = math.sqrt(np.average((values - mean) ** 2, weights=weights))
        return sd / ((p["high"] - p["low"]) / math.sqrt(12))
    chosen = sorted(parameters, key=ratio)[:PAIR_PARAMETERS]
    return [p for p in parameters if p in chosen]


def _short(path: str) -> str:
    """A parameter path without the sections a reader does not need to tell them apart."""
    for section in ("population.types.", "population.", "assessment.", "support."):
        path = path.removeprefix(section)
    return path


def emulator_section(fit: list[dict]) -> Section:
    """The emulator against the predictive runs: per target, the share of fresh runs inside its
    95 % interval (about 95 % when the emulator is honest)."""
    fig = go.Figure(go.Bar(x=[r["emulator_inside_95"] for r in fit],
                           y=[r["target"] for r in fit], orientation="h",
                           marker={"color": [HELD_OUT if r["held_out"] else FITTED for r in fit]},
                           text=[f"rms z {r['emulator_rms_z']:.2f}" for r in fit],
                           hovertemplate="%{y}: %{x:.0%} inside<extra></extra>"))
    fig.add_vline(x=0.95, line={"color": "#000", "width": 1, "dash": "dot"})
    styled(fig, 120 + 32 * len(fit)).update_layout(hovermode="closest")
    fig.update_xaxes(title_text="share of predictive runs inside the emulator's 95 % interval",
                     range=[0, 1.05], tickformat=".0%")
    return Section("cal-emulator", "The emulator's own check against fresh runs",
                   "The posterior was weighed with a Gaussian-process emulator of the history "
                   "run. Each predictive run (a fresh simulation at a posterior draw) is set "
                   "against the emulator's 95&nbsp;% interval for it: about 95&nbsp;% inside "
                   "(dotted line) and an rms standardised error near 1 say the emulator is "
                   "honest; far fewer say the posterior leans on a poor emulator.", fig)
