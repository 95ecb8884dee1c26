"""Golden traces: the record tables of small scenarios, written as exact text.

`python tests/golden/golden_trace.py` regenerates the checked-in files; a change to them is a
deliberate commit that says why the model's results changed. Floats are written with `repr`,
which round-trips exactly, so the comparison is exact.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
SCENARIOS = ("golden", "golden_fixed")
SEED, REP = 8, 0
TABLES = ("events", "vacancies", "snapshots")


def cell(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def render(table: pa.Table) -> str:
    """A table as CSV text: header, then one line per row, floats exact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    columns = [table.column(name).to_pylist() for name in table.column_names]
    for row in zip(*columns, strict=True):
        writer.writerow(cell(value) for value in row)
    return out.getvalue()


def run(name: str) -> dict[str, str]:
    """The rendered tables of one golden scenario."""
    from sim import config
    from sim.model.city import run_replication

    tables = run_replication(config.load(HERE / f"{name}.toml"), SEED, REP)
    return {table: render(tables[table]) for table in TABLES}


def path(name: str, table: str) -> Path:
    return HERE / name / f"{table}.csv"


def regenerate() -> None:
    for name in SCENARIOS:
        for table, text in run(name).items():
            target = path(name, table)
            target.parent.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent.parent)} "
                  f"({text.count(chr(10)) - 1} rows)", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
