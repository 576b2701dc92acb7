"""Count mode and write mode over slots, plus the preview.

Count mode (``count_slot``/``count_plan``) runs only the structure streams; write mode (``generate_slot``)
runs the same structure and then the slot's value stream for cosmetic text. Both read the same
``SlotStructure``, so their counts are equal by construction.

Columns are numpy arrays: integers and timestamps int64 (``is_won`` int8), text as object arrays of Python
``str``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from crmsim.vocabulary import DEAL_STAGES, LIFECYCLE_STAGES

from .inputs import RECORD_TYPES, SimulationInputs
from .plan import Plan, build_plan
from .pools import (
    ACTIVITY_TYPES,
    COMPANY_TLDS,
    DEAL_PRODUCTS_B2B,
    DEAL_PRODUCTS_B2C,
    FREE_MAIL_DOMAINS,
    SUBJECTS_PER_TYPE,
    pools,
)
from .streams import SLOT_VALUES, stream
from .trajectories import (
    MAX_ACTIVITIES_PER_LEAD,
    SlotStructure,
    slot_structure,
    structure_counts,
)

Columns = dict[str, np.ndarray]

_LIFECYCLE = np.array(LIFECYCLE_STAGES, dtype=object)
_LIFECYCLE_FROM = np.array(("", *LIFECYCLE_STAGES[:-1]), dtype=object)
_DEAL = np.array((*DEAL_STAGES, ""), dtype=object)  # index -1 -> "" (the first event's from_stage)
_ACTIVITY = np.array(ACTIVITY_TYPES, dtype=object)
_TLDS = np.array(COMPANY_TLDS, dtype=object)
_FREE_MAIL = np.array(FREE_MAIL_DOMAINS, dtype=object)


@dataclass(frozen=True)
class SlotData:
    """Write-mode output of one slot: one column dict per record type, rows sorted by natural key.

    ``companies`` holds every company the slot's contacts reference (not only the ones it owns), so a
    slot can be committed alone; upsert them with ON CONFLICT DO NOTHING.
    """

    slot: int
    companies: Columns
    contacts: Columns
    deals: Columns
    activities: Columns
    lifecycle_events: Columns
    deal_stage_events: Columns

    def rows(self, record_type: str) -> int:
        columns: Columns = getattr(self, record_type)
        return len(next(iter(columns.values())))


@dataclass(frozen=True)
class PlanCounts:
    totals: dict[str, int]
    per_slot: np.ndarray
    """(slot_count, 6) int64, columns in RECORD_TYPES order."""
    first_event_at: np.ndarray
    """(slot_count,) int64: the slot's first arrival (its earliest event)."""
    last_event_at: np.ndarray
    """(slot_count,) int64: the slot's latest generated event (any record type)."""


def count_slot(plan: Plan, k: int) -> dict[str, int]:
    """Rows slot k writes per record type (companies: only those it owns). Structure streams only."""
    return dict(zip(RECORD_TYPES, structure_counts(plan, k, slot_structure(plan, k)), strict=True))


def count_plan(inputs: SimulationInputs) -> PlanCounts:
    """Exact planned counts of the whole simulation, per slot and in total."""
    plan = build_plan(inputs)
    per_slot = np.zeros((plan.slot_count, len(RECORD_TYPES)), dtype=np.int64)
    first = np.zeros(plan.slot_count, dtype=np.int64)
    last = np.zeros(plan.slot_count, dtype=np.int64)
    for k in range(plan.slot_count):
        s = slot_structure(plan, k)
        per_slot[k] = structure_counts(plan, k, s)
        first[k] = s.arrival[0]
        last[k] = s.last_event_at()
    totals = dict(zip(RECORD_TYPES, (int(v) for v in per_slot.sum(axis=0)), strict=True))
    return PlanCounts(totals=totals, per_slot=per_slot, first_event_at=first, last_event_at=last)


# --- write mode --------------------------------------------------------------------------------------------


def _slug(values: np.ndarray) -> np.ndarray:
    """Email-safe lower-case form of a pool: "O'Connor" -> "oconnor"."""
    return np.array(["".join(c for c in v.lower() if c.isalnum()) for v in values], dtype=object)


@dataclass(frozen=True)
class _Slugs:
    first: np.ndarray
    last: np.ndarray


