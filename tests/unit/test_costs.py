"""The shelter refund's cap per citizen and calendar year (120 days, 90 from 2026-04-01)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.analysis.costs import MEMO, Flow, metrics, refundable_shelter_days
from sim.config import Step, load

START = dt.date(2023, 1, 1)
CAPS = (Step(start=dt.date(2023, 1, 1), value=120), Step(start=dt.date(2026, 4, 1), value=90))


def day(y: int, m: int, d: int) -> float:
    return float((dt.date(y, m, d) - START).days)


def refunded(stays: list[tuple[float, float]], citizens: list[int] | None = None) -> float:
    cid = np.array(citizens or [1] * len(stays))
    a = np.array([s for s, _ in stays])
    b = np.array([e for _, e in stays])
    _, ra, rb = refundable_shelter_days(cid, a, b, CAPS, START)
    return float(np.sum(rb - ra))


def test_a_long_stay_is_refunded_up_to_the_cap():
    assert refunded([(day(2024, 1, 1), day(2024, 9, 1))]) == pytest.approx(120.0)


def test_the_cap_restarts_each_calendar_year():
    # 2024-10-01 .. 2025-06-01: 92 days in 2024 (all refunded), then 120 of 151 in 2025
    assert refunded([(day(2024, 10, 1), day(2025, 6, 1))]) == pytest.approx(92.0 + 120.0)


def test_from_april_2026_the_cap_is_90():
    # 90 days before April: nothing more after it, though 120 would have allowed 30 more
    assert refunded([(day(2026, 1, 1), day(2026, 4, 1)), (day(2026, 5, 1), day(2026, 6, 1))]) \
        == pytest.approx(90.0)
    # 45 days before April, then refunds continue only up to 90 in all
    assert refunded([(day(2026, 1, 1), day(2026, 2, 15)), (day(2026, 5, 1), day(2026, 9, 1))]) \
        == pytest.approx(90.0)


def test_each_citizen_has_their_own_cap():
    stays = [(day(2024, 1, 1), day(2024, 12, 1))] * 2
    assert refunded(stays, citizens=[1, 2]) == pytest.approx(240.0)
    assert refunded(stays, citizens=[1, 1]) == pytest.approx(120.0)


def test_flow_total_counts_only_the_window():
    flow = Flow(np.array([0.0, 10.0]), np.array([20.0, 15.0]), np.array([2.0, 10.0]), "x", "state")
    assert flow.total(5.0, 12.0) == pytest.approx(7 * 2.0 + 2 * 10.0)


def test_the_lost_refund_is_a_memo_beside_the_totals_not_in_them():
    """A 200-night stay in 2024 with a 120-night cap: 80 nights lose the refund. The memo line
    says what was lost; the totals are those of the cost flows alone."""
    cfg = load("baseline")
    a, b = np.array([day(2024, 1, 1)]), np.array([day(2024, 1, 1) + 200.0])
    _, ra, rb = refundable_shelter_days(np.array([1]), a, b, CAPS, START)
    shelter = Flow(a, b, np.array([1000.0]), "shelter", "municipality")
    lost = [Flow(a, b, np.array([500.0]), "shelter_refund_lost", MEMO),
            Flow(ra, rb, np.array([-500.0]), "shelter_refund_lost", MEMO)]
    out = metrics([shelter, *lost], cfg, {})
    assert out["shelter_refund_lost_dkk"] == pytest.approx(80 * 500.0)
    assert out["cost_total_dkk"] == pytest.approx(200 * 1000.0)
    assert "cost_shelter_refund_lost_dkk" not in out
