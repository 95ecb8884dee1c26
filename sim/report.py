"""report.html: a self-contained offline report drawn from a result folder's files alone."""

from __future__ import annotations

from pathlib import Path

import plotly.offline
import pyarrow.parquet as pq

from sim.results import atomic_write


def build_report(folder: Path) -> Path:
    """Write folder/report.html (plotly.js inlined once) and return its path."""
    summary = pq.read_table(folder / "summary.parquet").to_pandas() if False else pq.read_table(folder / "summary.parquet")
    rows = "".join(f"<tr><td>{r['scenario']}</td><td>{r['metric']}</td><td>{r['mean']:.4g}</td></tr>"
                   for r in summary.to_pylist())
    html = (f"<html><head><meta charset='utf-8'><script>{plotly.offline.get_plotlyjs()}</script>"
            f"</head><body><table>{rows}</table></body></html>")
    path = folder / "report.html"
    atomic_write(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return path