def company_columns(plan: Plan, keys: np.ndarray) -> Columns:
    """The company rows for ``keys`` (a pure function of the plan)."""
    values = plan.company_values
    pool = pools()
    names = pool.company_names[values.name_index[keys]]
    stems = pool.company_stems[values.name_index[keys]]
    occurrence = values.occurrence[keys]
    tlds = _TLDS[values.tld_index[keys]]
    domains = np.array(
        [f"{stem}{n + 1 if n else ''}.{tld}" for stem, n, tld in zip(stems, occurrence, tlds, strict=True)],
        dtype=object,
    )
    return {
        "key": keys.astype(np.int64),
        "name": names,
        "domain": domains,
        "industry": pool.industries[values.industry_index[keys]],
        "employees": values.employees[keys],
        "created_at": plan.company_created_at[keys],
    }


def _lifecycle_events(s: SlotStructure) -> Columns:
    row, seq = np.nonzero(s.lifecycle_kept)
    return {
        "contact_key": s.keys[row],
        "seq": seq.astype(np.int64),
        "from_stage": _LIFECYCLE_FROM[seq],
        "to_stage": _LIFECYCLE[seq],
        "occurred_at": s.lifecycle_times[row, seq],
    }


def _deal_stage_events(s: SlotStructure) -> Columns:
    row, seq = np.nonzero(s.deal_events_kept)
    previous = np.where(seq > 0, s.deal_codes[row, np.maximum(seq - 1, 0)], -1)
    return {
        "deal_key": s.keys[row],
        "seq": seq.astype(np.int64),
        "from_stage": _DEAL[previous],
        "to_stage": _DEAL[s.deal_codes[row, seq]],
        "occurred_at": s.deal_times[row, seq],
    }


def generate_slot(plan: Plan, k: int) -> SlotData:
    """Every row of slot k, as columns sorted by natural key. Deterministic in (inputs, k)."""
    s = slot_structure(plan, k)
    pool = pools()
    n = s.size
    rng = stream(plan.inputs.seed, SLOT_VALUES, k)
    last_index = rng.integers(0, len(pool.last_names), n)
    title_index = rng.integers(0, len(pool.job_titles), n)
    phone = rng.integers((201, 200, 0), (990, 1000, 10_000), (n, 3))
    mail_index = rng.integers(0, len(FREE_MAIL_DOMAINS), n)
    product = rng.integers(0, 10_000, n)
    subject_index = rng.integers(0, SUBJECTS_PER_TYPE, s.activity_time.size)

    company_key = plan.lead_company[s.lo : s.hi]
    companies = company_columns(plan, np.unique(company_key))
    company_row = np.searchsorted(companies["key"], company_key)

    values = plan.company_values
    rank = plan.member_rank[s.lo : s.hi]
    first_count = len(pool.first_names)
    first_index = (values.first_name_offset[company_key] + rank) % first_count
    repeat = rank // first_count  # only for companies larger than the first-name pool
    first_names = pool.first_names[first_index]
    last_names = pool.last_names[last_index]
    first_slugs = _slugs().first[first_index]
    last_slugs = _slugs().last[last_index]
    if plan.scenario_style == "b2c":
        mail = _FREE_MAIL[mail_index]
        emails = [
            f"{f}.{la}{key}@{d}" for f, la, key, d in zip(first_slugs, last_slugs, s.keys.tolist(), mail, strict=True)
        ]
    else:
        domains = companies["domain"][company_row]
        emails = [
            f"{f}.{la}{r if r else ''}@{d}"
            for f, la, r, d in zip(first_slugs, last_slugs, repeat.tolist(), domains, strict=True)
        ]
    phones = [f"+1-{a:03d}-{b:03d}-{c:04d}" for a, b, c in phone.tolist()]
    contacts = {
        "key": s.keys,
        "company_key": company_key,
        "first_name": first_names,
        "last_name": last_names,
        "email": np.array(emails, dtype=object),
        "phone": np.array(phones, dtype=object),
        "job_title": pool.job_titles[title_index],
        "lifecycle_stage": _LIFECYCLE[s.final_stage],
        "created_at": s.arrival,
    }

    d = np.flatnonzero(s.deal_kept)
    if plan.scenario_style == "b2c":
        products = np.array(DEAL_PRODUCTS_B2C, dtype=object)[product[d] % len(DEAL_PRODUCTS_B2C)]
        owners = [f"{f} {la}" for f, la in zip(first_names[d], last_names[d], strict=True)]
    else:
        products = np.array(DEAL_PRODUCTS_B2B, dtype=object)[product[d] % len(DEAL_PRODUCTS_B2B)]
        owners = companies["name"][company_row[d]].tolist()
    closed = s.closed[d]
    deals = {
        "key": s.keys[d],
        "contact_key": s.keys[d],
        "company_key": company_key[d],
        "name": np.array([f"{o} - {p}" for o, p in zip(owners, products, strict=True)], dtype=object),
        "amount_cents": s.amount_cents[d],
        "dealstage": _DEAL[s.deal_final_code[d]],
        "created_at": s.lifecycle_times[d, 4],
        "closed_at": np.where(closed, s.close_time[d], -1),
        "is_won": np.where(closed, s.won[d].astype(np.int8), np.int8(-1)).astype(np.int8),
    }

    lead, time, kind = s.activity_lead, s.activity_time, s.activity_kind
    order = np.lexsort((kind, time, lead))
    lead, time, kind, subject_index = lead[order], time[order], kind[order], subject_index[order]
    j = np.arange(lead.size) - np.searchsorted(lead, np.arange(n))[lead]
    deal_created = s.lifecycle_times[:, 4]
    on_deal = s.deal_kept[lead] & (time >= deal_created[lead])
    activities = {
        "key": s.keys[lead] * MAX_ACTIVITIES_PER_LEAD + j,
        "contact_key": s.keys[lead],
        "deal_key": np.where(on_deal, s.keys[lead], -1),
        "type": _ACTIVITY[kind],
        "subject": pool.subjects[kind * SUBJECTS_PER_TYPE + subject_index],
        "occurred_at": time,
    }

    return SlotData(
        slot=k,
        companies=companies,
        contacts=contacts,
        deals=deals,
        activities=activities,
        lifecycle_events=_lifecycle_events(s),
        deal_stage_events=_deal_stage_events(s),
    )


