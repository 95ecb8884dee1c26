"""Regression guards: a benchmark's figure printed beside the bound it must keep.

The bounds are the figures of a measurement on an idle machine plus about 10 % (see
docs/performance.md and benchmarks/RESULTS.md); a figure past its bound says REGRESSION, and
the benchmark exits 1. This machine's noise is of the same size, so one REGRESSION means: run
the benchmark again, on an idle machine, before looking for a cause.
"""

from __future__ import annotations


def guard(what: str, figure: float, *, at_most: float | None = None,
          at_least: float | None = None, spec: str = ".2f", unit: str = "x") -> bool:
    """Print `what`'s figure beside its bound (give one of `at_most`, `at_least`) and `ok` or
    `REGRESSION`; return whether the guard held."""
    if at_most is not None and at_least is None:
        held, bound, side = figure <= at_most, at_most, "at most"
    elif at_least is not None and at_most is None:
        held, bound, side = figure >= at_least, at_least, "at least"
    else:
        raise TypeError("guard needs one bound: at_most or at_least")
    shown = f"{figure:{spec}}"
    if shown == f"{bound:{spec}}" and figure != bound:
        shown = f"{figure:.6g}"  # rounded, it would look equal to the bound it missed or kept
    print(f"guard  {what:<34} {shown + unit:>8}   {side:>8} {bound:{spec}}{unit}   "
          f"{'ok' if held else 'REGRESSION'}")
    return held


def exit_code(held: list[bool]) -> int:
    """What a benchmark exits with: 0 when every guard held, 1 when one did not."""
    return 0 if all(held) else 1
