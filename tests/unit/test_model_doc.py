"""docs/model.md's inputs table is what scenarios/baseline.toml says now: regenerate it with
`python -m sim.report.model_doc` when the baseline changes."""

from __future__ import annotations

import tomllib

from sim.report import model_doc


def leaves(data: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += leaves(value, f"{prefix}{key}.")
        elif prefix:  # top-level name and description are not parameters
            out.append(prefix + key)
    return out


def test_generated_section_matches_the_baseline():
    doc = model_doc.DOC.read_text(encoding="utf-8")
    assert model_doc.current_section(doc) == model_doc.inputs_section(), (
        "docs/model.md is out of date: run `python -m sim.report.model_doc`")


def test_every_parameter_is_in_the_table_with_a_source():
    rows = model_doc.parameters(model_doc.BASELINE)
    data = tomllib.loads(model_doc.BASELINE.read_text(encoding="utf-8"))
    assert [name for name, *_ in rows] == leaves(data)
    unsourced = [name for name, _, _, note in rows if not note]
    assert not unsourced, unsourced


def test_units_come_from_the_names():
    assert model_doc.unit_of("stay_days_mean", "shelter") == "days"
    assert model_doc.unit_of("low", "tenancy.loss_per_year_supported") == "per year"
    assert model_doc.unit_of("caseworkers", "costs.salary_per_year_dkk") == "DKK/year"
    assert model_doc.unit_of("caseworkers", "assessment") == "staff"
    assert model_doc.comment_of('x = "a # b"  # the source') == "the source"
