"""How far repeated measurements of one thing spread: the benchmarks' rounds and pairs."""

from __future__ import annotations


def spread(values: list[float], spec: str = ".2f") -> str:
    """'low-high' of the values, each formatted with `spec`."""
    return f"{min(values):{spec}}-{max(values):{spec}}"
