"""What the report draws beyond the summary, derived from a result folder's record tables: the
flow of citizens for the Sankey diagram, waits per stage, retention by need tier and the quota
audit. Like statistics.py it reads tables only; the warm-up is left out as in summary.parquet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sim.analysis.metrics import SELF_EXIT_REASONS
from sim.analysis.records import Events, durations, homes, spell_starts
from sim.analysis.waits import WAITS

PARTITIONING = ds.partitioning(pa.schema([("scenario", pa.string()), ("rep", pa.int64())]),
                               flavor="hive")
EVENT_COLUMNS = ["citizen_id", "time_days", "event", "stage", "route", "need_tier", "reason"]
TIERS = ("low", "medium", "high")
ROUTES = ("own_home", "botilbud", "skaev_bolig", "not_ready")
OUTCOMES = ("housed", "botilbud_enter", "skaev_bolig_enter")  # first one reached counts
# Waits shown as distributions, in pipeline order: (label, start event, end events, route).
WAIT_STAGES = (
    ("udredning (assessment)", "wait_assessment_days_mean", None),
    ("boligsocial anvisning (dwelling)", "wait_allocation_days_mean", None),
    ("indslusning (move-in advisor)", "wait_move_in_days_mean", None),
    ("indslusning help after moving in", "wait_move_in_help_days_mean", None),
    ("bostøtte (support)", "wait_support_days_mean", None),
    ("botilbud place", None, "botilbud"),
    ("skæv bolig place", None, "skaev_bolig"),
)
HOMELESS_TO_HOME = "homeless → own home"
MIN_AT_RISK = 20  # retention curves stop where fewer spells are still followed


def open_table(folders: list[Path], name: str) -> ds.Dataset | None:
    """One record table over every scenario and replication of the folders, None if absent."""
    parts = [ds.dataset(f / name, format="parquet", partitioning=PARTITIONING)
             for f in folders if (f / name).is_dir()]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else ds.dataset(parts)


def per_replication(data: ds.Dataset, scenario: str, columns: list[str],
                    where: ds.Expression | None = None) -> Iterator[pa.Table]:
    """One scenario's rows, one replication at a time (in time order, as written)."""
    mine = ds.field("scenario") == scenario
    reps = data.to_table(columns=["rep"], filter=mine)["rep"]
    for rep in sorted(pc.unique(reps).to_pylist()):
        keep = mine & (ds.field("rep") == rep)
        yield data.to_table(columns=columns, filter=keep if where is None else keep & where)


# --- flows -------------------------------------------------------------------------------------


def cohort_flows(table: pa.Table, warmup: float, ev: Events | None = None) -> Counter:
    """Links (from, to) → citizens, for citizens who became homeless after the warm-up:
    their assessment route, the first place they reached, and whether the home was lost."""
    ev = ev or Events(table)
    size = int(ev.cid.max()) + 1 if len(ev.cid) else 0
    cohort = np.zeros(size, dtype=bool)
    cohort[ev.cid[ev.of("arrive") & ev.where("reason", "newly_homeless") & (ev.t >= warmup)]] = True
    mine = cohort[ev.cid] if size else np.zeros(0, dtype=bool)
    names, routes = (table[c].to_numpy(zero_copy_only=False) for c in ("event", "route"))
    outcome, reached = _first_outcome(ev, names, mine, size)
    route = _route_before(ev, routes, mine, reached, size)
    left = np.zeros(size, dtype=bool)
    self_exit = np.logical_or.reduce([ev.where("reason", r) for r in SELF_EXIT_REASONS])
    left[ev.cid[ev.of("exit") & self_exit & mine]] = True
    lost = np.zeros(size, dtype=bool)
    lost[ev.cid[ev.of("tenancy_lost") & mine]] = True
    links: Counter = Counter()
    for cid in np.flatnonzero(cohort):
        end = outcome[cid] or ("left" if left[cid] else "waiting")
        links[("arrived", route[cid] or "unassessed")] += 1
        links[(route[cid] or "unassessed", end)] += 1
        if end == "housed":
            links[("housed", "lost" if lost[cid] else "kept")] += 1
    return links


