"""The live app's Budget tab on an optimise folder made here (test_optimise's small problem):
the full budget shows KN++'s choice, less money the best cheaper mix simulated, and a folder
that is not an optimise folder a message in the page, not a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_optimise import BEST, PRICE, SMALL

from sim.cli import main
from sim.config.files import shipped_folder
from sim.report import budget_page

dashboard = pytest.importorskip("sim.app.dashboard")  # Dash is the app extra
BUDGET = 3 * PRICE


@pytest.fixture(scope="module")
def optimised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small budget problem, optimised once for the module."""
    folder = tmp_path_factory.mktemp("budget")
    problem = folder / "small.toml"
    problem.write_text(SMALL, encoding="utf-8")
    out = folder / "out"
    assert main(["optimise", str(problem), "--out", str(out), "--workers", "1",
                 "--quiet"]) == 0
    return out


def text(component) -> str:
    """Every string inside a Dash component tree, joined."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else text(children)


def find(components: list, kind: str) -> list:
    """The components of a type (by name) anywhere in the trees."""
    found = []
    for component in components:
        if type(component).__name__ == kind:
            found.append(component)
        children = getattr(component, "children", None)
        if children is not None and not isinstance(children, str):
            found += find(children if isinstance(children, list) else [children], kind)
    return found


def front(view: list):
    """The front figure in the Budget tab's view."""
    (graph,) = [g for g in find(view, "Graph") if g.id == "budget-budget-front"]
    return graph.figure


def table_rows(view: list) -> dict[str, list[str]]:
    """The mix table's rows: first cell → the other cells' text."""
    (table,) = find(view, "Table")
    return {text(row.children[0]): [text(c) for c in row.children[1:]]
            for row in find([table], "Tr")}


def marked(fig) -> tuple[float, tuple[float, float]]:
    """Where the figure's vertical line and its ring (the mix in the table) are."""
    (line,) = fig.layout.shapes
    (ring,) = [t for t in fig.data if t.name == "best for the amount"]
    return line.x0, (ring.x[0], ring.y[0])


def test_the_full_budget_shows_the_choice_with_its_guarantee(optimised):
    top, marks, value, disabled = dashboard.budget_slider(str(optimised))
    assert (top, value, disabled) == (BUDGET, BUDGET, False)
    assert marks[0] == "0 M" and marks[BUDGET] == "1.37 M"
    assert all(m % dashboard.budget_tab.STEP_DKK == 0 for m in marks if m != BUDGET)

    view = dashboard.budget_view(str(optimised), None)  # None: the slider not yet set
    assert "(budget small)" in text(view[0])
    assert "The full budget, 1,368,000 DKK a year: the optimise run's choice" in text(view)
    rows = table_rows(view)
    for lever, units in BEST.items():
        (name,) = [n for n in rows if n.startswith(f"{lever} (")]
        assert rows[name] == [str(units), f"{units * PRICE:,}"]
    assert rows["All levers"][-1] == f"{BUDGET:,}"
    chosen = json.loads((optimised / "selection.json").read_text(encoding="utf-8"))
    line, ring = marked(front(view))
    assert line == BUDGET / 1e6
    assert ring[0] == chosen["chosen"]["cost_dkk_per_year"] / 1e6
    caption = text(view)
    assert "nothing is run here" in caption
    assert "Only the full budget's choice (the star) carries KN++'s guarantee" in caption
    assert "with probability at least 95% when the best is at least 0.05 better" in caption


@pytest.mark.parametrize("money", [0, 500_000, 900_000, BUDGET - 100_000])
def test_less_money_picks_the_best_mix_that_costs_at_most_that(optimised, money):
    rows = budget_page.front_table(optimised)
    affordable = [r for r in rows if r["role"] != "marginal" and r["cost_dkk_per_year"] <= money]
    best = min(r["mean"] for r in affordable)  # the objective is minimised

    view = dashboard.budget_view(str(optimised), money)
    assert f"Up to {money:,} DKK a year: the best mix simulated" in text(view)
    cost = int(table_rows(view)["All levers"][-1].replace(",", ""))
    assert cost <= money < BUDGET
    line, (ring_cost, ring_mean) = marked(front(view))
    assert line == money / 1e6
    assert ring_cost == cost / 1e6
    assert ring_mean == best
    if money < PRICE:
        assert cost == 0  # only the base costs nothing
    else:  # one support worker (the lever that lowers the utilisation) fits, and is picked
        assert table_rows(view)["support_workers (worker)"][0] == "1"


def test_direction_and_a_missing_guarantee_come_from_the_selection(optimised, tmp_path):
    copy = tmp_path / "maximised"
    shutil.copytree(optimised, copy)
    selection = json.loads((copy / "selection.json").read_text(encoding="utf-8"))
    selection["objective"]["direction"], selection["guaranteed"] = "maximise", False
    (copy / "selection.json").write_text(json.dumps(selection), encoding="utf-8")

    view = dashboard.budget_view(str(copy), 900_000)
    assert table_rows(view)["All levers"][-1] == "0"  # the base has the highest utilisation
    assert "the one with the highest mean utilisation_support_workers" in text(view)
    assert "was made by KN++, and here without its guarantee" in text(view)


def test_a_folder_that_is_not_an_optimise_folder_gets_a_message(tmp_path, optimised,
                                                                 small_results, capsys):
    for folder, problem in ((tmp_path / "missing", "not an optimise folder"),
                            (small_results, "not an optimise folder"),
                            (damaged(optimised, tmp_path / "damaged"), "cannot read it")):
        (shown,) = dashboard.budget_view(str(folder), 500_000)
        assert shown.className == "message"
        assert text(shown).startswith(f"{folder}: {problem}")
        assert dashboard.budget_slider(str(folder))[-1]  # the slider is disabled
    assert "No optimise folder open" in text(dashboard.budget_view("", None))

    assert main(["dashboard", "--budget", str(small_results)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {small_results}: --budget: not an optimise folder")


def damaged(optimised: Path, copy: Path) -> Path:
    """A copy of the optimise folder whose candidates were never written."""
    shutil.copytree(optimised, copy)
    (copy / "candidates.parquet").unlink()
    return copy


def test_the_app_opens_the_budget_tab_given(optimised, tmp_path):
    app = dashboard.App(shipped_folder(), tmp_path / "cache", 0.5, 2, 1)
    dash = dashboard.build(app, "reform_2024", None, str(optimised))
    (tabs,) = [c for c in dash.layout.children[1].children if getattr(c, "id", None) == "tabs"]
    assert tabs.value == "budget"
    assert [t.label for t in tabs.children] == ["What if? (live)", "Result folder", "Budget"]
    assert dash.layout["budget-folder"].value == str(optimised)
    assert "budget-view.children" in dash.callback_map  # the slider redraws the view
    assert any("budget-opened.data" in key and "money.max" in key for key in dash.callback_map)
