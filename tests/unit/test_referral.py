"""Referral: outreach reaches a newly homeless citizen after `referral_days_mean`; under the
reform's notification rule a shelter refers a citizen who enters it within its deadline
(`assessment.shelter_notification_days`), if that comes first.

In the small city durations are fixed: a shelter user spends 10 days outside before a first
stay; outreach takes 50 days here.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sim.model.population import arrive_homeless

OUTSIDE, OUTREACH, DEADLINE = 10.0, 50.0, 4.2


def referred_at(small_city, uses_shelter: bool = True, **assessment) -> float:
    town = small_city(shelter={"beds": 5, "user_share": 1.0 if uses_shelter else 0.0,
                               "stay_days_mean": 100.0, "between_stays_days_mean": OUTSIDE},
                      assessment={"referral_days_mean": OUTREACH, **assessment})
    arrive_homeless(town.city)
    town.run(200.0)
    [day] = [t for t, event in town.events(town.city.citizens) if event == "referred"]
    return day


def test_without_the_rule_outreach_refers(small_city):
    assert referred_at(small_city) == OUTREACH


def test_a_shelter_refers_within_its_deadline(small_city):
    assert referred_at(small_city, shelter_notification_days=DEADLINE) == \
        pytest.approx(OUTSIDE + DEADLINE)


def test_who_uses_no_shelter_waits_for_outreach(small_city):
    assert referred_at(small_city, False, shelter_notification_days=DEADLINE) == OUTREACH


def test_the_rule_applies_from_its_date(small_city):
    later = dt.date(2023, 2, 1)
    assert referred_at(small_city, shelter_notification_days=DEADLINE,
                       shelter_notification_start=later) == OUTREACH
