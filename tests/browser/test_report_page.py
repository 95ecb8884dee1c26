"""report.html in a real browser, offline: no request leaves the file, no console error, and
every section draws its figure."""

from __future__ import annotations

import time
from pathlib import Path

# Per figure: plot elements that have a size on screen (lines, bands, boxes, bars, Sankey
# nodes and links), so an empty or failed plot counts 0.
DRAWN = """() => [...document.querySelectorAll('section')].map(section => {
  const div = section.querySelector('.plotly-graph-div');
  const title = section.querySelector('h2').textContent;
  if (!div) return {title, id: null, rows: section.querySelectorAll('tr').length};
  const marks = div.querySelectorAll(
    '.trace path, .trace rect, .point path, .sankey-link, .node-rect');
  const drawn = [...marks].filter(el => {
    const box = el.getBBox(); return box.width > 0 && box.height > 0; }).length;
  return {title, id: div.id, traces: (div.data || []).length, drawn};
})"""


def test_report_renders_offline(browser, small_results: Path) -> None:
    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (requests.append(route.request.url), route.abort()))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    started = time.perf_counter()
    page.goto((small_results / "report.html").as_uri(), wait_until="load")
    page.wait_for_function("() => [...document.querySelectorAll('.plotly-graph-div')]"
                           ".every(d => d._fullLayout)")
    loaded = time.perf_counter() - started
    sections = page.evaluate(DRAWN)
    context.close()
    assert requests == [], "the report asked the network for something"
    assert errors == []
    assert loaded < 20
    figures = [s for s in sections if s["id"]]
    assert len(figures) >= 9, sections
    assert all(s["traces"] > 0 and s["drawn"] > 0 for s in figures), figures
    assert [s["rows"] for s in sections if not s["id"]] and \
        all(s["rows"] > 5 for s in sections if not s["id"]), sections
