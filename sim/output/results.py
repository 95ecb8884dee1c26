"""The result folder (docs/outputs.md): hive-partitioned Parquet with metadata, the summary and
comparison tables, and the manifest. Every file is written atomically (temporary name, then
rename), so a file that exists is complete."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.config import Scenario

RECORD_TABLES = ("events", "snapshots", "vacancies")
LIBRARIES = ("simpy", "numpy", "scipy", "pyarrow", "plotly", "pydantic", "tqdm")


def atomic_write(path: Path, write) -> None:
    """Call write(temporary path), then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def taken(out: Path) -> str | None:
    """Why `out` cannot take a new run's results (a file, or a folder holding files), or None
    if it can: results are never mixed with what was there."""
    if not out.exists():
        return None
    if not out.is_dir():
        return "it is a file, not a folder"
    return "the folder holds other files" if any(out.iterdir()) else None


def write_metrics(path: Path, values: dict[str, float], metadata: dict[str, str]) -> None:
    """One replication's summary metrics as a (metric, value) table: what sweeps and optimise
    keep per replication, so a stopped run can go on."""
    table = pa.table({"metric": pa.array(list(values), pa.string()),
                      "value": pa.array(list(values.values()), pa.float64())})
    write_parquet(path, table, metadata)


def read_metrics(path: Path) -> dict[str, float]:
    """One replication's summary metrics from its file (a missing value as NaN)."""
    table = pq.read_table(path).to_pydict()
    return {m: math.nan if v is None else v
            for m, v in zip(table["metric"], table["value"], strict=True)}


def write_parquet(path: Path, table: pa.Table, metadata: dict[str, str] | None = None) -> None:
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_json(path: Path, data: dict) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def rep_metadata(cfg: Scenario, seed: int, rep: int) -> dict[str, str]:
    return {"scenario": cfg.name, "rep": str(rep), "seed": str(seed),
            "config_sha256": cfg.sha256(), "sim_version": __version__}


def part_path(root: Path, table: str, **keys: object) -> Path:
    """The one file of a hive partition: root/table/key=value/…/part-0.parquet."""
    return root.joinpath(table, *(f"{key}={value}" for key, value in keys.items()),
                         "part-0.parquet")


def read_part(root: Path, table: str, columns: list[str] | None = None, **keys: object
              ) -> pa.Table:
    """One partition's table, e.g. read_part(out, "snapshots", scenario="surge", rep=0)."""
    return pq.read_table(part_path(root, table, **keys), columns=columns)


def write_replication(out: Path, cfg: Scenario, seed: int, rep: int,
                      tables: dict[str, pa.Table]) -> None:
    """The three record tables of one replication, each in its hive partition."""
    meta = rep_metadata(cfg, seed, rep)
    for name in RECORD_TABLES:
        write_parquet(part_path(out, name, scenario=cfg.name, rep=rep), tables[name], meta)


def run_metadata(seed: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Metadata for run-level tables (summary, compare), which span scenarios and reps."""
    return {"scenario": "*", "rep": "*", "seed": str(seed), "config_sha256": "*",
            "sim_version": __version__, **(extra or {})}


def git_commit() -> str | None:
    """The commit of the source tree, if it is a git checkout."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,  # noqa: S607
                              capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def read_manifest(folder: Path) -> dict:
    """The manifest of a result or sweep folder."""
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def manifest(scenarios: list[Scenario], seed: int, reps: int, started: dt.datetime,
             states: dict[tuple[str, int], str] | None = None) -> dict:
    """Everything needed to reproduce and audit the run; with `states`, how each replication
    ended (a sweep keeps its own account of pairs instead)."""
    body = {
        "sim_version": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "libraries": {name: version(name) for name in LIBRARIES},
        "seed": seed,
        "reps": reps,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "scenarios": [{"name": s.name, "config_sha256": s.sha256(),
                       "config": s.model_dump(mode="json", by_alias=True)} for s in scenarios],
    }
    if states is not None:
        body["replications"] = [{"scenario": name, "rep": rep, "state": state}
                                for (name, rep), state in sorted(states.items())]
    return body
