"""The calibration report's pairs plot shows the parameters the history narrows most."""

from __future__ import annotations

import numpy as np

from sim.report import calibration_page


def test_the_pairs_plot_keeps_the_most_narrowed_parameters_in_file_order():
    rng = np.random.default_rng(1)
    n, wide = 4000, calibration_page.PAIR_PARAMETERS + 2
    parameters = [{"path": f"p{i}", "low": 0.0, "high": 1.0} for i in range(wide)]
    posterior = {p["path"]: rng.uniform(0, 1, n) for p in parameters}  # the prior, unchanged
    for i in (1, 4):  # pinned down by the history
        posterior[f"p{i}"] = rng.normal(0.5, 0.02, n)
    posterior["p6"] = rng.normal(0.5, 0.2, n)  # narrowed a little
    weights = np.full(n, 1 / n)
    shown = calibration_page._most_narrowed(posterior, parameters, weights)
    paths = [p["path"] for p in shown]
    assert len(paths) == calibration_page.PAIR_PARAMETERS
    assert paths == sorted(paths) and {"p1", "p4", "p6"} <= set(paths)
