"""The live app's what-if layer: variants through the config layer, messages for bad values,
and the cache (settings already run are not run again)."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from sim import config
from sim.config import ScenarioError
from sim.experiments.whatif import FROM, Background, cached_run, defaults, variant

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
dashboard = pytest.importorskip("sim.app.dashboard")  # Dash is the app extra


@pytest.fixture(scope="module")
def reform():
    return config.load(SCENARIOS / "reform_2024.toml")


def comparable(cfg) -> dict:
    data = cfg.model_dump(mode="json", by_alias=True)
    for key in ("name", "description"):
        data.pop(key)
    return data


def test_defaults_are_the_scenarios_values_from_2024(reform) -> None:
    s = defaults(reform, 4, 5)
    assert (s.caseworkers, s.housing_advisors, s.support_workers) == (25, 6, 53)
    assert s.inflow_per_month == 175 and s.quota_share == pytest.approx(1 / 3)


def test_exit_dwellings_control_changes_the_scheme_from_2024(reform) -> None:
    s = defaults(reform, 4, 5)
    assert s.exit_dwellings == 75
    changed = variant(reform, dataclasses.replace(s, exit_dwellings=105))
    steps = changed.subsidy.exit_dwelling.dwellings_per_year
    assert [(step.start, step.value) for step in steps][-1] == (FROM, 105)
    assert changed.subsidy.state_subsidy == reform.subsidy.state_subsidy
    with pytest.raises(ScenarioError) as info:
        variant(reform, dataclasses.replace(s, exit_dwellings=-1))
    assert info.value.key.startswith("subsidy.exit_dwelling.dwellings_per_year")


def test_the_quota_as_shown_in_the_page_leaves_the_scenario_unchanged(reform) -> None:
    shown = dataclasses.replace(defaults(reform, 4, 5), quota_share=33.33 / 100)
    assert comparable(variant(reform, shown)) == comparable(reform.with_years(4))
    lower = variant(reform, dataclasses.replace(shown, quota_share=0.25))
    assert lower.allocation.quota_share == 0.25


def test_unchanged_settings_give_the_scenario_itself(reform) -> None:
    assert comparable(variant(reform, defaults(reform, 4, 5))) == comparable(reform.with_years(4))


def test_a_changed_control_holds_from_2024_and_keeps_earlier_steps(reform) -> None:
    more = variant(reform, defaults(reform, 4, 5).__class__(
        **{**defaults(reform, 4, 5).__dict__, "support_workers": 61.0}))
    steps = [(s.start, s.value) for s in more.support.support_workers]
    assert steps == [(reform.run.start_date, 45.0), (FROM, 61.0)]
    assert more.assessment.caseworkers == reform.assessment.caseworkers


def test_unchanged_inflow_keeps_a_later_step() -> None:
    surge = config.load(SCENARIOS / "surge.toml")
    same = variant(surge, defaults(surge, 4, 5))
    assert same.population.inflow_per_month == surge.population.inflow_per_month


@pytest.mark.parametrize(("values", "expected"), [
    ([-3, 6, 53, 175, 75, 33.3, 1, 2], "Sagsbehandlere (caseworkers): -3.0 is out of range"),
    ([25, 6, 53, 175, 75, 150, 1, 2], "Kvote (quota) for boligsocial anvisning: 1.5 is out of "
                                  "range: input should be at most 100 %"),
    ([25, None, 53, 175, 75, 33.3, 1, 2], "Boligrådgivere (housing advisors): enter a number"),
    ([25, 6, 53, 175, 75, 33.3, 0, 2], "Horizon: 0 is out of range"),
    ([25, 6, 53, 175, 75, 33.3, 1, 1], "Replications: 1 is out of range"),
    ([25, 6, 53, 175, 75, 33.3, 1, 2.5], "Replications: enter a whole number"),
])
def test_bad_values_get_a_message(reform, values, expected) -> None:
    with pytest.raises(ScenarioError) as caught:
        variant(reform, dashboard.parse(values))
    assert dashboard.message(caught.value).startswith(expected)


def test_cached_settings_are_not_run_again(reform, tmp_path: Path) -> None:
    cfg = reform.with_years(1)
    run = cached_run(tmp_path, cfg, 2)
    run.folder.mkdir(parents=True)
    (run.folder / "metrics.json").write_text(json.dumps([{"housed_total": 1.0}] * 2))
    background = Background(workers=1)
    key = background.submit([run])
    deadline = time.monotonic() + 10
    while background.statuses[key].state != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    status = background.statuses[key]
    assert (status.state, status.done, status.total) == ("done", 2, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [run.folder.name]
