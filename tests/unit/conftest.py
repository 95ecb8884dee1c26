"""Fixtures for unit tests: scenario files derived from the shipped baseline."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def make_scenario(tmp_path):
    """Write `<name>.toml` into tmp_path: extends the baseline (or `extends`), adds `body`."""

    def make(body: str = "", name: str = "variant", extends: str | Path | None = None,
             scenario_name: str | None = None) -> Path:
        parent = Path(extends) if extends is not None else SCENARIOS / "baseline.toml"
        shown = name if scenario_name is None else scenario_name
        head = f'extends = "{parent.as_posix()}"\nname = "{shown}"\n'
        path = tmp_path / f"{name}.toml"
        path.write_text(head + dedent(body), encoding="utf-8")
        return path

    return make
