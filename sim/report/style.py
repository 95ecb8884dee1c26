"""The one look of every report figure: colour-blind-safe colours (one per scenario), fonts,
interval bands, dates on time axes and the shaded warm-up; and the Section every figure of the
report, the PNG export and the live app is drawn as."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

# Okabe–Ito, colour-blind safe; yellow last because it is faint on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash")  # so identical lines stay visible
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
PERCENTILES = (2.5, 97.5)  # the band in the time figures: the middle 95 % of replications
WARMUP_FILL = "rgba(120,120,120,0.12)"
WIDTH = 1280  # CSS pixels of a figure exported as PNG (× PNG_SCALE on the image)


@dataclass(frozen=True)
class Section:
    """One part of the report: a figure (or an HTML block) with its title and caption."""

    key: str  # the figure's div id, and the PNG file name
    title: str
    caption: str
    figure: go.Figure | None = None
    body: str = ""  # HTML shown instead of (or before) a figure, e.g. a table


def colours_for(names: list[str]) -> dict[str, str]:
    """One colour per scenario, in the order given (the first scenario is always blue)."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def lines_for(names: list[str]) -> dict[str, dict]:
    """Line style per scenario: its colour and its own dash pattern."""
    colours = colours_for(names)
    return {name: {"color": colours[name], "dash": DASHES[i % len(DASHES)], "width": 2}
            for i, name in enumerate(names)}


def rgba(colour: str, alpha: float) -> str:
    """A #rrggbb colour as rgba() with the given opacity."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def dates(start: str, days: np.ndarray) -> np.ndarray:
    """Calendar times of model days counted from the run's start date."""
    return np.datetime64(start, "s") + np.round(np.asarray(days) * 86400).astype("timedelta64[s]")


def spread(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications (rows) and the 2.5–97.5 percentile band, ignoring NaN."""
    with warnings.catch_warnings():  # an all-NaN column (no capacity) stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(matrix, PERCENTILES, axis=0)
        return np.nanmean(matrix, axis=0), low, high


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


def shade_warmup(fig: go.Figure, run: dict, subplots: bool = False) -> None:
    """Grey out the warm-up (indkøring) on every time axis: it is left out of all statistics."""
    warmup = float(run.get("warmup_days", 0.0))
    if warmup <= 0:
        return
    start = np.datetime64(run["start_date"], "D")
    end = dates(run["start_date"], np.array([warmup]))[0]
    where = {"row": "all", "col": "all"} if subplots else {}
    fig.add_vrect(x0=str(start), x1=str(end), fillcolor=WARMUP_FILL, line_width=0, layer="below",
                  **where)
    # a legend entry, not an annotation: annotations collide with subplot titles
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip",
                             name="warm-up (indkøring), not in statistics",
                             marker={"symbol": "square", "size": 14, "color": WARMUP_FILL,
                                     "line": {"width": 0}}))


def styled(fig: go.Figure, height: int) -> go.Figure:
    """The report's one look: white background, system font, legend on top."""
    fig.update_layout(template="plotly_white", height=height, font={"family": FONT, "size": 13},
                      margin={"l": 70, "r": 30, "t": 90, "b": 50}, hovermode="x unified",
                      legend={"orientation": "h", "yref": "container", "yanchor": "top",
                              "y": 0.99, "x": 0, "title": {"text": "Scenario: "}})
    return fig
