"""Fixtures shared by the functional and browser tests: one small compare run."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def small_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compare run of baseline 2023 against reform 2024 (2 reps, 1 year), with its report."""
    out = tmp_path_factory.mktemp("results") / "r"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        assert main(["compare", "scenarios/baseline_2023.toml", "scenarios/reform_2024.toml",
                     "--reps", "2", "--years", "1", "--out", str(out), "--workers", "1",
                     "--quiet"]) == 0
    return out