@functools.lru_cache(maxsize=1)
def _slugs() -> _Slugs:
    return _Slugs(_slug(pools().first_names), _slug(pools().last_names))


def generate_dataset(inputs: SimulationInputs) -> Iterator[SlotData]:
    """Every slot of the simulation, in slot order."""
    plan = build_plan(inputs)
    for k in range(plan.slot_count):
        yield generate_slot(plan, k)


# --- preview -----------------------------------------------------------------------------------------------


def preview(inputs: SimulationInputs, bins: int = 50) -> dict:
    """What a simulation would produce, without writing anything (runs count mode over the whole plan).

    ``arrivals.edges`` are ISO-8601 UTC strings (bins + 1 of them, equal bins over the window);
    amounts are decimal strings; ``expectedWinRate`` is the scenario's dealWinRateBase and
    ``realizedWinRate`` won / (won + lost) inside the window (None when nothing closed).
    """
    from .digest import format_amount, format_timestamp

    plan = build_plan(inputs)
    totals = np.zeros(len(RECORD_TYPES), dtype=np.int64)
    won = lost = open_ = 0
    won_cents = pipeline_cents = 0
    for k in range(plan.slot_count):
        s = slot_structure(plan, k)
        totals += structure_counts(plan, k, s)
        closed_won = s.closed & s.won
        closed_lost = s.closed & ~s.won
        still_open = s.deal_kept & ~s.closed
        won += int(closed_won.sum())
        lost += int(closed_lost.sum())
        open_ += int(still_open.sum())
        won_cents += int(s.amount_cents[closed_won].sum())
        pipeline_cents += int(s.amount_cents[still_open].sum())
    edges = inputs.start + (np.arange(bins + 1, dtype=np.int64) * (inputs.end - inputs.start)) // bins
    counts = np.diff(np.searchsorted(plan.arrivals, edges))
    return {
        "leads": plan.lead_count,
        "planned": dict(zip(RECORD_TYPES, (int(v) for v in totals), strict=True)),
        "arrivals": {
            "bins": bins,
            "edges": [format_timestamp(int(e)) for e in edges],
            "counts": [int(c) for c in counts],
        },
        "deals": {
            "won": won,
            "lost": lost,
            "open": open_,
            "wonAmount": format_amount(won_cents),
            "pipelineAmount": format_amount(pipeline_cents),
            "expectedWinRate": inputs.parameters.dealWinRateBase,
            "realizedWinRate": won / (won + lost) if won + lost else None,
        },
    }
