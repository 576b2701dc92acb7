"""The global step: arrivals and companies, decided once for the whole simulation.

Everything here is O(N') numpy and depends only on the inputs, so every worker that builds the plan gets
the same arrays; ``build_plan`` is cached per process because workers call it once per slot.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .distributions import sample_arrivals
from .inputs import SLOT_SIZE, SimulationInputs, lead_count
from .pools import COMPANY_TLDS, INDUSTRIES, pools
from .streams import ARRIVALS, COMPANIES, COMPANY_VALUES, stream

EMPLOYEES_LOG_MEAN = 3.5
EMPLOYEES_LOG_SD = 1.5
EMPLOYEES_MAX = 500_000


def scenario_style(scenario_id: str) -> str:
    """ "b2c" for the B2C preset and presets whose id starts with "b2c-"; "b2b" for every other scenario.

    The style picks arrival shaping (office hours vs evenings/weekends), e-mail addresses (free-mail vs
    the company's domain) and deal names.
    """
    lowered = scenario_id.lower()
    return "b2c" if lowered == "b2c" or lowered.startswith("b2c-") else "b2b"


@dataclass(frozen=True)
class CompanyValues:
    """Cosmetic company values by company key (indexes into the pools, resolved to text per slot)."""

    name_index: np.ndarray
    occurrence: np.ndarray
    """How many earlier companies (by key) share the name: makes domains unique ("smith2.com")."""
    tld_index: np.ndarray
    industry_index: np.ndarray
    employees: np.ndarray
    first_name_offset: np.ndarray
    """Members' first names are first_names[(offset + member rank) % len]: distinct inside a company."""


@dataclass(frozen=True, eq=False)
class Plan:
    """Arrivals (sorted, so lead index == arrival order) and the company of every lead.

    Company keys are numbered in order of their first member's lead index, so the companies a slot owns
    (those whose first member is in it) are a contiguous key range.
    """

    inputs: SimulationInputs
    lead_count: int
    slot_count: int
    scenario_style: str
    arrivals: np.ndarray
    lead_company: np.ndarray
    member_rank: np.ndarray
    company_sizes: np.ndarray
    company_first_lead: np.ndarray

    @property
    def company_count(self) -> int:
        return int(self.company_sizes.size)

    @property
    def company_created_at(self) -> np.ndarray:
        return self.arrivals[self.company_first_lead]

    def slot_leads(self, k: int) -> tuple[int, int]:
        """Lead index range [lo, hi) of slot k."""
        if not 0 <= k < self.slot_count:
            raise IndexError(f"slot {k} out of range 0..{self.slot_count - 1}")
        lo = k * SLOT_SIZE
        return lo, min(lo + SLOT_SIZE, self.lead_count)

    def slot_companies(self, k: int) -> tuple[int, int]:
        """Key range [lo, hi) of the companies slot k owns."""
        lo, hi = self.slot_leads(k)
        first, last = np.searchsorted(self.company_first_lead, [lo, hi])
        return int(first), int(last)

    @functools.cached_property
    def company_values(self) -> CompanyValues:
        rng = stream(self.inputs.seed, COMPANY_VALUES)
        count = self.company_count
        names = rng.integers(0, len(pools().company_names), count)
        tld = rng.integers(0, len(COMPANY_TLDS), count)
        industry = rng.integers(0, len(INDUSTRIES), count)
        raw = np.rint(np.exp(rng.normal(EMPLOYEES_LOG_MEAN, EMPLOYEES_LOG_SD, count)))
        employees = np.maximum(np.minimum(raw, EMPLOYEES_MAX).astype(np.int64), self.company_sizes)
        offset = rng.integers(0, len(pools().first_names), count)
        return CompanyValues(names, _occurrence(names), tld, industry, employees, offset)


def _occurrence(values: np.ndarray) -> np.ndarray:
    """For each position, how many earlier positions hold the same value."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, ordered.size]))
    occurrence = np.empty_like(values)
    occurrence[order] = np.arange(values.size) - group_start
    return occurrence


def _take_from_end(capacity: np.ndarray, amount: int) -> np.ndarray:
    """Take ``amount`` units from ``capacity``, exhausting the last entries first."""
    reverse = capacity[::-1]
    before = np.cumsum(reverse) - reverse
    return np.clip(amount - before, 0, reverse)[::-1]


def company_sizes(total: int, low: int, high: int, rng: np.random.Generator) -> np.ndarray:
    """Sizes uniform in [low, high] drawn until they cover ``total``, then trimmed to sum to exactly it.

    When the trimmed last company would fall below ``low``, the shortfall is taken from the previous
    companies' excess over ``low`` (last ones first); failing that, the remainder is spread over the
    previous companies' room under ``high`` and the last company is dropped. When both fail, no partition
    of ``total`` into sizes within [low, high] exists (e.g. total < low) and the last company stays small.
    """
    draws = rng.integers(low, high + 1, total // low + 2)
    cumulative = np.cumsum(draws)
    count = int(np.searchsorted(cumulative, total)) + 1
    sizes = draws[:count].copy()
    remainder = total - (int(cumulative[count - 2]) if count > 1 else 0)
    sizes[-1] = remainder
    if remainder < low and count > 1:
        previous = sizes[:-1]
        if int((previous - low).sum()) >= low - remainder:
            previous -= _take_from_end(previous - low, low - remainder)
            sizes[-1] = low
        elif int((high - previous).sum()) >= remainder:
            previous += _take_from_end(high - previous, remainder)
            sizes = previous
    return sizes


def plan_arrivals(inputs: SimulationInputs) -> np.ndarray:
    """The plan's arrivals (sorted epoch seconds, one per lead), without the company step: equal to
    ``build_plan(inputs).arrivals``."""
    return sample_arrivals(
        inputs.distribution,
        inputs.params,
        inputs.start,
        inputs.end,
        lead_count(inputs),
        stream(inputs.seed, ARRIVALS),
        scenario_style(inputs.parameters.id),
    )


def plan_company_count(inputs: SimulationInputs) -> int:
    """The plan's number of companies, equal to ``build_plan(inputs).company_count``, without drawing the
    lead -> company permutation (the sizes are the COMPANIES stream's first draws)."""
    low, high = inputs.parameters.contactsPerCompany
    return int(company_sizes(lead_count(inputs), low, high, stream(inputs.seed, COMPANIES)).size)


def _build(inputs: SimulationInputs) -> Plan:
    total = lead_count(inputs)
    style = scenario_style(inputs.parameters.id)
    arrivals = plan_arrivals(inputs)

    rng = stream(inputs.seed, COMPANIES)
    low, high = inputs.parameters.contactsPerCompany
    sizes = company_sizes(total, low, high, rng)
    drawn_company = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)[rng.permutation(total)]

    # Renumber companies by their first member so keys follow first appearance.
    _, first_lead = np.unique(drawn_company, return_index=True)
    order = np.argsort(first_lead, kind="stable")
    renumber = np.empty(sizes.size, dtype=np.int64)
    renumber[order] = np.arange(sizes.size, dtype=np.int64)
    lead_company = renumber[drawn_company]
    sizes = sizes[order].astype(np.int64)
    first_lead = first_lead[order].astype(np.int64)

    by_company = np.argsort(lead_company, kind="stable")
    group_start = np.repeat(np.cumsum(sizes) - sizes, sizes)
    member_rank = np.empty(total, dtype=np.int64)
    member_rank[by_company] = np.arange(total, dtype=np.int64) - group_start

    return Plan(
        inputs=inputs,
        lead_count=total,
        slot_count=-(-total // SLOT_SIZE),
        scenario_style=style,
        arrivals=arrivals,
        lead_company=lead_company,
        member_rank=member_rank,
        company_sizes=sizes,
        company_first_lead=first_lead,
    )


@functools.lru_cache(maxsize=4)
def build_plan(inputs: SimulationInputs) -> Plan:
    """The plan of ``inputs`` (cached: the last four per process)."""
    return _build(inputs)
