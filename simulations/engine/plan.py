"""The global step: arrivals, companies and account-level decisions, made once for the whole simulation.

Everything here is O(N') numpy and depends only on the inputs, so every worker that builds the plan gets
the same arrays; ``build_plan`` is cached per process because workers call it once per slot. Besides arrivals
and companies, the plan runs every slot's funnel/deal draws (``lead_timelines``) to decide, per account, who
opens a deal, who joins one and each deal's committee (``accounts``), and sizes the sales team: all structure,
so count mode knows them too. Cosmetic values are built lazily (``values``) on first use in write mode.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .accounts import Committees, Team, build_committees, build_team, resolve_deals
from .blocks import compact
from .distributions import sample_arrivals
from .inputs import SLOT_SIZE, SimulationInputs, lead_count
from .localtime import CITY_ZONE
from .streams import ARRIVALS, COMPANIES, scenario_key, stream
from .trajectories import lead_timelines
from .values import (
    CompanyValues,
    OwnerValues,
    PersonValues,
    company_cities,
    company_values,
    owner_values,
    person_values,
)


def scenario_style(scenario_id: str) -> str:
    """ "b2c" for the B2C preset and presets whose id starts with "b2c-"; "b2b" for every other scenario.

    The style picks arrival shaping (office hours vs evenings/weekends), accounts (companies vs households),
    the pipeline, price book, team and the value mixes (docs/engine.md "Realism").
    """
    lowered = scenario_id.lower()
    return "b2c" if lowered == "b2c" or lowered.startswith("b2c-") else "b2b"


@dataclass(frozen=True, eq=False)
class Plan:
    """Arrivals (sorted, so lead index == arrival order), the company of every lead, and account decisions.

    Company keys are numbered in order of their first member's lead index, so the companies a slot owns
    (those whose first member is in it) are a contiguous key range. A deal's key is the key of the lead that
    opened it, so the deals (and committee rows) a slot writes are those of its own leads.
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
    lead_zone: np.ndarray
    """(N,) index into localtime.ZONES: the time zone of the lead's company city."""
    opportunity_at: np.ndarray
    deal_close: np.ndarray
    """(N,) close time of the deal each lead would open (the deal's close when the lead opens it)."""
    deal_won: np.ndarray
    deal_of: np.ndarray
    existing_business: np.ndarray
    committees: Committees
    team: Team

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

    @property
    def value_key(self) -> int:
        return scenario_key(self.inputs.parameters.id)

    @functools.cached_property
    def company_values(self) -> CompanyValues:
        return company_values(self.inputs.seed, self.value_key, self.scenario_style, self.company_sizes, self.team)

    @functools.cached_property
    def person_values(self) -> PersonValues:
        return person_values(
            self.inputs.seed,
            self.value_key,
            self.scenario_style,
            self.lead_company,
            self.member_rank,
            self.company_values,
            self.team,
        )

    @functools.cached_property
    def owner_values(self) -> OwnerValues:
        return owner_values(self.inputs.seed, self.value_key, self.team)


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
    del drawn_company  # temporaries of N int64 are freed as soon as possible: they set the build's peak
    sizes = sizes[order].astype(np.int64)
    first_lead = first_lead[order].astype(np.int64)

    by_company = np.argsort(lead_company, kind="stable")
    member_rank = np.empty(total, dtype=np.int64)
    member_rank[by_company] = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    member_rank = compact(member_rank)

    cities = company_cities(inputs.seed, scenario_key(inputs.parameters.id), style, int(sizes.size))
    lead_zone = CITY_ZONE[cities[lead_company]]
    slot_count = -(-total // SLOT_SIZE)
    opportunity_at = np.empty(total, dtype=np.int64)
    deal_close = np.empty(total, dtype=np.int64)
    deal_won = np.empty(total, dtype=bool)
    for k in range(slot_count):
        lo, hi = k * SLOT_SIZE, min((k + 1) * SLOT_SIZE, total)
        timelines = lead_timelines(inputs, style, arrivals[lo:hi], lead_zone[lo:hi], k, amounts=False)
        opportunity_at[lo:hi] = timelines.opportunity_at
        deal_close[lo:hi] = timelines.close_time
        deal_won[lo:hi] = timelines.won
    deals = resolve_deals(lead_company, opportunity_at, deal_close, deal_won, inputs.end)
    committees = build_committees(
        inputs.seed, style, lead_company, arrivals, opportunity_at, deals.deal_of, sizes, by_company
    )

    return Plan(
        inputs=inputs,
        lead_count=total,
        slot_count=slot_count,
        scenario_style=style,
        arrivals=arrivals,
        lead_company=lead_company,
        member_rank=member_rank,
        company_sizes=sizes,
        company_first_lead=first_lead,
        lead_zone=lead_zone,
        opportunity_at=opportunity_at,
        deal_close=deal_close,
        deal_won=deal_won,
        deal_of=deals.deal_of,
        existing_business=deals.existing,
        committees=committees,
        team=build_team(style, int(sizes.size), total),
    )


@functools.lru_cache(maxsize=4)
def build_plan(inputs: SimulationInputs) -> Plan:
    """The plan of ``inputs`` (cached: the last four per process)."""
    return _build(inputs)