def _first_outcome(ev: Events, names: np.ndarray, mine: np.ndarray,
                   size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per citizen: the first of housed / botilbud / skæv bolig reached (or ''), and when."""
    outcome = np.full(size, "", dtype=object)
    reached = np.full(size, np.inf)
    idx = np.flatnonzero(ev.of(*OUTCOMES) & mine)
    cids, first = np.unique(ev.cid[idx], return_index=True)  # events are in time order
    outcome[cids] = [n.removesuffix("_enter") for n in names[idx[first]]]
    reached[cids] = ev.t[idx[first]]
    return outcome, reached


def _route_before(ev: Events, routes: np.ndarray, mine: np.ndarray, reached: np.ndarray,
                  size: int) -> np.ndarray:
    """Per citizen: the route of their last assessment before their outcome (or '')."""
    route = np.full(size, "", dtype=object)
    idx = np.flatnonzero(ev.of("assessment_end") & mine)
    idx = idx[ev.t[idx] <= reached[ev.cid[idx]]][::-1]
    cids, last = np.unique(ev.cid[idx], return_index=True)
    route[cids] = routes[idx[last]]
    return route


# --- waits and retention -----------------------------------------------------------------------


def _wait_masks(ev: Events) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, start mask, end mask) for every wait of WAIT_STAGES and homeless → own home,
    defined as statistics.py defines the summary's means and median."""
    waits = {metric: (start, ends) for metric, start, ends in WAITS}
    masks = []
    for label, metric, route in WAIT_STAGES:
        if metric is not None:
            start, ends = waits[metric]
            masks.append((label, ev.of(start), ev.of(*ends)))
        else:
            masks.append((label, ev.of("assessment_end") & ev.where("route", route),
                          ev.of(f"{route}_enter")))
    spell = spell_starts(ev)
    masks.append((HOMELESS_TO_HOME, spell, ev.of("housed")))
    return masks


@dataclass(frozen=True)
class Digest:
    """What the event figures need of one scenario, over all its replications."""

    flows: dict[tuple[str, str], float]  # mean citizens per replication on each link
    waits: dict[str, np.ndarray]  # completed waits (days) per stage, begun after the warm-up
    spells: dict[str, tuple[np.ndarray, np.ndarray]]  # per need tier: (days housed, lost?)


def digest(data: ds.Dataset, scenario: str, warmup: float, horizon: float) -> Digest:
    """Read each replication's events once and derive flows, waits and tenancies from them."""
    flows: Counter = Counter()
    waits: dict[str, list[np.ndarray]] = {}
    spells: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {tier: [] for tier in TIERS}
    reps = 0
    for table in per_replication(data, scenario, EVENT_COLUMNS):
        reps += 1
        ev = Events(table)
        flows.update(cohort_flows(table, warmup, ev))
        for label, start, end in _wait_masks(ev):
            begin, length, seen = durations(ev, start, end, horizon)
            waits.setdefault(label, []).append(length[seen & (begin >= warmup)])
        tier = pc.fill_null(table["need_tier"], "").to_numpy(zero_copy_only=False)
        for name in TIERS:  # a citizen's tier is fixed, so spells can be followed per tier
            home = homes(ev, ev.of("housed") & (tier == name), horizon)
            begin, length, lost = home.start, home.end - home.start, home.observed
            spells[name].append((length[begin >= warmup], lost[begin >= warmup]))
    return Digest({link: n / reps for link, n in flows.items()} if reps else {},
                  {label: np.concatenate(parts) for label, parts in waits.items()},
                  {tier: (np.concatenate([d for d, _ in parts]),
                          np.concatenate([o for _, o in parts]))
                   for tier, parts in spells.items() if parts})


@dataclass(frozen=True)
class Curve:
    """A Kaplan–Meier curve with its pointwise 95 % interval (Greenwood, log–log)."""

    days: np.ndarray
    share: np.ndarray
    low: np.ndarray
    high: np.ndarray


def kaplan_meier_curve(duration: np.ndarray, observed: np.ndarray) -> Curve | None:
    """The whole survival curve, cut where fewer than MIN_AT_RISK spells are still followed."""
    if len(duration) < MIN_AT_RISK:
        return None
    times = np.unique(duration[observed])
    order = np.sort(duration)
    at_risk = len(duration) - np.searchsorted(order, times, side="left")
    lost = np.bincount(np.searchsorted(times, duration[observed]), minlength=len(times))
    keep = at_risk >= MIN_AT_RISK
    times, at_risk, lost = times[keep], at_risk[keep], lost[keep]
    share = np.cumprod(1.0 - lost / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.cumsum(lost / (at_risk * np.maximum(at_risk - lost, 1)))
        log_s = np.log(share)
        half = 1.96 * np.sqrt(var) / np.abs(log_s)
        low = np.where(share < 1, np.exp(-np.exp(np.log(-log_s) + half)), 1.0)
        high = np.where(share < 1, np.exp(-np.exp(np.log(-log_s) - half)), 1.0)
    last = float(np.sort(duration)[-MIN_AT_RISK])
    return Curve(np.concatenate([[0.0], times, [last]]), np.concatenate([[1.0], share, share[-1:]]),
                 np.concatenate([[1.0], low, low[-1:]]), np.concatenate([[1.0], high, high[-1:]]))


# --- quota -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRow:
    """One department's allocations after the warm-up, as means over replications."""

    department: int
    quota_share: float
    vacancies: float
    social: float
    kept: bool  # the running quota held at every vacancy of every replication (whole run)


def quota_audit(data: ds.Dataset, scenario: str, warmup: float) -> list[QuotaRow]:
    """Per department: vacancies, social allocations and their share against the quota."""
    columns = ["time_days", "department", "quota_share", "allocated_to"]
    vacancies: Counter = Counter()
    social: Counter = Counter()
    quota: dict[int, float] = {}
    broken: set[int] = set()
    reps = 0
    for table in per_replication(data, scenario, columns):
        reps += 1
        dept = table["department"].to_numpy()
        # both kinds of social let use the municipal right the quota limits
        is_social = pc.is_in(table["allocated_to"], pa.array(["social", "social_other"])) \
            .to_numpy(zero_copy_only=False)
        share = table["quota_share"].to_numpy()
        after = table["time_days"].to_numpy() >= warmup
        vacancies.update(dept[after].tolist())
        social.update(dept[after & is_social].tolist())
        quota.update(zip(dept.tolist(), share.tolist(), strict=True))
        broken |= _quota_broken(dept, is_social, share)
    return [QuotaRow(d, quota[d], vacancies[d] / reps, social[d] / reps, d not in broken)
            for d in sorted(quota)]


def _quota_broken(dept: np.ndarray, is_social: np.ndarray, share: np.ndarray) -> set[int]:
    """Departments where, after some n-th vacancy, social allocations exceed ⌊n × quota⌋."""
    order = np.lexsort((np.arange(len(dept)), dept))  # by department, then in time order
    d, s, q = dept[order], is_social[order].astype(int), share[order]
    first = np.searchsorted(d, d, side="left")
    n = np.arange(len(d)) - first + 1
    cum = np.cumsum(s)
    taken = cum - np.concatenate([[0], cum])[first]
    return set(d[taken > np.floor(n * q + 1e-9)].tolist())
