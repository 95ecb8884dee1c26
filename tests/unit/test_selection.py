"""The Kim–Nelson selection procedure on normal outputs made with numpy: its probability of
correct selection under common random numbers, early elimination, results out of order, bad
arguments, identical candidates and the replication cap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiments.selection import KN

MACRO = 300  # macro-replications for the probability of correct selection


def lowest_count(trials: int, p: float, risk: float = 0.001) -> int:
    """The largest c with P(Binomial(trials, p) < c) <= risk: fewer successes than this would
    be evidence, at level `risk`, that the true probability is below p."""
    below, c = 0.0, 0
    while below + math.comb(trials, c) * p**c * (1 - p) ** (trials - c) <= risk:
        below += math.comb(trials, c) * p**c * (1 - p) ** (trials - c)
        c += 1
    return c


def crn_outputs(rng: np.random.Generator, means: np.ndarray, shared_sd: float = 2.0):
    """A function (candidate, replication) -> output: normal, with one component per replication
    shared by every candidate (CRN) and an independent one of sd 1 per candidate."""
    cache: dict[int, np.ndarray] = {}

    def output(candidate: int, replication: int) -> float:
        if replication not in cache:
            shared = rng.normal(0.0, shared_sd)
            cache[replication] = means + shared + rng.normal(0.0, 1.0, len(means))
        return float(cache[replication][candidate])

    return output


def run(kn: KN, output, order: np.random.Generator | None = None) -> KN:
    """Drive the procedure to the end, adding each batch's results in order or shuffled."""
    while pairs := kn.batch():
        if order is not None:
            pairs = [pairs[j] for j in order.permutation(len(pairs))]
        for candidate, replication in pairs:
            kn.add(candidate, replication, output(candidate, replication))
    return kn


@pytest.mark.parametrize("variance_update", [True, False], ids=["KN++", "KN"])
@pytest.mark.parametrize("maximise", [True, False], ids=["max", "min"])
def test_selects_the_best_with_probability_at_least_one_minus_alpha(maximise, variance_update):
    alpha, delta, k = 0.05, 0.5, 5
    # slippage configuration: the best exactly delta better than all others, the hardest case
    means = np.zeros(k)
    means[2] = delta if maximise else -delta
    rng = np.random.default_rng(20240501 + 2 * maximise + variance_update)
    correct = 0
    for _ in range(MACRO):
        kn = run(KN(k, alpha, delta, maximise=maximise, variance_update=variance_update),
                 crn_outputs(rng, means))
        correct += kn.guaranteed and kn.best == 2
    assert correct >= lowest_count(MACRO, 1 - alpha)


def test_clearly_worse_candidates_are_eliminated_after_few_replications():
    means = np.array([0.0, 10.0, 0.5, 1.0])
    kn = run(KN(4, 0.05, 0.5, max_replications=1000),
             crn_outputs(np.random.default_rng(7), means))
    assert kn.done and kn.guaranteed and kn.best == 1 and kn.survivors == (1,)
    assert kn.replications.max() <= kn.first_stage + 2  # far below the cap of 1000


def test_results_out_of_order_give_the_same_answer_as_in_order():
    means = np.array([0.0, 0.3, 0.6, 0.2])
    values = crn_outputs(np.random.default_rng(3), means)  # cached: both runs see the same data
    in_order = run(KN(4, 0.05, 0.4), values)
    shuffled = run(KN(4, 0.05, 0.4), values, order=np.random.default_rng(4))
    assert shuffled.best == in_order.best
    np.testing.assert_array_equal(shuffled.replications, in_order.replications)
    np.testing.assert_array_equal(shuffled.means(), in_order.means())
    assert in_order.replications.max() > in_order.first_stage  # it did go sequential


def test_a_component_shared_by_all_candidates_changes_nothing():
    """Screening works on differences within a replication, so CRN's shared part cancels."""
    means = np.array([0.0, 0.4, 0.2])
    plain, shifted = (run(KN(3, 0.05, 0.3), crn_outputs(np.random.default_rng(9), means, sd))
                      for sd in (0.0, 10.0))
    assert shifted.best == plain.best
    np.testing.assert_array_equal(shifted.replications, plain.replications)


def test_batches_are_shared_replications_and_misuse_is_refused():
    kn = KN(3, 0.1, 1.0, first_stage=2)
    first = kn.batch()
    assert sorted(first) == [(i, r) for i in range(3) for r in range(2)]
    with pytest.raises(RuntimeError, match="missing"):
        kn.batch()
    with pytest.raises(RuntimeError, match="not finished"):
        _ = kn.best
    with pytest.raises(ValueError, match="not handed out"):
        kn.add(0, 5, 1.0)
    with pytest.raises(ValueError, match="finite"):
        kn.add(0, 0, float("nan"))
    kn.add(0, 0, 1.0)
    with pytest.raises(ValueError, match="already added"):
        kn.add(0, 0, 1.0)
    np.testing.assert_array_equal(kn.means(), [1.0, np.nan, np.nan])
    np.testing.assert_array_equal(kn.replications, [1, 0, 0])


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"candidates": 1}, "candidates"),
    ({"alpha": 0.0}, "alpha"),
    ({"alpha": 0.75}, "alpha"),  # 1 - 1/k for k = 4
    ({"alpha": float("nan")}, "alpha"),
    ({"delta": 0.0}, "delta"),
    ({"delta": -1.0}, "delta"),
    ({"delta": math.inf}, "delta"),
    ({"first_stage": 1}, "first_stage"),
    ({"max_replications": 5}, "max_replications"),
])
def test_bad_arguments_are_refused_by_name(kwargs, named):
    with pytest.raises(ValueError, match=named):
        KN(**{"candidates": 4, "alpha": 0.05, "delta": 1.0, **kwargs})


@pytest.mark.parametrize("variance_update", [True, False], ids=["KN++", "KN"])
def test_identical_candidates_end_without_error(variance_update):
    base = crn_outputs(np.random.default_rng(11), np.zeros(1))
    kn = run(KN(3, 0.05, 0.1, variance_update=variance_update, max_replications=50),
             lambda candidate, replication: base(0, replication))  # same output for all
    assert kn.done and kn.best == 0  # an exact tie keeps the lowest index
    assert kn.replications.tolist() == [kn.first_stage] * 3  # decided at once, nothing to wait for


def test_max_replications_stops_and_voids_the_guarantee():
    means = np.array([0.0, 0.0, 0.0])
    kn = run(KN(3, 0.05, 0.01, max_replications=15), crn_outputs(np.random.default_rng(5), means))
    assert kn.done and not kn.guaranteed and kn.batch() == []
    assert len(kn.survivors) > 1 and kn.best in kn.survivors
    assert kn.replications[list(kn.survivors)].tolist() == [15] * len(kn.survivors)
    shown = kn.means()[list(kn.survivors)]
    assert kn.best == kn.survivors[int(np.argmax(shown))]
