"""A calibration's posterior, used by runs: replication k of every scenario runs with draw k's
parameters, so a scenario's interval carries parameter and stochastic uncertainty together, and
a comparison stays paired (both scenarios use the same draw in the same replication).

Draws are a weighted resampling of the posterior's parameter sets, seeded by the run's seed, so
a run reproduces bit for bit. A `scale` parameter multiplies each scenario's own value (dated
steps from its run's start), as the calibration applied it to the history run.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from sim.config import Scenario, ScenarioError
from sim.config.design import Factor, Variants


@dataclass(frozen=True)
class Posterior:
    """The weighted parameter sets of a calibration folder, and the draws a run takes."""

    folder: Path
    parameters: tuple[Factor, ...]  # as the calibration file gave them (path, prior, scale)
    values: np.ndarray  # parameter set × parameter
    weights: np.ndarray
    chosen: tuple[int, ...] = ()  # the parameter set of each draw, once drawn

    def drawn(self, draws: int, seed: int) -> Posterior:
        """`draws` parameter sets resampled by weight, with the run's seed."""
        rng = np.random.default_rng(np.random.SeedSequence(seed,
                                                           spawn_key=(zlib.crc32(b"posterior"),)))
        picks = rng.choice(len(self.weights), size=draws, p=self.weights)
        return Posterior(self.folder, self.parameters, self.values, self.weights,
                         tuple(int(i) for i in picks))

    def scenario(self, cfg: Scenario, rep: int) -> Scenario:
        """`cfg` with the parameters of replication `rep`'s draw (the draws cycle when there
        are more replications than draws)."""
        row = self.values[self.chosen[rep % len(self.chosen)]]
        return Variants(cfg, self.parameters, cfg.run.start_date).at(tuple(map(float, row)))

    def describe(self) -> dict:
        """What the manifest records of it."""
        return {"folder": str(self.folder), "parameters": [p.path for p in self.parameters],
                "draws": len(self.chosen), "sets": len(self.weights)}


def load(folder: str | Path) -> Posterior:
    """The posterior of a calibration folder; a folder without one is refused (exit 2)."""
    folder = Path(folder)
    file, manifest = folder / "posterior.parquet", folder / "manifest.json"
    if not file.is_file() or not manifest.is_file():
        raise ScenarioError(folder, "--posterior", "not a finished calibration folder (needs "
                            "posterior.parquet and manifest.json; see docs/calibration.md)")
    table = pq.read_table(file)
    settings = json.loads(manifest.read_text(encoding="utf-8"))["settings"]
    parameters = tuple(Factor.model_validate(p) for p in settings["parameters"])
    paths = tuple(p.path for p in parameters)
    weights = table.column("weight").to_numpy()
    if not len(weights) or not np.isclose(weights.sum(), 1.0) or (weights < 0).any():
        raise ScenarioError(file, "weight", "the weights must be non-negative and sum to 1")
    values = np.column_stack([table.column(p).to_numpy() for p in paths])
    return Posterior(folder, parameters, values, weights)
