"""The code base is ruff clean (style, bugs, security rules), as CI requires."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is part of the test extra: pip install -e '.[test]'"
    done = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


UNSAFE_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "jsonpickle", "yaml"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__"}


def test_no_pickle_or_eval_of_user_input():
    """Scenario files are read with tomllib and validated by pydantic: nothing a user supplies is
    unpickled, unmarshalled or evaluated. (Process pools pickle our own frozen configs.)"""
    import ast

    found = []
    for path in [*sorted((ROOT / "sim").glob("*.py")), ROOT / "run_sim.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            found += [f"{path.name}: import {n}" for n in names if n in UNSAFE_MODULES]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in UNSAFE_CALLS:
                found.append(f"{path.name}:{node.lineno}: {node.func.id}()")
    assert not found, found
