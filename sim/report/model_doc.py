"""The inputs table of docs/model.md, generated from scenarios/baseline.toml: every parameter
with its value, its unit (read from its name) and its source (the comment on its line, or on its
table's header), so the documentation and the defaults cannot drift apart.

`python -m sim.report.model_doc` rewrites the generated section of docs/model.md; the test suite
fails when the section differs from what this module produces now.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tomllib
from pathlib import Path

from sim.config.files import shipped_folder

ROOT = Path(__file__).resolve().parents[2]
BASELINE = shipped_folder() / "baseline.toml"
DOC = ROOT / "docs" / "model.md"
BEGIN = ("<!-- BEGIN GENERATED inputs: python -m sim.report.model_doc "
         "(from scenarios/baseline.toml) -->")
END = "<!-- END GENERATED inputs -->"
HEADER = re.compile(r"^\[([A-Za-z0-9_.]+)\]")
KEY = re.compile(r"^([A-Za-z0-9_]+)\s*=")
# Units read from how a name ends, longest ending first.
SUFFIX_UNITS = (
    ("_dkk_per_month", "DKK/month"), ("_per_day_dkk", "DKK/day"), ("_per_year_dkk", "DKK/year"),
    ("_days_mean", "days"), ("_days", "days"), ("_per_month", "per month"),
    ("_per_year", "per year"), ("_share", "share 0–1"), ("_dkk", "DKK"), ("months", "months"),
    ("_date", "date"), ("_per_caseworker", "cases per caseworker"),
    ("_per_advisor", "cases per advisor"), ("_per_worker", "caseload units per worker"),
    ("_per_count", "ratio"), ("_years", "years"),
)
# Units read from a part inside the name, when no ending matched.
INNER_UNITS = (("_per_year", "per year"), ("_share", "share 0–1"))
# Names without a unit ending: what their number counts.
NAMED_UNITS = {
    "beds": "beds", "places": "places", "caseworkers": "staff", "support_workers": "staff",
    "housing_advisors": "staff", "department_heads": "staff", "initial_homeless": "citizens",
    "initial_housed_in_support": "citizens", "shielded_departments": "department ids",
    "offers_per_vacancy_max": "offers", "extra_rooms_accepted": "rooms",
    "loss_multiplier_cannot_pay": "× hazard", "caseload_weight": "caseload units per citizen",
    "support_rule": "policy", "quota_rule": "policy", "queue_order": "policy",
    "unused_rights": "policy", "priority": "policy", "retention_visit_hazard_factor": "× hazard",
    "motivation_hazard_factor": "× hazard", "advisor_rule": "policy",
    "motivation_caseload_units": "caseload units per citizen",
    "duration_distribution": "–",
    "departments_csv": "file", "payer": "–",
}


def unit_of(key: str, table: str) -> str:
    """The unit of a parameter from its name, or from its table's name (per-tier tables)."""
    names = (key, table.rsplit(".", 1)[-1])
    for name in names:
        for suffix, unit in SUFFIX_UNITS:
            if name.endswith(suffix):
                return unit
    for name in names:
        if name in NAMED_UNITS:
            return NAMED_UNITS[name]
    for name in names:
        for part, unit in INNER_UNITS:
            if part in name:
                return unit
    return "–"


def comment_of(line: str) -> str:
    """The comment of a TOML line: the text after the first '#' outside a string."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[i + 1:].strip()
    return ""


def show(value) -> str:
    """A TOML value as the table shows it: dated steps as 'value from date; …'."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "; ".join(f"{show(s['value'])} from {s['from']}" for s in value)
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:.4g}"
    if isinstance(value, int | dt.date):
        return f"{value:,}" if isinstance(value, int) else str(value)
    return f"`{value}`"


def parameters(path: Path) -> list[tuple[str, str, str, str]]:
    """(dotted name, value, unit, source) of every parameter, in file order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rows, table, notes = [], "", {}
    for line in path.read_text(encoding="utf-8").splitlines():
        header = HEADER.match(line)
        if header:
            table = header.group(1)
            notes[table] = comment_of(line) or notes.get(table.rsplit(".", 1)[0], "")
            continue
        key = KEY.match(line)
        if not key or not table:
            continue
        node = data
        for part in table.split("."):
            node = node[part]
        name = key.group(1)
        note = comment_of(line) or notes[table]
        rows.append((f"{table}.{name}", show(node[name]), unit_of(name, table), note))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def inputs_section(path: Path = BASELINE) -> str:
    """The generated section: a Markdown table of every input, between its markers."""
    lines = [BEGIN, "", "| parameter | value | unit | source / reasoning |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {_cell(value)} | {unit} | {_cell(note)} |"
              for name, value, unit, note in parameters(path)]
    return "\n".join([*lines, "", END])


def current_section(doc: str) -> str:
    """The generated section as it stands in the document ('' if the markers are missing)."""
    start, end = doc.find(BEGIN), doc.find(END)
    return doc[start:end + len(END)] if start >= 0 and end > start else ""


def main() -> int:
    """Rewrite the generated section of docs/model.md in place."""
    doc = DOC.read_text(encoding="utf-8")
    old = current_section(doc)
    if not old:
        print(f"error: {DOC}: {BEGIN}: markers not found", file=sys.stderr)
        return 2
    DOC.write_text(doc.replace(old, inputs_section()), encoding="utf-8")
    print(f"updated {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
