"""Named random streams: keyed by (seed, rep, name), never by creation order."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.rng import BLOCK, Durations, Uniforms, exp1, stream
from sim.model.city import Streams


def draws(seed: int, rep: int, name: str, n: int = 8) -> np.ndarray:
    return stream(seed, rep, name).random(n)


def test_same_seed_rep_and_name_give_the_same_numbers():
    np.testing.assert_array_equal(draws(1, 2, "referral"), draws(1, 2, "referral"))


@pytest.mark.parametrize(("other"), [(1, 3, "referral"), (2, 2, "referral"), (1, 2, "assessment"),
                                     (1, 2, "referral ")])
def test_a_different_rep_seed_or_name_gives_different_numbers(other):
    assert not np.array_equal(draws(1, 2, "referral"), draws(*other))


def test_rep_is_not_an_offset_of_the_seed():
    # seed arithmetic (seed + rep) would make these two equal
    assert not np.array_equal(draws(1, 0, "route"), draws(0, 1, "route"))


def test_stream_does_not_depend_on_other_streams_created_first():
    alone = Streams(7, 0)
    a_alone = [alone["a"]() for _ in range(5)]
    crowded = Streams(7, 0)
    [crowded["b"]() for _ in range(3)]
    [crowded[f"extra{i}"]() for i in range(10)]
    a_crowded = [crowded["a"]() for _ in range(5)]
    assert a_alone == a_crowded
    assert crowded["b"]() != a_crowded[0]


def test_uniforms_follow_the_generator_across_blocks():
    u = Uniforms(3, 1, "shelter_stay")
    got = [u() for _ in range(BLOCK + 10)]
    want = stream(3, 1, "shelter_stay").random(BLOCK + 10).tolist()
    assert got == want
    assert all(0.0 <= x < 1.0 for x in got)


def test_fixed_durations_equal_their_mean():
    fixed = Durations("fixed")
    assert fixed(45.0, 0.999) == 45.0
    assert fixed.residual(730.0, 0.25) == pytest.approx(182.5)


def test_exponential_durations_have_their_mean():
    exp = Durations("exponential")
    u = stream(5, 0, "check").random(200_000)
    values = np.array([exp(30.0, x) for x in u])
    assert values.min() >= 0.0
    assert values.mean() == pytest.approx(30.0, rel=0.01)
    assert np.median(values) == pytest.approx(30.0 * np.log(2), rel=0.02)


def test_exp1_is_a_standard_exponential():
    assert exp1(0.0) == 0.0
    assert exp1(1 - np.exp(-2.0)) == pytest.approx(2.0)
