"""Scenario files → one frozen, strictly validated configuration.

A scenario is a small TOML file that may `extends` another; the chain is merged table by table
(lists replace wholesale) and validated against the schema. Errors name the file that set the
key, the key and what is allowed.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from sim.config.schema import Department, Scenario, ScenarioError

SHIPPED = "sim.scenarios"  # the project's scenarios/ folder, installed inside the package
Model = TypeVar("Model", bound=BaseModel)


def shipped_folder() -> Path:
    """The shipped scenarios' folder: scenarios/ of the source tree in an editable install,
    sim/scenarios/ of the installed package otherwise; a real folder, so `extends` works."""
    return Path(str(resources.files(SHIPPED)))


def shipped() -> dict[str, Path]:
    """Every shipped TOML file by its name: its path in the folder without `.toml`, such as
    `reform_2024`, `backtest/history_2009` or `designs/staffing_grid`."""
    root = shipped_folder()
    return {p.relative_to(root).with_suffix("").as_posix(): p for p in sorted(root.rglob("*.toml"))}


def resolve(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """The file a scenario argument stands for: an existing file (taken relative to
    `relative_to` when given) wins; otherwise the shipped file of that name, with or without
    `.toml`, so `reform_2024` works from any folder."""
    path = (relative_to or Path()) / name_or_path
    if path.is_file():
        return path
    found = shipped().get(Path(name_or_path).as_posix().removesuffix(".toml"))
    if found is not None:
        return found
    problem = f"no such file: {path.resolve()}"
    if len(Path(name_or_path).parts) == 1:
        problem += f", and no shipped scenario has that name ({', '.join(shipped_names())})"
    raise ScenarioError(path, "file", problem)


def shipped_names() -> list[str]:
    """The shipped scenarios' names: the files at the top of the folder (those in backtest/ and
    designs/ are named with their folder)."""
    return [name for name in shipped() if "/" not in name]


def _read_toml(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict[str, Path]]:
    """Read one file and what it extends; return merged data and which file set each key."""
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(chain[-1], "extends", f"cyclic extends ({cycle})")
    if not path.is_file():
        raise ScenarioError(chain[-1], "extends", f"no such file: {path}")
    data = read_toml(path)
    origin = {key: path for key in _dotted_keys(data)}
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data, origin
    if not isinstance(parent_name, str):
        raise ScenarioError(path, "extends", "must be a file name (string)")
    base, base_origin = _read_toml((path.parent / parent_name).resolve(), (*chain, path))
    return _merge(base, data), {**base_origin, **origin}


def _dotted_keys(data: dict, prefix: str = ""):
    for key, value in data.items():
        yield prefix + key
        if isinstance(value, dict):
            yield from _dotted_keys(value, f"{prefix}{key}.")


def _merge(base: dict, override: dict) -> dict:
    """Deep-merge tables; any non-table value in `override` replaces the base value."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def error_key(loc: tuple) -> str:
    """Dotted key of a pydantic error location, with list steps shown as [i]."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        elif part not in ("function-after",) and not str(part).startswith("function-"):
            parts.append(str(part))
    return ".".join(parts) or "(top level)"


def describe_error(err: dict) -> str:
    """One readable sentence from a pydantic error: what is wrong and what is allowed."""
    kind, msg = err["type"], err["msg"]
    value = err.get("input")
    if kind == "extra_forbidden":
        return "unknown key (not a parameter of the model; see scenarios/baseline.toml)"
    if kind == "missing":
        return "missing (every parameter must be set; baseline.toml sets them all)"
    if kind == "finite_number" or (isinstance(value, float) and not math.isfinite(value)):
        return f"{value} is not allowed; must be a finite number"
    if kind.startswith("greater_than") or kind.startswith("less_than"):
        return f"{value!r} is out of range: {msg.lower()}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not allowed: use only letters, digits, '_' and '-'"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "date_type":
        return f"must be a date written without quotes, like 2024-01-01 (got {value!r})"
    if kind == "too_short":
        return "needs at least one {from = DATE, value = N} step"
    if kind == "tuple_type":
        return f"must be a list of {{from = DATE, value = N}} steps (got {value!r})"
    return f"{msg.lower()} (got {value!r})" if value is not None else msg.lower()


def read_toml(path: Path) -> dict:
    """A file's TOML; a missing file or one that is not TOML is refused, naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(path, "file", "no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "toml", f"not valid TOML ({exc})") from None


