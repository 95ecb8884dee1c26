"""Named random streams: one SeedSequence per (seed, replication), one child per source.

A stream's key is a hash of its name, never its rank, so adding a source leaves the others
untouched, and two scenarios run with the same seed draw the same numbers from each source
(common random numbers).
"""

from __future__ import annotations

import math
import zlib

import numpy as np

BLOCK = 4096


def stream(seed: int, rep: int, name: str) -> np.random.Generator:
    """The generator for one source of randomness in one replication."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep, key)))


class Uniforms:
    """Uniform(0, 1) numbers from one named stream, drawn in blocks for speed."""

    __slots__ = ("_buf", "_gen")

    def __init__(self, seed: int, rep: int, name: str) -> None:
        self._gen = stream(seed, rep, name)
        self._buf: list[float] = []

    def __call__(self) -> float:
        if not self._buf:
            # reversed so that pop() hands them out in the generator's order
            self._buf = self._gen.random(BLOCK)[::-1].tolist()
        return self._buf.pop()


class Durations:
    """Turns a uniform into a duration with a given mean, exponential or fixed."""

    __slots__ = ("fixed",)

    def __init__(self, distribution: str) -> None:
        self.fixed = distribution == "fixed"

    def __call__(self, mean: float, u: float) -> float:
        if self.fixed:
            return mean
        return -mean * math.log1p(-u)

    def residual(self, mean: float, u: float) -> float:
        """Time left of a duration already under way at the run start."""
        return mean * u if self.fixed else -mean * math.log1p(-u)


def exp1(u: float) -> float:
    """A standard exponential from a uniform: a citizen's hazard budget."""
    return -math.log1p(-u)


def choose(shares, u: float) -> str:
    """The category whose cumulative share first exceeds u: `shares` is a model of shares
    that sum to 1 (tiers, routes, reasons), read in declared order."""
    total = 0.0
    for name, share in vars(shares).items():  # a model's fields, in declared order
        total += share
        if u < total:
            return name
    return name  # u within rounding of 1: the last category
