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
from .arrivals import local_arrivals
from .blocks import compact, uniform_blocks
from .distributions import sample_arrivals
from .inputs import SLOT_SIZE, SimulationInputs, lead_count
from .localtime import CITY_ZONE, window_calendar
from .outcomes import OutcomeDrivers, outcome_drivers
from .streams import ARRIVAL_CLOCK, ARRIVALS, COMPANIES, scenario_key, stream
from .trajectories import lead_timelines
from .values import (
    CompanyValues,
    Firmographics,
    OwnerValues,
    PersonValues,
    account_owners,
    company_firmographics,
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
    place_order: np.ndarray
    """(companies,) company key -> the index of its place (country, city) in the value stream's draw order."""
    opportunity_at: np.ndarray
    deal_close: np.ndarray
    """(N,) close time of the deal each lead would open (the deal's close when the lead opens it)."""
    deal_won: np.ndarray
    deal_of: np.ndarray
    existing_business: np.ndarray
    committees: Committees
    team: Team
    outcome_drivers: OutcomeDrivers
    """Per lead: its account's size score and owner; per owner: skills (``outcomes``)."""

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
        return company_values(
            self.inputs.seed, self.value_key, self.scenario_style, self.company_sizes, self.team, self.place_order
        )

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


@dataclass(frozen=True)
class _Placed:
    """Arrivals in local time (sorted) and the companies of the leads, numbered by first member."""

    arrivals: np.ndarray
    lead_company: np.ndarray
    sizes: np.ndarray
    first_lead: np.ndarray
    lead_zone: np.ndarray
    place_order: np.ndarray
    firms: Firmographics
    """Every company's firmographics by its (final) key."""


def _by_first_member(drawn: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lead -> company renumbered by first member, first lead of each, old number of each new one)``."""
    _, first_lead = np.unique(drawn, return_index=True)
    order = np.argsort(first_lead, kind="stable")
    renumber = np.empty(sizes.size, dtype=np.int64)
    renumber[order] = np.arange(sizes.size, dtype=np.int64)
    return renumber[drawn], first_lead[order].astype(np.int64), order


def _placed(inputs: SimulationInputs) -> _Placed:
    """The arrivals, the lead -> company partition and every company's place, decided together.

    The distribution draws UTC times (ARRIVALS); companies partition the leads in that order (COMPANIES) and
    draw their places (COMPANY_VALUES' first draws); each lead's time then moves into its zone's local time
    (``arrivals.local_arrivals``, ARRIVAL_CLOCK). The moved times are sorted again (stably, carrying each lead's
    company), so lead index == arrival order still, and the companies are renumbered by first member with their
    places carried along (``place_order``).
    """
    total = lead_count(inputs)
    style = scenario_style(inputs.parameters.id)
    drawn_times = sample_arrivals(
        inputs.distribution, inputs.params, inputs.start, inputs.end, total, stream(inputs.seed, ARRIVALS)
    )
    rng = stream(inputs.seed, COMPANIES)
    low, high = inputs.parameters.contactsPerCompany
    drawn_sizes = company_sizes(total, low, high, rng)
    drawn_company = np.repeat(np.arange(drawn_sizes.size, dtype=np.int64), drawn_sizes)[rng.permutation(total)]
    firms = company_firmographics(inputs.seed, scenario_key(inputs.parameters.id), style, int(drawn_sizes.size))
    zone = CITY_ZONE[firms.city[drawn_company]]
    cal = window_calendar(inputs.start, inputs.end, inputs.parameters.seasonalSlowdown)

    def move(lo: int, hi: int, u: np.ndarray) -> np.ndarray:
        return local_arrivals(
            drawn_times[lo:hi], zone[lo:hi], inputs.distribution, style, u, cal, inputs.start, inputs.end
        )

    # Lead by lead, so in row blocks of the uniforms (blocks.py: the same numbers): the calendar lookups'
    # temporaries are a block's, not ~180 bytes per lead at once (+180 MB at 1M leads).
    local = uniform_blocks(stream(inputs.seed, ARRIVAL_CLOCK), total, move, width=3)
    order = np.argsort(local, kind="stable")
    lead_company, first_lead, place_order = _by_first_member(drawn_company[order], drawn_sizes)
    return _Placed(
        arrivals=local[order],
        lead_company=lead_company,
        sizes=drawn_sizes[place_order].astype(np.int64),
        first_lead=first_lead,
        lead_zone=zone[order],
        place_order=place_order,
        firms=firms.take(place_order),
    )


def plan_arrivals(inputs: SimulationInputs) -> np.ndarray:
    """The plan's arrivals (sorted epoch seconds, one per lead, in each lead's local time): equal to
    ``build_plan(inputs).arrivals``."""
    return _placed(inputs).arrivals


def plan_company_count(inputs: SimulationInputs) -> int:
    """The plan's number of companies, equal to ``build_plan(inputs).company_count``, without drawing the
    lead -> company permutation (the sizes are the COMPANIES stream's first draws)."""
    low, high = inputs.parameters.contactsPerCompany
    return int(company_sizes(lead_count(inputs), low, high, stream(inputs.seed, COMPANIES)).size)


def _build(inputs: SimulationInputs) -> Plan:
    total = lead_count(inputs)
    style = scenario_style(inputs.parameters.id)
    placed = _placed(inputs)
    arrivals, lead_company, sizes, first_lead = placed.arrivals, placed.lead_company, placed.sizes, placed.first_lead
    lead_zone = placed.lead_zone

    by_company = np.argsort(lead_company, kind="stable")
    member_rank = np.empty(total, dtype=np.int64)
    member_rank[by_company] = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    member_rank = compact(member_rank)

    firms = placed.firms
    team = build_team(style, int(sizes.size), total)
    owners = account_owners(team, firms.country)
    drivers = outcome_drivers(inputs.seed, lead_company, firms.size_score, owners, team.size)
    slot_count = -(-total // SLOT_SIZE)
    opportunity_at = np.empty(total, dtype=np.int64)
    deal_close = np.empty(total, dtype=np.int64)
    deal_won = np.empty(total, dtype=bool)
    for k in range(slot_count):
        lo, hi = k * SLOT_SIZE, min((k + 1) * SLOT_SIZE, total)
        timelines = lead_timelines(
            inputs, style, arrivals[lo:hi], lead_zone[lo:hi], k, drivers.slice(lo, hi), amounts=False
        )
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
        place_order=placed.place_order,
        opportunity_at=opportunity_at,
        deal_close=deal_close,
        deal_won=deal_won,
        deal_of=deals.deal_of,
        existing_business=deals.existing,
        committees=committees,
        team=team,
        outcome_drivers=drivers,
    )


@functools.lru_cache(maxsize=4)
def build_plan(inputs: SimulationInputs) -> Plan:
    """The plan of ``inputs`` (cached: the last four per process)."""
    return _build(inputs)
