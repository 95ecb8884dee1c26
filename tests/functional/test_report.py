"""The offline report: one self-contained HTML file, rebuilt from the result files alone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.report.page import build_report

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