def validated(model: type[Model], data: dict, file: Path,
              describe: Callable[[dict], str] = describe_error,
              owner: Callable[[str], Path] | None = None) -> Model:
    """`data` as `model`, or its first failure refused with the file (`owner` says which file
    set a key), the key and what is allowed."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        key, problem = first_error(exc, describe)
    raise ScenarioError(owner(key) if owner else file, key, problem)


def first_error(exc: ValidationError, describe: Callable[[dict], str]) -> tuple[str, str]:
    """The key and problem of a validation error's first failure. A check across keys says
    which key it concerns at the start of its message ("types: …"), and that key is named."""
    err = exc.errors()[0]
    key, problem = error_key(err["loc"]), describe(err)
    head, sep, rest = problem.partition(": ")
    if sep and re.fullmatch(r"[\w.\[\]]+", head):
        key, problem = (head if key == "(top level)" else f"{key}.{head}"), rest
    return key, problem


def validate(data: dict, origin: dict[str, Path], file: Path) -> Scenario:
    """Validate merged scenario data; a failure names the file that set the offending key."""
    return validated(Scenario, data, file, owner=lambda key: _owner(key, origin, file))


def _owner(key: str, origin: dict[str, Path], default: Path) -> Path:
    """The file in an extends chain that set `key` (or its nearest parent table)."""
    parts = key.split("[")[0].split(".")
    for n in range(len(parts), 0, -1):
        found = origin.get(".".join(parts[:n]))
        if found is not None:
            return found
    return default


def read_departments(path: Path) -> list[dict]:
    """The departments table: one validated row per department, from a CSV file."""
    if not path.is_file():
        raise ScenarioError(path, "housing.departments_csv", "no such file")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ScenarioError(path, "rows", "the departments table has no rows")
    out = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            out.append(Department.model_validate(row).model_dump())
        except ValidationError as exc:
            err = exc.errors()[0]
            column = error_key(err["loc"])
            raise ScenarioError(path, f"line {number}: {column}", describe_error(err)) from None
    return out


def _attach_departments(data: dict, origin: dict[str, Path]) -> None:
    """Replace housing.departments_csv's file name by the table it names (relative to the
    scenario file that set it)."""
    housing = data.get("housing")
    if not isinstance(housing, dict) or "departments_csv" not in housing:
        return
    name = housing["departments_csv"]
    owner = origin["housing.departments_csv"]
    if not isinstance(name, str):
        raise ScenarioError(owner, "housing.departments_csv", "must be a file name (string)")
    housing["departments"] = read_departments(owner.parent / name)


def load(path: str | Path) -> Scenario:
    """Read a scenario file or a shipped scenario's name (following `extends`) into a frozen,
    validated Scenario."""
    file = resolve(path)
    data, origin = _read_toml(file.resolve(), ())
    _attach_departments(data, origin)
    return validate(data, origin, file)


# --- changing a parameter by its dotted path (sweeps, the live app) ---------------------------


def set_parameter(data: dict, path: str, value: float, start: dt.date,
                  scale: bool = False) -> None:
    """Set (with `scale`: multiply) the number at a dotted path of scenario data, in place.

    Dated steps change from `start` on: earlier steps stay, so a warm-up is the same for every
    value; later steps are replaced (set) or scaled too. A whole-number parameter is rounded.
    Raises ValueError saying what is wrong with the path.
    """
    table, key = locate(data, path)
    current = table[key]
    if is_steps(current):
        table[key] = _changed_steps(current, value, start, scale)
    elif isinstance(current, bool) or not isinstance(current, int | float):
        raise ValueError(f"{path!r} is not a number or a list of dated steps, so it cannot vary")
    else:
        new = current * value if scale else value
        table[key] = round(new) if isinstance(current, int) else float(new)


def locate(data: dict, path: str) -> tuple[dict, str]:
    """The table holding the last part of a dotted path, and that key."""
    table, parts = data, path.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(table, dict) or part not in table:
            known = sorted(table) if isinstance(table, dict) else []
            where = ".".join(parts[:depth]) or "the scenario"
            hint = f"; {where} has {', '.join(known)}" if known else ""
            raise ValueError(f"{path!r} is not a parameter of the scenario{hint}")
        if depth < len(parts) - 1:
            table = table[part]
    return table, parts[-1]


def is_steps(value) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(
        isinstance(s, dict) and set(s) == {"from", "value"} for s in value)


def _changed_steps(steps, value: float, start: dt.date, scale: bool) -> list[dict]:
    kept = [dict(s) for s in steps if s["from"] < start]
    if not scale:
        return [*kept, {"from": start, "value": float(value)}]
    if not kept:  # every step is scaled: the dates stay as they are (a back-cast keeps its anchor)
        return [{"from": s["from"], "value": s["value"] * value} for s in steps]
    in_force = next((s["value"] for s in steps if s["from"] == start), kept[-1]["value"])
    later = [{"from": s["from"], "value": s["value"] * value} for s in steps if s["from"] > start]
    return [*kept, {"from": start, "value": in_force * value}, *later]
