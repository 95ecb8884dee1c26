"""The offline report: one self-contained HTML file, rebuilt from the result files alone."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from sim.cli import main
from sim.report.page import build_report, housed_section
from sim.report.style import lines_for

FIGURES = ("fig-counts", "fig-housed-per-month", "fig-flow-0", "fig-flow-1", "fig-waits",
           "fig-staff", "fig-retention", "fig-costs", "fig-quota", "fig-forest")
PLOTLY_BANNER = re.compile(r"\* plotly\.js v\d")  # the licence header opening the bundle


@pytest.fixture
def folder(small_results: Path) -> Path:
    """The shared small compare run (tests/conftest.py)."""
    return small_results


def figure_ids(page: str) -> list[str]:
    """The ids of the plotly figure divs in a page, in order."""
    return re.findall(r'<div id="([^"]+)" class="plotly-graph-div"', page)


def test_report_opens_without_network(folder: Path) -> None:
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?:", page)
    assert not re.search(r"<link[^>]+href=[\"']https?:", page)
    assert "@import" not in page
    assert len(PLOTLY_BANNER.findall(page)) == 1
    assert page.index("* plotly.js v") < page.index("</head>")


def test_report_has_every_section(folder: Path) -> None:
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert figure_ids(page) == list(FIGURES)
    assert "baseline_2023" in page and "reform_2024" in page
    assert "reform_2024 − baseline_2023" in page  # the paired-difference column
    assert "Housed in own home in 2024" in page
    assert "boligsocial anvisning (social housing allocation)" in page
    assert "held at every vacancy of every department in every replication" in page


def test_report_command_rebuilds_the_same_file(folder: Path) -> None:
    path = folder / "report.html"
    before = path.read_bytes()
    path.unlink()
    assert main(["report", str(folder)]) == 0
    assert path.read_bytes() == before


def test_run_without_compare_has_no_differences(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    (copy / "compare.parquet").unlink()
    page = build_report(copy).read_text(encoding="utf-8")
    assert figure_ids(page) == list(FIGURES[:-1])
    assert "paired difference" not in page


def test_extra_housed_per_month_is_paired_and_set_beside_the_seed() -> None:
    """Two scenarios, replications 0 and 1, January-March 2024: the lower panel is each
    month's mean of (b − a) replication by replication, beside the seed's dated expectation."""
    days = {("a", 0): [1, 40], ("a", 1): [2], ("b", 0): [1, 2, 3, 40, 70], ("b", 1): [2, 50]}
    rows = [(name, rep, float(t)) for (name, rep), times in days.items() for t in times]
    housed = pa.table({"scenario": [r[0] for r in rows], "rep": [r[1] for r in rows],
                       "time_days": [r[2] for r in rows]})
    run = {"start_date": "2024-01-01", "end_date": "2024-03-31", "warmup_days": 0.0}
    seed = [{"from": dt.date(2024, 1, 1), "value": 10.0}, {"from": dt.date(2024, 3, 1),
                                                           "value": 3.0}]
    section = housed_section(housed, {"a": run, "b": run}, lines_for(["a", "b"]),
                             {"b": seed})
    lower = [t for t in section.figure.data if t.yaxis == "y2" and t.mode == "lines"]
    extra, expected = lower[-2], lower[-1]
    # b − a: rep 0 January 3 − 1, February 1 − 1, March 1 − 0; rep 1 January 1 − 1,
    # February 1 − 0, March 0 − 0
    assert list(extra.y) == [1.0, 0.5, 0.5]
    assert expected.name == "the seed's expectation" and list(expected.y) == [10.0, 10.0, 3.0]
