"""PNG figures for slides: every figure of the report, drawn by kaleido in the system's Chromium.

Kaleido (v1) drives an installed Chrome or Chromium; we always hand it one (BROWSER_PATH, else
Debian's /usr/bin/chromium) and never call its browser download. MathJax is off and plotly.js is
plotly.py's own copy, so the page kaleido draws in loads nothing from the network.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import kaleido
import plotly
import plotly.graph_objects as go

from sim.report import sweep_page as sweep_report
from sim.report.style import WIDTH, Section

PNG_SCALE = 1.5  # 1,280 CSS pixels wide → 1,920 pixels: a full-HD slide
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Chromium's own traffic (updates, sync, safe browsing) is refused on a closed network.
QUIET_FLAGS = ("--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic")


class ExportError(Exception):
    """The PNG export cannot run here (no browser); the message says what to install."""


def find_browser() -> Path:
    """The browser to draw with: BROWSER_PATH if set, else the first of BROWSERS on PATH."""
    if named := os.environ.get("BROWSER_PATH"):
        if Path(named).is_file():
            return Path(named)
        raise ExportError(f"BROWSER_PATH={named}: no such file")
    for name in BROWSERS:
        if found := shutil.which(name):
            return Path(found)
    raise ExportError("no Chromium found for the PNG export: install Debian's chromium "
                      "(apt-get install chromium) or set BROWSER_PATH; nothing is downloaded")


def launcher(browser: Path, folder: Path) -> Path:
    """A two-line script that starts the browser with QUIET_FLAGS (kaleido sets the rest)."""
    script = folder / "chromium"
    flags = " ".join(QUIET_FLAGS)
    script.write_text(f'#!/bin/sh\nexec "{browser}" {flags} "$@"\n', encoding="utf-8")
    script.chmod(stat.S_IRWXU)
    return script


def slide(section: Section) -> go.Figure:
    """The section's figure with its title on top, for a slide without the page around it."""
    fig = go.Figure(section.figure)
    top = fig.layout.margin.t or 90
    fig.update_layout(title={"text": section.title, "x": 0.01, "xanchor": "left",
                             "yref": "container", "y": 0.995, "yanchor": "top",
                             "font": {"size": 18}},
                      margin={"t": top + 40}, height=(fig.layout.height or 450) + 40)
    fig.update_layout(legend={"y": 1 - 44 / fig.layout.height})
    return fig


def export_png(folder: Path, out: Path) -> list[Path]:
    """Write every figure of the folder's report as out/<figure id>.png; return the paths."""
    browser = find_browser()
    figures = [s for s in sweep_report.sections_of(folder) if s.figure is not None]
    out.mkdir(parents=True, exist_ok=True)
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    specs = []
    for section in figures:
        fig = slide(section)
        specs.append({"fig": fig, "path": out / f"{section.key}.png",
                      "opts": {"format": "png", "width": WIDTH, "height": fig.layout.height,
                               "scale": PNG_SCALE}})
    with tempfile.TemporaryDirectory(prefix="housing-sim-png-") as tmp:
        kopts = {"path": str(launcher(browser, Path(tmp))), "mathjax": False,
                 "plotlyjs": str(plotly_js), "n": 1}
        kaleido.write_fig_from_object_sync(specs, kopts=kopts)
        # a busy machine can make the browser drop a large figure without an error: once more
        missing = [spec for spec in specs if not spec["path"].is_file()]
        if missing:
            kaleido.write_fig_from_object_sync(missing, kopts=kopts)
    still = [spec["path"].name for spec in specs if not spec["path"].is_file()]
    if still:
        raise ExportError(f"the browser wrote no {', '.join(still)}; try again on a less busy "
                          "machine")
    return [spec["path"] for spec in specs]
