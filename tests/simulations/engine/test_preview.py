"""The preview: exact up to PREVIEW_EXACT_LEADS, an evenly spread sample of slots scaled up beyond."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulations.engine import (
    RECORD_TYPES,
    SLOT_SIZE,
    SimulationInputs,
    build_plan,
    count_plan,
    preview,
    preview_sample,
)
from simulations.engine.distributions import pick_bins
from simulations.engine.plan import plan_arrivals, plan_company_count
from simulations.engine.trajectories import slot_structure

from .support import make_inputs

STANDARD_ERRORS = 4


def _cents(amount: str) -> int:
    whole, _, fraction = amount.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def _per_slot(inputs: SimulationInputs) -> dict[str, np.ndarray]:
    """Exact per-slot values of everything the preview scales, by its response key."""
    plan = build_plan(inputs)
    rows: list[tuple[int, ...]] = []
    for k in range(plan.slot_count):
        s = slot_structure(plan, k)
        won, lost, still_open = s.closed & s.won, s.closed & ~s.won, s.deal_kept & ~s.closed
        rows.append(
            (
                int(s.deal_kept.sum()),
                int(s.activity_time.size),
                int(s.lifecycle_kept.sum()),
                int(s.deal_events_kept.sum()),
                int(won.sum()),
                int(lost.sum()),
                int(still_open.sum()),
                int(s.amount_cents[won].sum()),
                int(s.amount_cents[still_open].sum()),
            )
        )
    names = (*RECORD_TYPES[2:], "won", "lost", "open", "wonAmount", "pipelineAmount")
    return dict(zip(names, np.array(rows, dtype=np.float64).T, strict=True))


def _estimates(result: dict) -> dict[str, int]:
    deals = result["deals"]
    return {
        **{t: result["planned"][t] for t in RECORD_TYPES[2:]},
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


def test_the_sample_is_the_middle_slot_of_equal_strata() -> None:
    assert preview_sample(10, 5).tolist() == [1, 3, 5, 7, 9]
    assert preview_sample(3, 5).tolist() == [0, 1, 2]
    for slots, size in [(3600, 200), (1501, 200), (201, 200)]:
        sample = preview_sample(slots, size)
        assert sample.size == size and np.all(np.diff(sample) > 0) and sample[0] >= 0 and sample[-1] < slots


def test_an_exact_preview_counts_every_slot() -> None:
    inputs = make_inputs("b2c", records=5_000)
    result = preview(inputs)
    assert result["estimated"] is False
    assert result["sampledLeads"] == result["leads"]
    assert result["planned"] == count_plan(inputs).totals


def test_an_estimate_is_deterministic_and_keeps_leads_companies_contacts_and_arrivals_exact() -> None:
    inputs = make_inputs("b2b", records=40_000, seed=11)
    exact = preview(inputs)
    estimate = preview(inputs, exact_leads=0, sample_slots=6)
    assert estimate == preview(inputs, exact_leads=0, sample_slots=6)
    assert estimate["estimated"] is True and estimate["sampledLeads"] == 6 * SLOT_SIZE
    assert estimate["leads"] == exact["leads"]
    assert estimate["arrivals"] == exact["arrivals"]
    for exact_type in RECORD_TYPES[:2]:
        assert estimate["planned"][exact_type] == exact["planned"][exact_type]
    assert estimate["planned"] != exact["planned"], "six slots of thirty cannot hit every count exactly"


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_an_estimate_is_within_four_standard_errors_of_the_exact_counts(scenario: str) -> None:
    """Each estimate is slot_count x the mean of the sampled slots' values; its standard error for a simple
    random sample of S of the slots without replacement is slot_count x sd x sqrt((1 - S / slot_count) / S),
    an upper bound for the evenly spread sample (the window's trend adds to sd, not to a systematic sample's
    error). Whole slots only: the lead counts below are multiples of SLOT_SIZE."""
    records = 120_000 if scenario == "b2b" else 50_000  # 90 slots either way (lead multipliers 0.75, 1.8)
    inputs = make_inputs(scenario, records=records, seed=5)
    per_slot = _per_slot(inputs)
    slot_count = next(iter(per_slot.values())).size
    assert slot_count == 90
    sample = 18
    estimate = _estimates(preview(inputs, exact_leads=0, sample_slots=sample))
    assert preview(inputs)["planned"] == count_plan(inputs).totals, "the exact path stays exact at this size"
    for name, values in per_slot.items():
        exact = values.sum()
        error = slot_count * values.std(ddof=1) * math.sqrt((1 - sample / slot_count) / sample)
        assert abs(estimate[name] - exact) <= STANDARD_ERRORS * error + 1, (name, estimate[name], exact, error)


def test_at_the_maximum_size_the_preview_reads_a_bounded_sample() -> None:
    inputs = make_inputs("b2c", records=2_000_000)
    result = preview(inputs)
    assert result["estimated"] is True
    assert result["leads"] == 3_600_000
    assert result["sampledLeads"] == 200 * SLOT_SIZE
    assert sum(result["arrivals"]["counts"]) == result["leads"]
