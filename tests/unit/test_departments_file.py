"""The shipped departments table reproduces the published figures on Copenhagen's almene boliger
that scenarios/departments.md says it does (DOMAIN: cheap stock, rents, move-out rate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import config

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Floor area (m²) of a 1-, 2- and 3-room dwelling by building era: the assumption in
# scenarios/departments.md that turns monthly rents into a rent per m².
FLOOR_M2 = {"1930-59": (40, 60, 80), "1960-79": (45, 60, 80), "1980-99": (40, 60, 80),
            "2000-": (40, 60, 80)}
ROOMS = (1, 2, 3)


@pytest.fixture(scope="module")
def baseline():
    """The baseline scenario, its departments read from the shipped CSV by the package's loader."""
    return config.load(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="module")
def departments(baseline):
    return baseline.housing.departments


def era(dept) -> str:
    """The building era written at the end of the name: 'Valby 2 (1930-59)' -> '1930-59'."""
    return dept.name.rsplit("(", 1)[1].rstrip(")")


def share(dept, rooms: int) -> float:
    return (dept.rooms_1_share, dept.rooms_2_share, dept.rooms_3_share)[rooms - 1]


def stock(departments, keep) -> tuple[float, float]:
    """(dwellings, lets a year) of the sizes whose (rooms, rent) `keep` accepts: dwellings ×
    room share, and dwellings × turnover × room share."""
    dwellings = lets = 0.0
    for d in departments:
        for rooms in ROOMS:
            if keep(rooms, d.rent(rooms)):
                dwellings += d.dwellings * share(d, rooms)
                lets += d.dwellings * d.turnover_per_year_share * share(d, rooms)
    return dwellings, lets


def near(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance * target


def test_the_table_keeps_its_shape(departments):
    assert [d.department for d in departments] == list(range(1, 41))
    assert sum(d.dwellings for d in departments) == 50_500  # 50,000–52,000 family dwellings
    assert {era(d) for d in departments} == set(FLOOR_M2)
    assert sum(era(d) == "1960-79" for d in departments) == 15


def test_vacancies_a_year_stay_near_the_capital_move_out_rate(departments):
    vacancies = sum(d.dwellings * d.turnover_per_year_share for d in departments)
    assert near(vacancies, 4_950, 0.03), vacancies
    assert vacancies / 50_500 < 0.104  # below the national 10.4 %, as in the capital


def test_dwellings_at_most_3500_and_their_lets_match_2021(departments):
    dwellings, lets = stock(departments, lambda rooms, rent: rent <= 3_500)
    assert near(dwellings, 2_198, 0.10), dwellings
    assert near(lets, 253, 0.10), lets


def test_dwellings_under_5000_and_their_move_outs_match(departments):
    dwellings, lets = stock(departments, lambda rooms, rent: rent < 5_000)
    assert near(dwellings, 18_000, 0.10), dwellings
    assert near(lets, 1_900, 0.10), lets


def test_average_rent_per_m2_matches(departments):
    rent = area = 0.0
    for d in departments:
        for rooms in ROOMS:
            n = d.dwellings * share(d, rooms)
            rent += n * d.rent(rooms) * 12
            area += n * FLOOR_M2[era(d)][rooms - 1]
    assert near(rent / area, 1_017, 0.03), rent / area


@pytest.mark.parametrize(("rooms", "low", "high"), [(1, 3_000, 3_800), (2, 4_650, 5_500)])
def test_small_flat_rents_lie_in_the_published_ranges(departments, rooms, low, high):
    total = sum(d.dwellings * share(d, rooms) for d in departments)
    inside = sum(d.dwellings * share(d, rooms) for d in departments
                 if low <= d.rent(rooms) <= high)
    assert inside >= 0.8 * total, inside / total


def test_baseline_shields_only_1960_79_estates(baseline, departments):
    eras = {d.department: era(d) for d in departments}
    shielded = baseline.allocation.shielded_departments
    assert shielded and all(eras[k] == "1960-79" for k in shielded)
