"""Costs in DKK by item, payer and calendar year, computed from the record tables.

Every cost is a set of *flows*: spans of time, each with a DKK-per-day rate, an item and a
payer. Citizen-level flows come from pairs of events (a shelter stay, a support course, a
tenancy, a subsidy); staff and places come from the snapshots. Refunds are pairs of flows that
move money from the municipality to the state, so an item's total is the same whoever pays.
Payers: the municipality (kommunen), the state (staten) and citizens (own payment in shelters).
A memo flow (payer "memo") is shown on its own and never added to a total: the state refund on
shelter nights beyond the yearly cap, which the municipality does not get (already inside its
shelter cost).
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from sim.analysis.records import homes, spans
from sim.config import DAYS_PER_MONTH, SCHEMES, STAFF_GROUPS, TIERS, Scenario
from sim.config.steps import StepTable

PAYERS = ("municipality", "state", "citizens")
MEMO = "memo"


@dataclass(frozen=True)
class Flow:
    """Money paid at `dkk_per_day` over [start, end) days, for one item by one payer."""

    start: np.ndarray
    end: np.ndarray
    dkk_per_day: np.ndarray
    item: str
    payer: str

    def total(self, lo: float, hi: float) -> float:
        overlap = np.clip(np.minimum(self.end, hi) - np.maximum(self.start, lo), 0.0, None)
        return float(np.sum(overlap * self.dkk_per_day))


def refund(item: str, share: float, start: np.ndarray, end: np.ndarray,
           rate: np.ndarray) -> list[Flow]:
    """The state refunds `share` of an item's `rate` over the spans: paid by the state instead
    of the municipality."""
    return [Flow(start, end, share * rate, item, "state"),
            Flow(start, end, -share * rate, item, "municipality")]


def refundable_shelter_days(cid: np.ndarray, start: np.ndarray, end: np.ndarray,
                            cap_steps, run_start: dt.date):
    """The refundable parts of shelter stays: per citizen and calendar year, a night is
    refunded while the nights refunded so far that year are below the cap in force that night
    (120 days, 90 from 2026-04-01 by default). Returns (stay index, start, end) of the
    refundable spans."""
    last_year = (run_start + dt.timedelta(days=float(np.max(end, initial=0.0)))).year
    years = range(run_start.year + 1, last_year + 2)
    cuts = [*sorted({_day(run_start, dt.date(y, 1, 1)) for y in years}
                    | {_day(run_start, s.start) for s in cap_steps}), math.inf]
    caps = StepTable(cap_steps, run_start)
    between: dict[int, tuple[int, float]] = {}  # cut number → (year, cap) until that cut
    used: dict[tuple[int, int], float] = {}
    out_stay, out_start, out_end = [], [], []
    starts, ends = np.asarray(start, float).tolist(), np.asarray(end, float).tolist()
    citizens = cid.tolist()  # Python numbers: indexing them is faster than numpy scalars
    for i in np.lexsort((start, cid)).tolist():
        a, b, who = starts[i], ends[i], citizens[i]
        while a < b:
            k = bisect_right(cuts, a)
            piece_end = min(b, cuts[k])
            if k not in between:  # neither the year nor the cap changes between two cuts
                between[k] = (run_start + dt.timedelta(days=int(a))).year, caps.at(a)
            year, cap = between[k]
            key = (who, year)
            take = min(piece_end - a, max(0.0, cap - used.get(key, 0.0)))
            if take > 0:
                out_stay.append(i)
                out_start.append(a)
                out_end.append(a + take)
                used[key] = used.get(key, 0.0) + take
            a = piece_end
    return (np.array(out_stay, dtype=np.int64), np.array(out_start, dtype=float),
            np.array(out_end, dtype=float))


def _day(run_start: dt.date, date: dt.date) -> float:
    return float((date - run_start).days)


def flows(tables, cfg: Scenario, ev, snap: dict) -> list[Flow]:
    """Every cost flow of one replication."""
    costs, hi = cfg.costs, cfg.run.horizon_days
    out: list[Flow] = []

    # herberg: net of own payment; the state refunds a share up to the yearly cap per citizen
    rows, a, b, *_ = spans(ev, ev.of("shelter_enter"), ev.of("shelter_leave"), hi)
    net = costs.shelter_per_day_dkk - costs.shelter_own_payment_per_day_dkk
    shelter = Flow(a, b, np.full(len(a), net), "shelter", "municipality")
    out += [shelter, Flow(a, b, np.full(len(a), costs.shelter_own_payment_per_day_dkk),
                          "shelter", "citizens")]
    _, ra, rb = refundable_shelter_days(ev.cid[rows], a, b, costs.shelter_refund_cap_days,
                                     cfg.run.start_date)
    out += refund("shelter", costs.shelter_state_refund_share, ra, rb, np.full(len(ra), net))
    lost = costs.shelter_state_refund_share * net  # a night beyond the cap loses this
    out += [Flow(a, b, np.full(len(a), lost), "shelter_refund_lost", MEMO),
            Flow(ra, rb, np.full(len(ra), -lost), "shelter_refund_lost", MEMO)]

    # bostøtte: municipal support at the caseload-unit price of a support worker, private at
    # the provider's price; §85a refund for the first years of each course
    rows, a, b, *_ = spans(ev, ev.of("support_start"), ev.of("support_end"), hi)
    unit_price = costs.salary_per_year_dkk.support_workers / 365.0 \
        / cfg.support.caseload_units_per_worker
    for provider in ("municipal", "private"):
        mine = ev.where("reason", provider)[rows]
        for tier in TIERS:
            pick = mine & ev.where("need_tier", tier)[rows]
            if provider == "municipal":  # salaries are counted as staff; refunded per citizen
                item, rate = "staff", unit_price * getattr(cfg.support.caseload_weight, tier)
            else:
                item = "private_support"
                rate = getattr(costs.private_support_per_year_dkk, tier) / 365.0
                out.append(Flow(a[pick], b[pick], np.full(pick.sum(), rate), item,
                                "municipality"))
            first = np.minimum(b[pick], a[pick] + costs.support_refund_years * 365.0)
            out += refund(item, costs.support_state_refund_share, a[pick], first,
                          np.full(pick.sum(), rate))

    # extra nursing and home care while housed
    moved_in = ev.of("housed") | (ev.of("arrive") & ev.where("stage", "housed"))
    rows, a, b, *_ = homes(ev, moved_in, hi)
    for tier in TIERS:
        pick = ev.where("need_tier", tier)[rows]
        rate = getattr(costs.care_per_year_dkk, tier) / 365.0
        out.append(Flow(a[pick], b[pick], np.full(pick.sum(), rate), "care", "municipality"))

    # rent subsidies, paid by their scheme's payer until they end or the home is lost
    subsidy = ev.table.column("subsidy_dkk").to_numpy(zero_copy_only=False)
    for name in SCHEMES:
        start = ev.of("housed") & ev.where("scheme", name)
        rows, a, b, *_ = spans(ev, start, ev.of("subsidy_end", "tenancy_lost", "exit"), hi)
        out.append(Flow(a, b, subsidy[rows] / DAYS_PER_MONTH, f"subsidy_{name}",
                        getattr(cfg.subsidy, name).payer))

    out += _snapshot_flows(snap, cfg)
    return out


def _snapshot_flows(snap: dict, cfg: Scenario) -> list[Flow]:
    """Staff salaries and residential places, from the daily headcounts and occupancy."""
    costs = cfg.costs
    t = snap["time_days"]
    a, b = t, np.append(t[1:], t[-1])
    out = [Flow(a, b, snap[f"{g}_staff"] * getattr(costs.salary_per_year_dkk, g) / 365.0,
                "staff", "municipality") for g in STAFF_GROUPS]
    out.append(Flow(a, b, snap["n_in_botilbud"] * costs.botilbud_per_day_dkk,
                    "botilbud", "municipality"))
    out.append(Flow(a, b, snap["n_in_skaev_bolig"] * costs.skaev_bolig_per_day_dkk,
                    "skaev_bolig", "municipality"))
    return out


def metrics(all_flows: list[Flow], cfg: Scenario, years: dict[int, tuple[float, float]]):
    """Cost metrics: the window's total, by payer and by item; each calendar year by payer."""
    lo, hi = cfg.run.warmup_days, cfg.run.horizon_days
    out = {"cost_total_dkk": 0.0}
    for payer in PAYERS:
        out[f"cost_{payer}_dkk"] = 0.0
    for flow in all_flows:
        amount = flow.total(lo, hi)
        if flow.payer == MEMO:
            out[f"{flow.item}_dkk"] = out.get(f"{flow.item}_dkk", 0.0) + amount
            continue
        out["cost_total_dkk"] += amount
        out[f"cost_{flow.payer}_dkk"] += amount
        item = f"cost_{flow.item}_dkk"
        out[item] = out.get(item, 0.0) + amount
    for year, (y0, y1) in years.items():
        for payer in PAYERS:
            out[f"cost_{year}_{payer}_dkk"] = sum(f.total(y0, y1) for f in all_flows
                                                  if f.payer == payer)
        out[f"cost_{year}_total_dkk"] = sum(out[f"cost_{year}_{p}_dkk"] for p in PAYERS)
    return out
