"""The layer rule: a module never imports from a layer above its own. Read from the source's
import statements (AST), so a new module or a late import inside a function is checked too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"
# Lowest first. The package's own __init__ (its version) is below every layer.
LAYERS = ("config", "engine", "model", "analysis", "output", "experiments", "report", "app",
          "api", "cli")


def layer_of(module: str) -> int | None:
    """The rank of a dotted sim module's layer (None for the package itself)."""
    parts = module.split(".")
    if parts[0] != "sim" or len(parts) == 1 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def module_of(path: Path, root: Path) -> str:
    """The dotted name of a file under the package folder `root`."""
    return ".".join(path.relative_to(root.parent).with_suffix("").parts)


def imported(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every sim import in a file, at any depth."""
    module = module_of(path, root)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1],
                                 *filter(None, [base])])
            # `from sim.model.city import City` names a module; `from sim import model` a layer
            out += [(node.lineno, base if layer_of(base) is not None else f"{base}.{alias.name}")
                    for alias in node.names]
    return [(line, name) for line, name in out if name.split(".")[0] == "sim"]


def violations(root: Path) -> list[str]:
    """Every import of a higher layer, as 'file:line imports module'."""
    found = []
    for path in sorted(root.rglob("*.py")):
        own = layer_of(module_of(path, root))
        for line, name in imported(path, root):
            other = layer_of(name)
            if own is not None and other is not None and other > own:
                found.append(f"{path.relative_to(root.parent)}:{line} imports {name}")
    return found


def test_no_layer_imports_a_higher_one() -> None:
    assert violations(SIM) == []


def test_every_module_is_in_a_layer() -> None:
    strays = [p.name for p in SIM.glob("*.py") if p.stem not in (*LAYERS, "__init__")]
    assert strays == []


@pytest.mark.parametrize(("source", "expected"), [
    ("from sim.model.city import City\n", ["sim/engine/clock.py:1 imports sim.model.city"]),
    ("from sim import model\n", ["sim/engine/clock.py:1 imports sim.model"]),
    ("def f():\n    import sim.report.page\n", ["sim/engine/clock.py:2 imports sim.report.page"]),
    ("from ..model import city\n", ["sim/engine/clock.py:1 imports sim.model"]),
    ("from sim.config import Scenario\nfrom sim import __version__\n", []),
])
def test_the_check_catches_an_engine_that_imports_the_model(tmp_path, source, expected) -> None:
    engine = tmp_path / "sim" / "engine"
    engine.mkdir(parents=True)
    (engine / "clock.py").write_text(source, encoding="utf-8")
    assert violations(tmp_path / "sim") == expected
