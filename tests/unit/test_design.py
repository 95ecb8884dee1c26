"""Sweep designs: which points a method makes, how a factor changes a scenario, and the
sensitivity measures on data whose answer is known."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest

from sim import config
from sim.analysis import sensitivity
from sim.config import design

ROOT = Path(__file__).resolve().parents[2]
FROM = dt.date(2024, 1, 1)


def make(method: str, factors: list[dict], **more) -> design.Design:
    return design.Design.model_validate({"name": "d", "base": "x.toml", "method": method,
                                         "reps": 1, "seed": 5, "factors": factors, **more})


RANGES = [{"path": "a", "low": 0.0, "high": 1.0}, {"path": "b", "low": 10.0, "high": 20.0},
          {"path": "c", "low": -1.0, "high": 1.0}]


def test_a_grid_is_the_product_of_levels_in_file_order():
    levels = [[1, 2], [10, 20, 30]]
    grid = make("grid", [{"path": p, "levels": lv} for p, lv in zip("ab", levels, strict=True)])
    assert design.points(grid) == tuple(itertools.product([1.0, 2.0], [10.0, 20.0, 30.0]))


def test_a_latin_hypercube_puts_one_point_in_every_stratum_of_every_factor():
    points = np.array(design.points(make("lhs", RANGES, samples=20)))
    assert points.shape == (20, 3)
    for column, factor in zip(points.T, RANGES, strict=True):
        strata = np.floor((column - factor["low"]) / (factor["high"] - factor["low"]) * 20)
        assert sorted(strata) == list(range(20))


def test_sobol_points_follow_saltelli_order():
    """Per base sample: A, A with column i from B (i = 1..d), B — what SALib expects."""
    d, n = 3, 8
    points = np.array(design.points(make("sobol", RANGES, samples=n)))
    assert points.shape == (n * (d + 2), d)
    for block in points.reshape(n, d + 2, d):
        a, b = block[0], block[-1]
        assert np.all(a != b)
        for i in range(d):
            expected = a.copy()
            expected[i] = b[i]
            np.testing.assert_array_equal(block[1 + i], expected)


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_points_follow_from_the_seed_alone(method):
    one = design.points(make(method, RANGES, samples=8))
    assert one == design.points(make(method, RANGES, samples=8))
    assert one != design.points(make(method, RANGES, samples=8, seed=6))


def test_set_parameter_keeps_the_warm_up_and_sets_or_scales_later_steps():
    steps = [{"from": dt.date(2023, 1, 1), "value": 20.0}, {"from": dt.date(2024, 1, 1),
                                                            "value": 25.0},
             {"from": dt.date(2025, 1, 1), "value": 30.0}]
    data = {"t": {"staff": steps, "count": 7, "share": 0.5}}
    config.set_parameter(data, "t.staff", 2.0, dt.date(2024, 6, 1), scale=True)
    assert [(s["from"].isoformat(), s["value"]) for s in data["t"]["staff"]] == [
        ("2023-01-01", 20.0), ("2024-01-01", 25.0), ("2024-06-01", 50.0), ("2025-01-01", 60.0)]
    config.set_parameter(data, "t.staff", 9.0, FROM)
    assert [s["value"] for s in data["t"]["staff"]] == [20.0, 9.0]
    config.set_parameter(data, "t.count", 7.6, FROM)
    config.set_parameter(data, "t.share", 0.25, FROM)
    assert (data["t"]["count"], data["t"]["share"]) == (8, 0.25)
    with pytest.raises(ValueError, match=r"'t\.nope' is not a parameter"):
        config.set_parameter(data, "t.nope", 1.0, FROM)


def test_a_point_changes_only_its_factors():
    base = config.load(ROOT / "scenarios" / "reform_2024.toml")
    factors = (design.Factor(path="allocation.quota_share", low=0.2, high=0.5),
               design.Factor(path="assessment.caseworkers", low=10, high=40))
    cfg = design.Variants(base, factors, FROM).at((0.25, 30.0))
    assert cfg.allocation.quota_share == 0.25
    assert [s.value for s in cfg.assessment.caseworkers] == [20.0, 30.0]  # 2023 kept
    same = cfg.model_dump()
    same["allocation"]["quota_share"] = base.allocation.quota_share
    same["assessment"]["caseworkers"] = base.assessment.caseworkers
    assert config.Scenario.model_validate(same) == base


def test_a_balanced_share_keeps_the_types_summing_to_one():
    base = config.load(ROOT / "scenarios" / "reform_2024.toml")
    kinds = "population.types.{}.inflow_share"
    factors = tuple(design.Factor(path=kinds.format(kind), low=0.05, high=0.15,
                                  balance=kinds.format("transitional"))
                    for kind in ("episodic", "chronic"))
    cfg = design.Variants(base, factors, FROM).at((0.14, 0.06))
    types = cfg.population.types
    assert (types["episodic"].inflow_share, types["chronic"].inflow_share) == (0.14, 0.06)
    assert np.isclose(types["transitional"].inflow_share, 0.80)  # +0.04 and -0.04 cancel
    cfg = design.Variants(base, factors[:1], FROM).at((0.15,))
    assert np.isclose(types["transitional"].inflow_share - 0.05,
                      cfg.population.types["transitional"].inflow_share)
    with pytest.raises(ValueError, match="not a plain number"):
        dated = design.Factor(path=kinds.format("chronic"), low=0.05, high=0.15,
                              balance="support.support_workers")
        design.Variants(base, (dated,), FROM).at((0.1,))


def grid_sweep(levels_a: list[float], levels_b: list[float]) -> design.Sweep:
    plan = make("grid", [{"path": "a", "levels": levels_a}, {"path": "b", "levels": levels_b}])
    return design.Sweep(plan, Path("d.toml"), None, design.points(plan))


def test_elasticity_of_a_proportional_metric_is_one_and_of_an_unrelated_factor_zero():
    sweep = grid_sweep([1.0, 2.0, 4.0], [10.0, 30.0])
    reps = 3
    per_point = [[{"y": 3.0 * a * (1 + 0.1 * r), "housed_per_month": 1.0} for r in range(reps)]
                 for a, _ in sweep.values]
    plan = sweep.design.model_copy(update={"metrics": ("y",)})
    rows = sensitivity.elasticity_rows(design.Sweep(plan, sweep.file, None, sweep.values),
                                       per_point)
    by_factor = {row[1]: row for row in rows}
    assert by_factor["a"][3] == pytest.approx(1.0)
    assert by_factor["b"][3] == pytest.approx(0.0)
    assert by_factor["a"][6] == reps


def test_rank_correlation_finds_a_monotone_factor():
    plan = make("lhs", RANGES[:2], samples=30, metrics=["y"])
    sweep = design.Sweep(plan, Path("d.toml"), None, design.points(plan))
    per_point = [[{"y": np.exp(a)}] for a, _ in sweep.values]
    rows = {row[1]: row for row in sensitivity.rank_correlation_rows(sweep, per_point)}
    assert rows["a"][3] == pytest.approx(1.0)
    assert rows["b"][4] < 0 < rows["b"][5]  # b's interval covers zero
