"""The preview: exact up to PREVIEW_EXACT_LEADS; beyond, the exact preview of a scaled-down run, scaled up."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulations.engine import (
    PREVIEW_EXACT_LEADS,
    RECORD_TYPES,
    SLOT_SIZE,
    SimulationInputs,
    build_plan,
    count_plan,
    lead_count,
    preview,
    preview_inputs,
)
from simulations.engine.distributions import pick_bins
from simulations.engine.plan import plan_arrivals, plan_company_count
from simulations.engine.slots import structure_counts
from simulations.engine.trajectories import slot_structure

from .support import make_inputs

STANDARD_ERRORS = 4
EXACT_TYPES = ("owners", "companies", "contacts")
"""Record types an estimate keeps exact (the plan's arrivals and company sizes, and the team they size)."""


def _cents(amount: str) -> int:
    whole, _, fraction = amount.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def _per_slot(inputs: SimulationInputs) -> dict[str, np.ndarray]:
    """Exact per-slot values of everything an estimate scales, by its response key."""
    plan = build_plan(inputs)
    rows: list[tuple[int, ...]] = []
    for k in range(plan.slot_count):
        s = slot_structure(plan, k)
        won = s.closed & s.timelines.won
        lost = s.closed & ~s.timelines.won
        still_open = s.deal_kept & ~s.closed
        counts = dict(zip(RECORD_TYPES, structure_counts(plan, k, s), strict=True))
        rows.append(
            (
                *(counts[t] for t in RECORD_TYPES if t not in EXACT_TYPES),
                int(won.sum()),
                int(lost.sum()),
                int(still_open.sum()),
                int(s.timelines.amount_cents[won].sum()),
                int(s.timelines.amount_cents[still_open].sum()),
            )
        )
    names = (*(t for t in RECORD_TYPES if t not in EXACT_TYPES), "won", "lost", "open", "wonAmount", "pipelineAmount")
    return dict(zip(names, np.array(rows, dtype=np.float64).T, strict=True))


def _estimates(result: dict) -> dict[str, int]:
    deals = result["deals"]
    return {
        **{t: result["planned"][t] for t in RECORD_TYPES if t not in EXACT_TYPES},
        "won": deals["won"],
        "lost": deals["lost"],
        "open": deals["open"],
        "wonAmount": _cents(deals["wonAmount"]),
        "pipelineAmount": _cents(deals["pipelineAmount"]),
    }


def test_pick_bins_is_searchsorted_exactly() -> None:
    rng = np.random.default_rng(3)
    mass = rng.random(5000)
    mass[rng.integers(0, 5000, 800)] = 0.0  # empty bins: repeated cdf values
    cdf = np.cumsum(mass)
    u = np.concatenate([rng.random(200_000), [0.0, np.nextafter(1.0, 0.0)], cdf[:-1:7] / cdf[-1]])
    assert np.array_equal(pick_bins(cdf, u), np.searchsorted(cdf, u * cdf[-1], side="right"))


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_the_plan_helpers_equal_the_plan(scenario: str) -> None:
    inputs = make_inputs(scenario, records=20_000, distribution="business_hours")
    plan = build_plan(inputs)
    assert np.array_equal(plan_arrivals(inputs), plan.arrivals)
    assert plan_company_count(inputs) == plan.company_count


@pytest.mark.parametrize(("scenario", "records"), [("b2b", 2_000_000), ("b2c", 2_000_000), ("b2c", 7)])
def test_the_scaled_down_run_keeps_everything_but_the_size(scenario: str, records: int) -> None:
    inputs = make_inputs(scenario, records=records, seed=3)
    small = preview_inputs(inputs, 10_000)
    assert small.parameters == inputs.parameters and small.seed == inputs.seed
    assert (small.start, small.end, small.distribution) == (inputs.start, inputs.end, inputs.distribution)
    assert lead_count(small) <= max(10_000, lead_count(inputs))
    assert lead_count(small) >= min(10_000 - 2, lead_count(inputs))


def test_an_exact_preview_counts_every_slot() -> None:
    inputs = make_inputs("b2c", records=5_000)
    result = preview(inputs)
    assert result["estimated"] is False
    assert result["sampledLeads"] == result["leads"]
    assert result["planned"] == count_plan(inputs).totals


def test_an_estimate_is_deterministic_and_keeps_leads_owners_companies_contacts_and_arrivals_exact() -> None:
    inputs = make_inputs("b2b", records=40_000, seed=11)
    exact = preview(inputs)
    estimate = preview(inputs, exact_leads=6_000)
    assert estimate == preview(inputs, exact_leads=6_000)
    assert estimate["estimated"] is True and estimate["sampledLeads"] == lead_count(preview_inputs(inputs, 6_000))
    assert estimate["leads"] == exact["leads"]
    assert estimate["arrivals"] == exact["arrivals"]
    for exact_type in EXACT_TYPES:
        assert estimate["planned"][exact_type] == exact["planned"][exact_type]
    assert estimate["planned"] != exact["planned"], "a run of 6,000 leads scaled by 5 cannot hit every count"


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_an_estimate_is_within_four_standard_errors_of_the_exact_counts(scenario: str) -> None:
    """An estimate is N x (the scaled-down run's total / its n leads), the exact value N x (the full run's total
    / N): both average per-lead values of the same model over the same window (so the same trend) with accounts
    of the same sizes, so their difference has standard error at most N x sigma x sqrt(1/n + 1/N), sigma the
    per-lead sd (the runs share their seed, which correlates them positively and only narrows it). Leads
    interact inside an account, so sigma comes from whole slots of the exact run: the successive-difference
    estimate of the per-slot sd (sqrt(mean(diff^2) / 2), which removes the window's smooth trend: the trend is
    the same in both runs, not noise) over sqrt(SLOT_SIZE)."""
    records = 120_000 if scenario == "b2b" else 50_000  # 90,000 leads either way (lead multipliers 0.75, 1.8)
    inputs = make_inputs(scenario, records=records, seed=5)
    leads = lead_count(inputs)
    per_slot = _per_slot(inputs)
    result = preview(inputs, exact_leads=9_000)
    sampled = result["sampledLeads"]
    assert result["estimated"] is True and 8_990 <= sampled <= 9_000
    assert leads == 90 * SLOT_SIZE, "whole slots: every per-slot total covers SLOT_SIZE leads"
    estimate = _estimates(result)
    exact_preview = preview(inputs, exact_leads=leads)
    assert exact_preview["estimated"] is False and exact_preview["planned"] == count_plan(inputs).totals
    for name, values in per_slot.items():
        exact = values.sum()
        sigma = math.sqrt(float(np.mean(np.diff(values) ** 2)) / 2) / math.sqrt(SLOT_SIZE)
        error = leads * sigma * math.sqrt(1 / sampled + 1 / leads)
        assert abs(estimate[name] - exact) <= STANDARD_ERRORS * error + 1, (name, estimate[name], exact, error)


def test_at_the_maximum_size_the_preview_reads_a_bounded_run() -> None:
    inputs = make_inputs("b2c", records=2_000_000)
    result = preview(inputs)
    assert result["estimated"] is True
    assert result["leads"] == 3_600_000
    assert PREVIEW_EXACT_LEADS - 2 <= result["sampledLeads"] <= PREVIEW_EXACT_LEADS
    assert sum(result["arrivals"]["counts"]) == result["leads"]
