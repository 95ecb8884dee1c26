"""Scenario loading: bad input is refused with the file and key named; good input loads, and a
run leaves its scenario untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import config
from sim.analysis.metrics import rep_metrics
from sim.config import ScenarioError
from sim.model.city import run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = ("baseline", "baseline_2023", "reform_2024", "surge")


def refused(path: Path, key: str, file: Path | None = None) -> ScenarioError:
    """Load `path`, expect a ScenarioError for `key` blamed on `file` (default: `path`)."""
    with pytest.raises(ScenarioError) as info:
        config.load(path)
    err = info.value
    blamed = (file or path).resolve()
    assert err.key == key, str(err)
    assert Path(err.file).resolve() == blamed, str(err)
    # the one-line message is "<file>: <key>: <problem>", with a problem to read
    assert str(err).startswith(f"{err.file}: {key}: "), str(err)
    assert blamed.name in str(err)
    assert err.problem.strip()
    return err


# (id, TOML added after `extends` and `name`, key the error must name)
BAD_VALUES = [
    ("unknown-top-level", "bogus = 1\n", "bogus"),
    ("unknown-nested", "[shelter]\nbogus = 1\n", "shelter.bogus"),
    ("unknown-in-shares", "[support.tier_share]\nlowest = 0.1\n", "support.tier_share.lowest"),
    ("unknown-in-step", "[assessment]\ncaseworkers = [{from = 2024-01-01, value = 20, unit = 1}]\n",
     "assessment.caseworkers[0].unit"),
    ("string-for-number", '[shelter]\nstay_days_mean = "56"\n', "shelter.stay_days_mean"),
    ("string-for-count", '[population]\ninitial_homeless = "1400"\n',
     "population.initial_homeless"),
    ("bool-for-count", "[allocation]\ndepartments = true\n", "allocation.departments"),
    ("quoted-date", '[run]\nstart_date = "2024-01-01"\n', "run.start_date"),
    ("quoted-step-date", '[assessment]\ncaseworkers = [{from = "2024-01-01", value = 20}]\n',
     "assessment.caseworkers[0].from"),
    ("table-for-value", "shelter = 3\n", "shelter"),
    ("unknown-choice", '[run]\nduration_distribution = "gamma"\n', "run.duration_distribution"),
    ("nan", "[shelter]\nstay_days_mean = nan\n", "shelter.stay_days_mean"),
    ("inf", "[shelter]\nstay_days_mean = inf\n", "shelter.stay_days_mean"),
    ("minus-inf", "[costs]\nshelter_per_day_dkk = -inf\n", "costs.shelter_per_day_dkk"),
    ("nan-share", "[shelter]\nuser_share = nan\n", "shelter.user_share"),
    ("nan-in-step", "[assessment]\ncaseworkers = [{from = 2024-01-01, value = nan}]\n",
     "assessment.caseworkers[0].value"),
    ("negative-count", "[population]\ninitial_homeless = -5\n", "population.initial_homeless"),
    ("negative-staff", "[assessment]\ncaseworkers = [{from = 2024-01-01, value = -1}]\n",
     "assessment.caseworkers[0].value"),
    ("zero-departments", "[allocation]\ndepartments = 0\n", "allocation.departments"),
    ("negative-duration", "[shelter]\nstay_days_mean = -1.0\n", "shelter.stay_days_mean"),
    ("share-above-1", "[shelter]\nuser_share = 1.5\n", "shelter.user_share"),
    ("quota-above-1", "[allocation]\nquota_share = 1.01\n", "allocation.quota_share"),
    ("share-below-0", "[support]\ndecline_share = -0.1\n", "support.decline_share"),
    ("route-share-sum", "[assessment.route_share]\nown_home = 0.5\n", "assessment.route_share"),
    ("tier-share-sum", "[support.tier_share]\nlow = 0.5\n", "support.tier_share"),
    ("stage-share-sum", "[population.initial_stage_share]\nnot_ready = 0.0\n",
     "population.initial_stage_share"),
    ("exit-reason-sum", "[population.self_exit_reason_share]\ndied = 0.5\n",
     "population.self_exit_reason_share"),
    ("no-steps", "[assessment]\ncaseworkers = []\n", "assessment.caseworkers"),
    ("steps-decreasing",
     "[assessment]\ncaseworkers = [{from = 2024-01-01, value = 20},"
     " {from = 2023-01-01, value = 25}]\n",
     "assessment.caseworkers"),
    ("steps-same-date",
     "[support]\nsupport_workers = [{from = 2024-01-01, value = 45},"
     " {from = 2024-01-01, value = 53}]\n",
     "support.support_workers"),
    ("extends-not-a-string", None, "extends"),
]


@pytest.mark.parametrize(("body", "key"), [case[1:] for case in BAD_VALUES],
                         ids=[case[0] for case in BAD_VALUES])
def test_bad_value_is_refused_naming_file_and_key(make_scenario, tmp_path, body, key):
    if body is None:  # `extends` itself of the wrong type
        path = tmp_path / "variant.toml"
        path.write_text('extends = 3\nname = "variant"\n', encoding="utf-8")
    else:
        path = make_scenario(body)
    refused(path, key)


@pytest.mark.parametrize("name", ["my scenario!", "", "a/b", "../up", "ø"])
def test_bad_name_is_refused(make_scenario, name):
    err = refused(make_scenario(scenario_name=name), "name")
    assert "letters" in err.problem or "allowed" in err.problem


def test_share_within_tolerance_of_one_is_accepted(make_scenario):
    # thirds do not add up to exactly 1.0 in floating point; that must not be refused
    path = make_scenario("[support.tier_share]\nlow = 0.3333333333333333\n"
                         "medium = 0.3333333333333333\nhigh = 0.3333333333333334\n")
    assert config.load(path).support.tier_share.low == pytest.approx(1 / 3)


def test_integer_for_a_float_is_accepted(make_scenario):
    cfg = config.load(make_scenario("[shelter]\nstay_days_mean = 56\n"))
    assert cfg.shelter.stay_days_mean == 56.0


def test_end_before_start_is_refused(make_scenario):
    body = "[run]\nstart_date = 2024-01-01\nend_date = 2023-12-31\nwarmup_days = 0\n"
    with pytest.raises(ScenarioError) as info:
        config.load(make_scenario(body))
    assert info.value.key.startswith("run"), str(info.value)
    assert "end_date" in str(info.value)


def test_invalid_toml_is_refused_naming_the_file(make_scenario):
    path = make_scenario("[shelter\nbeds = 3\n")
    with pytest.raises(ScenarioError) as info:
        config.load(path)
    err = info.value
    assert Path(err.file).resolve() == path.resolve()
    assert err.key  # the slot is filled ("toml"), so the one-line format holds
    assert str(err).startswith(f"{err.file}: {err.key}: ")
    assert "line 3" in str(err)  # the parser's position helps the user find it


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ScenarioError) as info:
        config.load(path)
    assert "absent.toml" in str(info.value)


def test_missing_extends_target_is_refused(make_scenario, tmp_path):
    path = make_scenario(extends=tmp_path / "nowhere.toml")
    err = refused(path, "extends")
    assert "nowhere.toml" in err.problem


def test_relative_extends_target_is_found_next_to_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    base = (SCENARIOS / "baseline.toml").read_text(encoding="utf-8")
    (tmp_path / "sub" / "base.toml").write_text(base, encoding="utf-8")
    table = (SCENARIOS / "departments_copenhagen.csv").read_text(encoding="utf-8")
    (tmp_path / "sub" / "departments_copenhagen.csv").write_text(table, encoding="utf-8")
    child = tmp_path / "sub" / "child.toml"
    child.write_text('extends = "base.toml"\nname = "child"\n', encoding="utf-8")
    assert config.load(child).name == "child"
    # resolved against the file, not the working directory: from elsewhere it still loads
    assert config.load(str(child)).name == "child"


def test_cyclic_extends_is_refused(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('extends = "b.toml"\nname = "a"\n', encoding="utf-8")
    b.write_text('extends = "a.toml"\nname = "b"\n', encoding="utf-8")
    for path in (a, b):
        with pytest.raises(ScenarioError) as info:
            config.load(path)
        err = info.value
        assert err.key == "extends"
        assert Path(err.file).resolve() in (a.resolve(), b.resolve())
        assert "a.toml" in str(err) and "b.toml" in str(err)
        assert "cycl" in err.problem


def test_self_extends_is_refused(tmp_path):
    path = tmp_path / "self.toml"
    path.write_text('extends = "self.toml"\nname = "self"\n', encoding="utf-8")
    refused(path, "extends")


# --- which file of an extends chain is blamed ----------------------------------------------


def test_bad_override_is_reported_against_the_child(make_scenario):
    child = make_scenario("[shelter]\nuser_share = 1.5\n", name="child")
    refused(child, "shelter.user_share", file=child)


def test_bad_value_inherited_is_reported_against_the_parent(make_scenario):
    middle = make_scenario("[shelter]\nuser_share = 1.5\n", name="middle")
    child = make_scenario("[shelter]\nstay_days_mean = 50.0\n", name="child", extends=middle)
    refused(child, "shelter.user_share", file=middle)


def test_unknown_key_inherited_is_reported_against_the_parent(make_scenario):
    middle = make_scenario("[move_in]\nmove_in_days = 3.0\n", name="middle")
    child = make_scenario(name="child", extends=middle)
    refused(child, "move_in.move_in_days", file=middle)


def test_grandchild_override_of_a_good_parent_value_is_blamed_on_the_grandchild(make_scenario):
    middle = make_scenario("[shelter]\nuser_share = 0.5\n", name="middle")
    child = make_scenario("[shelter]\nuser_share = 2.0\n", name="child", extends=middle)
    refused(child, "shelter.user_share", file=child)


def test_child_overrides_only_what_it_names(make_scenario):
    base = config.load(SCENARIOS / "baseline.toml")
    child = config.load(make_scenario("[shelter]\nuser_share = 0.5\n"))
    assert child.shelter.user_share == 0.5
    assert child.shelter.beds == base.shelter.beds
    assert child.shelter.stay_days_mean == base.shelter.stay_days_mean
    assert child.assessment == base.assessment


# --- the shipped scenarios ------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_loads(name):
    cfg = config.load(SCENARIOS / f"{name}.toml")
    assert cfg.name == name
    assert len(cfg.sha256()) == 64


def test_reform_adds_staff_from_2024_and_inherits_the_rest():
    base = config.load(SCENARIOS / "baseline_2023.toml")
    reform = config.load(SCENARIOS / "reform_2024.toml")
    assert [s.value for s in reform.assessment.caseworkers] == [20, 25]
    assert [s.value for s in base.assessment.caseworkers] == [20]
    assert reform.allocation == base.allocation
    assert reform.sha256() != base.sha256()


def test_step_list_replaces_wholesale():
    surge = config.load(SCENARIOS / "surge.toml")
    assert [s.value for s in surge.population.inflow_per_month] == [175, 262.5]


def test_scenario_is_frozen():
    cfg = config.load(SCENARIOS / "baseline.toml")
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen models
        cfg.shelter.user_share = 0.1


def test_scenario_is_unchanged_after_a_run():
    cfg = config.load(SCENARIOS / "reform_2024.toml").with_years(0.5)
    before, sha = cfg.model_dump(), cfg.sha256()
    tables = run_replication(cfg, 7, 0)
    rep_metrics(tables, cfg)
    assert cfg.model_dump() == before
    assert cfg.sha256() == sha


def test_with_years_validates_and_keeps_the_rest():
    cfg = config.load(SCENARIOS / "baseline.toml")
    short = cfg.with_years(1)
    # one calendar year after the warm-up
    assert short.run.horizon_days - cfg.run.warmup_days in (365, 366)
    assert short.model_dump(exclude={"run"}) == cfg.model_dump(exclude={"run"})


def test_bad_steps_inherited_are_reported_against_the_parent(make_scenario):
    middle = make_scenario(
        "[assessment]\ncaseworkers = [{from = 2025-01-01, value = 20},"
        " {from = 2024-01-01, value = 9}]\n",
        name="middle")
    child = make_scenario("[shelter]\nuser_share = 0.5\n", name="child", extends=middle)
    refused(child, "assessment.caseworkers", file=middle)
