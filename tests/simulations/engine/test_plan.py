from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulations.engine import build_plan, scenario_style
from simulations.engine.plan import company_sizes
from simulations.engine.streams import COMPANIES, stream

from .support import concat, generate_by_slot, make_inputs, parameters


def _partition_exists(total: int, low: int, high: int) -> bool:
    return any(c * low <= total <= c * high for c in range(1, total // low + 1))


@settings(max_examples=200, deadline=None)
@given(total=st.integers(1, 3000), low=st.integers(1, 12), extra=st.integers(0, 12), seed=st.integers(0, 99))
def test_company_sizes_sum_to_the_lead_count_and_stay_in_range_whenever_possible(total, low, extra, seed):
    high = low + extra
    sizes = company_sizes(total, low, high, stream(seed, COMPANIES))
    assert sizes.sum() == total
    assert (sizes[:-1] >= low).all() and (sizes <= high).all() and sizes[-1] >= 1
    if _partition_exists(total, low, high):
        assert sizes[-1] >= low
    else:
        assert sizes.size == 1 or sizes[-1] < low


def test_a_company_smaller_than_the_minimum_only_when_no_partition_exists():
    assert list(company_sizes(2, 3, 7, stream(0, COMPANIES))) == [2]
    assert company_sizes(5, 3, 4, stream(0, COMPANIES)).sum() == 5


def test_companies_are_numbered_by_first_member_and_owned_by_its_slot():
    plan = build_plan(make_inputs(records=6000, seed=3))
    first_member = np.full(plan.company_count, plan.lead_count)
    np.minimum.at(first_member, plan.lead_company, np.arange(plan.lead_count))
    assert (first_member == plan.company_first_lead).all()
    assert (np.diff(plan.company_first_lead) > 0).all()
    assert (np.bincount(plan.lead_company) == plan.company_sizes).all()
    ranges = [plan.slot_companies(k) for k in range(plan.slot_count)]
    assert ranges[0][0] == 0 and ranges[-1][1] == plan.company_count
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert (plan.company_created_at == plan.arrivals[plan.company_first_lead]).all()


def test_company_members_are_spread_over_the_window():
    inputs = make_inputs(records=8000, seed=12)
    plan = build_plan(inputs)
    big = plan.company_sizes >= 5
    spread = np.zeros(plan.company_count)
    np.maximum.at(spread, plan.lead_company, plan.arrivals.astype(float))
    spread -= plan.company_created_at
    assert np.median(spread[big]) > 0.4 * (inputs.end - inputs.start)


def test_members_of_a_company_have_distinct_first_names():
    contacts = concat(generate_by_slot(make_inputs(records=4000, seed=6)), "contacts")
    pairs = set(zip(contacts["company_key"].tolist(), contacts["first_name"].tolist(), strict=True))
    assert len(pairs) == contacts["key"].size


def test_plans_are_cached_per_inputs():
    inputs = make_inputs(records=300, seed=77)
    assert build_plan(inputs) is build_plan(make_inputs(records=300, seed=77))
    assert build_plan(inputs) is not build_plan(make_inputs(records=300, seed=78))


def test_the_scenario_style_comes_from_the_scenario_id():
    assert scenario_style("b2c") == scenario_style("B2C") == scenario_style("b2c-holiday") == "b2c"
    assert scenario_style("b2b") == scenario_style("enterprise") == scenario_style("b2cx") == "b2b"
    assert parameters("b2c").id == "b2c"
