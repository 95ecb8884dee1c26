"""Choosing the best of a few candidates (budget portfolios) by simulation: the Kim–Nelson fully
sequential ranking-and-selection procedure, KN++ by default and KN on request.

KN: S.-H. Kim and B. L. Nelson (2001), "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11(3):251–273. KN++: S.-H. Kim and B. L. Nelson (2006),
"On the asymptotic validity of fully sequential selection procedures for steady-state
simulation", Operations Research 54(3):475–488, which re-estimates the variances every stage.

Why this procedure: it screens on pairwise differences X_i - X_l replication by replication, so
it stays valid with common random numbers (replication r of every candidate uses the same seed)
and gains from them; and it is fully sequential, so a clearly worse portfolio is dropped after
a few replications instead of being run as often as the close contenders.

Guarantee: when the best candidate's mean is at least `delta` better than every other's, the
procedure selects it with probability at least 1 - alpha, for normal outputs (exactly for KN,
asymptotically as delta shrinks for KN++). Averages over a replication are usually near normal;
a strongly skewed metric weakens the guarantee. Stopping at `max_replications` forfeits it.

Sums of differences are taken as differences of each candidate's total over the shared
replications, so every elimination follows one order of the totals: the leader is never
eliminated and the set of survivors is never empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def kn_h2(alpha: float, candidates: int, dof: int) -> float:
    """KN's boundary constant h^2 = 2*eta*f for c = 1, with f degrees of freedom of S_il^2.

    eta = ((2*beta)**(-2/f) - 1) / 2 with beta = alpha/(k-1) (Kim & Nelson 2001, procedure KN,
    f = n0 - 1). KN++ (Kim & Nelson 2006) recomputes it every stage with f = r - 1. KN++ as
    published takes beta = 1 - (1-alpha)**(1/(k-1)), valid for independent candidates only; under
    common random numbers we keep KN's Bonferroni beta, which holds whatever the dependence (the
    CRN case of KN++: Malone, Kim, Goldsman & Batur 2005, Winter Simulation Conference).
    """
    beta = alpha / (candidates - 1)
    eta = 0.5 * ((2 * beta) ** (-2 / dof) - 1)
    return 2 * eta * dof


def difference_variances(outputs: np.ndarray) -> np.ndarray:
    """S_il^2, the sample variance of X_i - X_l over the columns (replications) of `outputs`.

    Taken from the differences themselves, not from var + var - 2 cov, so identical candidates
    under CRN give exactly 0 rather than a rounding residue.
    """
    return (outputs[:, None, :] - outputs[None, :, :]).var(axis=2, ddof=1)


@dataclass(eq=False)
class KN:
    """Kim–Nelson selection of the best of `candidates`, run in batches of (candidate,
    replication) pairs whose results may come back in any order."""

    candidates: int  # k >= 2
    alpha: float  # 1 - probability of correct selection, 0 < alpha < 1 - 1/k
    delta: float  # indifference zone, > 0, in the metric's unit
    first_stage: int = 10  # n0 >= 2
    maximise: bool = True
    variance_update: bool = True  # KN++: re-estimate the S_il^2 every stage; False: KN
    max_replications: int | None = None  # per candidate; stopping there voids the guarantee
    _values: np.ndarray = field(init=False, repr=False)  # (k, issued), NaN until reported
    _pending: set[tuple[int, int]] = field(init=False, repr=False, default_factory=set)
    _survivors: tuple[int, ...] = field(init=False, repr=False)
    _first_variances: np.ndarray | None = field(init=False, repr=False, default=None)
    _truncated: bool = field(init=False, repr=False, default=False)

    def __post_init__(self) -> None:
        """Refuse arguments outside the procedure's range, naming the argument."""
        k = self.candidates
        if k < 2:
            raise ValueError(f"candidates must be at least 2, got {k}")
        if not 0 < self.alpha < 1 - 1 / k:
            raise ValueError(f"alpha must lie in (0, 1 - 1/candidates) = (0, {1 - 1 / k:.4g}), "
                             f"got {self.alpha}")
        if not (self.delta > 0 and math.isfinite(self.delta)):
            raise ValueError(f"delta must be a positive finite number, got {self.delta}")
        if self.first_stage < 2:
            raise ValueError(f"first_stage must be at least 2, got {self.first_stage}")
        if self.max_replications is not None and self.max_replications < self.first_stage:
            raise ValueError(f"max_replications must be at least first_stage "
                             f"({self.first_stage}), got {self.max_replications}")
        self._values = np.full((k, 0), np.nan)
        self._survivors = tuple(range(k))

    def batch(self) -> list[tuple[int, int]]:
        """The (candidate, replication) pairs to run next: the first stage for every candidate,
        then one more replication of each survivor; [] once done."""
        if self.done:
            return []
        if self._pending:
            raise RuntimeError(f"{len(self._pending)} results of the last batch are missing: "
                               "add them before asking for the next batch")
        start = self._values.shape[1]
        stop = start + 1 if start else self.first_stage
        pairs = [(i, rep) for rep in range(start, stop) for i in self._survivors]
        grown = np.full((self.candidates, stop), np.nan)
        grown[:, :start] = self._values
        self._values = grown
        self._pending.update(pairs)
        return pairs

    def add(self, candidate: int, replication: int, value: float) -> None:
        """Record one result of the current batch; the last one of a batch triggers screening."""
        if (candidate, replication) not in self._pending:
            raise ValueError(f"(candidate {candidate}, replication {replication}) was not handed "
                             "out by batch() or was already added")
        if not math.isfinite(value):
            raise ValueError(f"value of candidate {candidate}, replication {replication} is "
                             f"{value}: the procedure needs finite outputs")
        self._pending.remove((candidate, replication))
        self._values[candidate, replication] = value
        if not self._pending:
            self._screen()

    @property
    def done(self) -> bool:
        """One survivor left, or `max_replications` reached."""
        return len(self._survivors) == 1 or self._truncated

    @property
    def best(self) -> int:
        """The selected candidate: the survivor, or the survivors' best sample mean (lowest
        index on a tie) if `max_replications` cut the procedure short."""
        self._require_done()
        alive = np.array(self._survivors)
        return int(alive[np.argmax(self._signed(alive).sum(axis=1))])

    @property
    def survivors(self) -> tuple[int, ...]:
        """Candidates still in contention."""
        return self._survivors

    @property
    def replications(self) -> np.ndarray:
        """Results received per candidate (eliminated candidates keep the count they reached)."""
        return (~np.isnan(self._values)).sum(axis=1)

    @property
    def guaranteed(self) -> bool:
        """Whether the 1 - alpha guarantee holds for `best`: False if `max_replications` ended
        the procedure with more than one survivor."""
        self._require_done()
        return not self._truncated

    def means(self) -> np.ndarray:
        """Sample mean per candidate over the results it received (NaN before any)."""
        counts = self.replications
        totals = np.where(np.isnan(self._values), 0.0, self._values).sum(axis=1)
        return np.divide(totals, counts, out=np.full(self.candidates, np.nan), where=counts > 0)

    def _require_done(self) -> None:
        """Refuse to report a selection the procedure has not made yet."""
        if not self.done:
            raise RuntimeError("the procedure has not finished: keep running batch()")

    def _signed(self, alive: np.ndarray) -> np.ndarray:
        """Outputs of `alive` over the shared replications, negated when minimising, so larger
        is always better."""
        return (1.0 if self.maximise else -1.0) * self._values[alive]

    def _variances(self, outputs: np.ndarray, alive: np.ndarray) -> np.ndarray:
        """S_il^2 among `alive`: from all replications so far (KN++) or the first stage (KN)."""
        if self.variance_update:
            return difference_variances(outputs)
        if self._first_variances is None:
            self._first_variances = difference_variances(outputs)
        return self._first_variances[np.ix_(alive, alive)]

    def _screen(self) -> None:
        """Eliminate i when sum_r (X_i - X_l) < min(0, -h^2 S_il^2 / (2 delta) + delta r / 2)
        for some surviving l (Kim & Nelson 2001, with c = 1).

        Once that bound is 0 (r >= h^2 S_il^2 / delta^2, at once when S_il^2 = 0) the pair is
        decided by its sample means, as KN's stopping rule does; an exact tie there, as between
        identical candidates under CRN, keeps the lower index, so a pair never waits forever.
        """
        alive = np.array(self._survivors)
        outputs = self._signed(alive)
        r = outputs.shape[1]
        dof = r - 1 if self.variance_update else self.first_stage - 1
        h2 = kn_h2(self.alpha, self.candidates, dof)
        bound = np.minimum(0.0, -h2 * self._variances(outputs, alive) / (2 * self.delta)
                           + self.delta * r / 2)
        totals = outputs.sum(axis=1)
        gap = totals[:, None] - totals[None, :]
        later = alive[:, None] > alive[None, :]
        beaten = (gap < bound) | ((gap == 0) & (bound == 0) & later)
        self._survivors = tuple(int(i) for i in alive[~beaten.any(axis=1)])
        self._truncated = (len(self._survivors) > 1 and self.max_replications is not None
                           and r >= self.max_replications)
