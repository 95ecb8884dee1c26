"""Fixtures for whole-run tests: derived scenarios and cached short replications."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pyarrow as pa
import pytest

from sim import config
from sim.config import Scenario
from sim.model.city import run_replication

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def make_scenario(tmp_path):
    """Write `<name>.toml` into tmp_path: extends the baseline (or `extends`), adds `body`."""

    def make(body: str = "", name: str = "variant", extends: str | Path | None = None) -> Path:
        parent = Path(extends) if extends is not None else SCENARIOS / "baseline.toml"
        path = tmp_path / f"{name}.toml"
        head = f'extends = "{parent.as_posix()}"\nname = "{name}"\n'
        path.write_text(head + dedent(body), encoding="utf-8")
        return path

    return make


@pytest.fixture(scope="session")
def replication():
    """Run (and remember) one replication of a shipped scenario or a Scenario over `years`."""
    cache: dict[tuple, dict[str, pa.Table]] = {}

    def run(scenario: str | Scenario, years: float, seed: int = 11, rep: int = 0):
        cfg = config.load(SCENARIOS / f"{scenario}.toml") if isinstance(scenario, str) \
            else scenario
        key = (cfg.sha256(), years, seed, rep)
        if key not in cache:
            cache[key] = run_replication(cfg.with_years(years), seed, rep)
        return cache[key]

    return run
