"""A plain (non-editable) install works on its own: `housing-sim` from an empty folder finds the
shipped scenarios inside the installed package and writes results/latest there.

To stay fast and offline, the project is built from a copy of its source (so no build/ or
*.egg-info lands in the checkout) into a fresh venv with `--no-deps --no-build-isolation`; a
.pth file lends the venv this environment's site-packages for the dependencies and setuptools.
Only .pth *paths* are followed there, not the .pth hooks of this environment's editable install,
so `sim` can come only from the new venv (checked below).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_INPUTS = ("pyproject.toml", "README.md", "sim", "scenarios")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the project installed from a copy of the source, not editable."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=SKIP)
        else:
            shutil.copy2(item, source / name)
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv_python(venv)
    target = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                 cwd=tmp).stdout.strip()
    lent = dict.fromkeys([*site.getsitepackages(), site.getusersitepackages()])
    Path(target, "_housing_sim_test_deps.pth").write_text("\n".join(lent) + "\n", encoding="utf-8")
    run(python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "--quiet", source, cwd=tmp)
    return venv


def test_the_package_comes_from_the_new_venv_with_its_scenarios(installed, tmp_path):
    code = ("import sim; from sim.config.files import shipped, shipped_folder; "
            "import json; print(sim.__file__); print(shipped_folder()); "
            "print(json.dumps(sorted(shipped())))")
    lines = run(venv_python(installed), "-c", code, cwd=tmp_path).stdout.splitlines()
    package = Path(lines[0]).parent
    assert installed in package.parents, lines[0]
    assert Path(lines[1]) == package / "scenarios"
    assert json.loads(lines[2]) == sorted(
        p.relative_to(ROOT / "scenarios").with_suffix("").as_posix()
        for p in (ROOT / "scenarios").rglob("*.toml"))
    # every module and data file of the source is installed (pyproject.toml lists packages)
    wanted = {p.relative_to(ROOT / "sim").as_posix() for p in (ROOT / "sim").rglob("*.py")}
    wanted |= {f"scenarios/{p.relative_to(ROOT / 'scenarios').as_posix()}"
               for p in (ROOT / "scenarios").rglob("*") if p.is_file() and p.suffix != ".pyc"}
    got = {p.relative_to(package).as_posix() for p in package.rglob("*")
           if p.is_file() and "__pycache__" not in p.parts}
    assert wanted - got == set()


@pytest.mark.slow
def test_housing_sim_runs_the_main_job_from_an_empty_folder(installed, tmp_path):
    bin_dir = venv_python(installed).parent
    done = run(bin_dir / "housing-sim", "validate", "reform_2024", "backtest/history_2009",
               "designs/staffing_grid", cwd=tmp_path)
    assert done.stdout.count("ok: ") == 3
    done = run(bin_dir / "housing-sim", cwd=tmp_path, timeout=600)
    assert "reform_2024 − baseline_2023" in done.stdout
    latest = tmp_path / "results" / "latest"
    for name in ("summary.parquet", "compare.parquet", "manifest.json", "report.html"):
        assert (latest / name).is_file(), name
