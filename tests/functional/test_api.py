"""sim.api: the examples of docs/python-api.md run as written (so the page cannot rot), result
folders open as Arrow tables, and shipped scenarios load by their bare names."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim import api
from sim.output import results

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "python-api.md"


def python_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown page, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_the_documented_examples_run(tmp_path, monkeypatch, capsys):
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"{DOC.name} block {number}", "exec"), namespace)  # noqa: S102
    shown = capsys.readouterr()
    assert "reform − baseline" in shown.out and "housed" in shown.out
    assert shown.err == ""  # nothing on stderr unless progress is asked for
    assert (tmp_path / "results" / "api-demo" / "report.html").is_file()


def test_open_results_gives_the_folder_s_tables(small_results):
    res = api.open_results(small_results)
    assert res.scenarios == ["baseline_2023", "reform_2024"]
    assert (res.reps, res.seed, res.interrupted) == (2, api.DEFAULT_SEED, False)
    written = pq.read_table(small_results / "summary.parquet")
    assert res.summary.schema == written.schema
    assert res.summary.select(["scenario", "metric"]).equals(written.select(["scenario", "metric"]))
    assert set(res.compare["scenario"].to_pylist()) == {"reform_2024"}
    one = res.events("reform_2024", rep=1)
    assert one.num_rows == results.read_part(small_results, "events", scenario="reform_2024",
                                             rep=1).num_rows
    assert set(one["scenario"].to_pylist()) == {"reform_2024"}
    assert set(one["rep"].to_pylist()) == {1}
    assert res.snapshots(rep=0, columns=["scenario"])["scenario"].unique().to_pylist() \
        == ["baseline_2023", "reform_2024"]
    assert res.vacancies().num_rows > 0


def test_a_folder_without_results_is_refused(tmp_path):
    with pytest.raises(api.BadInput, match="not a result folder"):
        api.open_results(tmp_path)


def test_shipped_scenarios_load_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert api.load_scenario("reform_2024") == api.load_scenario(
        ROOT / "scenarios" / "reform_2024.toml")
    assert api.load_scenario("reform_2024.toml").name == "reform_2024"
    assert api.load_scenario("backtest/history_2009").name == "history_2009"
    assert {"baseline", "baseline_2023", "reform_2024", "surge"} <= set(api.shipped_names())


def test_an_unknown_name_lists_the_shipped_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(api.ScenarioError) as caught:
        api.load_scenario("reform_2025")
    assert caught.value.key == "file"
    assert "reform_2024" in caught.value.problem and "baseline_2023" in caught.value.problem


def test_an_existing_file_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shipped = (ROOT / "scenarios" / "reform_2024.toml").as_posix()
    for file in ("reform_2024", "reform_2024.toml"):
        (tmp_path / file).write_text(f'extends = "{shipped}"\nname = "mine"\n', encoding="utf-8")
        assert api.load_scenario(file).name == "mine"


def test_bad_arguments_are_refused_before_anything_runs(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(api.ArgumentError) as caught:
        api.run("reform_2024", reps=1, years=0.2, out=out)
    assert caught.value.key == "out"
    with pytest.raises(api.BadInput, match="needs at least two scenarios"):
        api.compare("reform_2024", out=tmp_path / "other")
    with pytest.raises(api.ArgumentError, match="too short"):
        api.load_scenario("baseline", years=0.001)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_importing_the_package_stays_cheap():
    heavy = ("plotly", "dask", "scipy.stats", "dash")
    code = ("import sys, sim, sim.api; "
            f"print([m for m in sys.modules if m.startswith({heavy!r})])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]", done.stdout
