"""Golden traces: small scenarios' tables are compared exactly with the checked-in files, so a
speed-up cannot change a result unnoticed. Regenerate with `python tests/golden/golden_trace.py`
only when a change of results is intended, and say why in the commit."""

from __future__ import annotations

import pytest
from golden_trace import SCENARIOS, TABLES, path, run


@pytest.fixture(scope="module", params=SCENARIOS)
def traces(request):
    return request.param, run(request.param)


@pytest.mark.parametrize("table", TABLES)
def test_trace_is_unchanged(traces, table):
    name, rendered = traces
    expected = path(name, table).read_text(encoding="utf-8").splitlines()
    got = rendered[table].splitlines()
    for line, (want, have) in enumerate(zip(expected, got, strict=False), start=1):
        assert have == want, f"{name}/{table}.csv line {line} differs"
    assert len(got) == len(expected), f"{name}/{table}.csv: {len(got)} lines, expected " \
                                      f"{len(expected)}"


def test_golden_trace_exercises_the_model(traces):
    name, rendered = traces
    events = rendered["events"]
    for event in ("shelter_enter", "assessment_end", "offer_refused", "housed",
                  "support_declined", "tenancy_lost", "botilbud_enter", "skaev_bolig_enter",
                  "exit"):
        assert f",{event}," in events, (name, event)
