"""What became of the vacancies, from the vacancy ledger alone: how many went to homeless
citizens and to other households through the municipal right (boligsocial anvisning), and why
the others were let ordinarily — the quota was used up while a homeless citizen who fits and
can pay was waiting — or why the homeless queue did not take a let it was offered first (the
support rule stopped the offer, or it was refused), whether the let then went to another
household or was let ordinarily. These are the mechanism metrics that explain what the
allocation levers do."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# metric → (column, value) counted among the window's vacancies
COUNTS = {
    "vacancies_total": (None, None),
    "vacancies_social_homeless": ("allocated_to", "social"),
    "vacancies_social_other": ("allocated_to", "social_other"),
    "vacancies_blocked_by_quota": ("reason", "quota"),
    "vacancies_lost_to_support": ("reason", "support"),
    "vacancies_refused": ("reason", "refused"),
}


def metrics(vacancies: pa.Table, lo: float, hi: float) -> dict[str, float]:
    """Counts of vacancies in [lo, hi) by what became of them, and the share of the quota's
    rights that were used."""
    t = vacancies.column("time_days").to_numpy()
    inside = (t >= lo) & (t < hi)
    out = {}
    for metric, (column, value) in COUNTS.items():
        mask = inside if column is None else inside & _is(vacancies, column, value)
        out[metric] = float(np.count_nonzero(mask))
    rights = float(np.sum(vacancies.column("quota_share").to_numpy()[inside]))
    social = out["vacancies_social_homeless"] + out["vacancies_social_other"]
    out["quota_used_share"] = social / rights if rights > 0 else float("nan")
    return out


def _is(table: pa.Table, column: str, value: str) -> np.ndarray:
    return np.asarray(table.column(column).to_numpy(zero_copy_only=False) == value, dtype=bool)
