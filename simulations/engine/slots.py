"""Count mode and write mode over slots, plus the preview.

Count mode (``count_slot``/``count_plan``) runs only the structure streams; write mode (``generate_slot``)
runs the same structure and then the slot's value stream for cosmetic text. Both read the same
``SlotStructure``, so their counts are equal by construction.

Columns are numpy arrays: integers and timestamps int64 (``is_won`` int8), text as object arrays of Python
``str``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from crmsim.vocabulary import LIFECYCLE_STAGES

from .accounts import build_team
from .catalog import (
    BLANK_RATES,
    COUNTRIES,
    LOST_REASON_WEIGHTS,
    LOST_REASONS,
    OPEN_STAGES,
    PIPELINES,
    PRICE_BOOKS,
    SOURCES,
    STAGE_PROBABILITY,
)
from .engagements import activity_values
from .inputs import RECORD_TYPES, SimulationInputs, lead_count
from .paths import AFTER_STATUS, ENTER_OTHER, Path, close_dates
from .plan import Plan, build_plan, plan_arrivals, plan_company_count, scenario_style
from .pools import pools
from .records import company_columns, company_domains, owner_columns, phones
from .streams import SLOT_VALUES, stream
from .touches import MARKETING, activity_phases
from .trajectories import DAY, MAX_ACTIVITIES_PER_LEAD, SlotStructure, slot_structure
from .values import CITY_TIMEZONE, COUNTRY_CODE

Columns = dict[str, np.ndarray]

_LIFECYCLE = np.array(LIFECYCLE_STAGES, dtype=object)
_LIFECYCLE_FROM = np.array((*LIFECYCLE_STAGES, ""), dtype=object)  # index -1 -> "" (the first event)
_SOURCES = np.array(SOURCES, dtype=object)
_B2B_OTHER_ROLES = np.array(("influencer", "budget_holder", "technical_evaluator", "end_user"), dtype=object)
_B2B_OTHER_WEIGHTS = np.cumsum((0.4, 0.2, 0.25, 0.15))
EXPECTED_CLOSE_LOG_SD = 0.3
"""Reps' expected close date: created + avgSalesCycleDays x lognormal(0, 0.3), on a whole day (UTC)."""


def deal_stage_names(style: str) -> np.ndarray:
    """Stage id by code (open stages, closedwon, closedlost), then "" at index -1."""
    return np.array((*OPEN_STAGES[style], "closedwon", "closedlost", ""), dtype=object)


_STATUS_BUCKETS = 20
_PROGRESS = {
    0: (("NEW", 1.0),),
    1: (("OPEN", 0.5), ("ATTEMPTED_TO_CONTACT", 0.5)),
    2: (("CONNECTED", 0.6), ("IN_PROGRESS", 0.4)),
    3: (("IN_PROGRESS", 1.0),),
    4: (("OPEN_DEAL", 1.0),),
    5: (("CONNECTED", 1.0),),
}
_STOPPED = {
    0: (("NEW", 0.6), ("UNQUALIFIED", 0.4)),
    1: (("ATTEMPTED_TO_CONTACT", 0.5), ("UNQUALIFIED", 0.35), ("BAD_TIMING", 0.15)),
    2: (("UNQUALIFIED", 0.5), ("BAD_TIMING", 0.5)),
    3: (("BAD_TIMING", 0.6), ("UNQUALIFIED", 0.4)),
}
"""HubSpot lead status set by each lifecycle step: while the lead moves on (_PROGRESS), and at the step where
it stops (_STOPPED: the rep gives up or disqualifies). Shares are assumptions."""


def _status_table() -> np.ndarray:
    table = np.empty((6, 2, _STATUS_BUCKETS), dtype=object)
    for stopped, spec in ((0, _PROGRESS), (1, _STOPPED)):
        for stage in range(6):
            options = spec.get(stage, _PROGRESS[stage])
            bounds = np.cumsum([share for _, share in options]) * _STATUS_BUCKETS
            names = [name for name, _ in options]
            for bucket in range(_STATUS_BUCKETS):
                table[stage, stopped, bucket] = names[int(np.searchsorted(bounds, bucket + 0.5))]
    return table


LEAD_STATUS_TABLE = _status_table()


@dataclass(frozen=True)
class SlotData:
    """Write-mode output of one slot: one column dict per record type, rows sorted by natural key.

    ``owners`` and ``companies`` hold every owner and every company the slot's rows reference (not only the
    ones it owns), so a slot can be committed alone; upsert them with ON CONFLICT DO NOTHING. Some columns are
    not written but drive live-pace state: ``lifecycle_events.lead_status``, ``deal_stage_events.probability``,
    ``.close_date`` and ``.lost_reason`` (the state each event sets) and ``deal_contacts.associated_at``.
    """

    slot: int
    owners: Columns
    companies: Columns
    contacts: Columns
    deals: Columns
    deal_contacts: Columns
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
    """(slot_count, len(RECORD_TYPES)) int64, columns in RECORD_TYPES order."""
    first_event_at: np.ndarray
    """(slot_count,) int64: the slot's first arrival (its earliest event)."""
    last_event_at: np.ndarray
    """(slot_count,) int64: the slot's latest generated event (any record type)."""


def structure_counts(plan: Plan, k: int, s: SlotStructure) -> tuple[int, ...]:
    """Rows per RECORD_TYPES for slot k (owners: slot 0; companies: only those it owns)."""
    first, last = plan.slot_companies(k)
    lo, hi = plan.committees.slot_rows(s.lo, s.hi)
    return (
        plan.team.size if k == 0 else 0,
        last - first,
        s.size,
        int(s.deal_kept.sum()),
        hi - lo,
        int(s.activity_time.size),
        int(s.path_kept.sum()),
        int(s.deal_events_kept.sum()),
    )


def count_slot(plan: Plan, k: int) -> dict[str, int]:
    """Rows slot k writes per record type (owners and companies: only those it owns). Structure only."""
    return dict(zip(RECORD_TYPES, structure_counts(plan, k, slot_structure(plan, k, amounts=False)), strict=True))


def count_plan(inputs: SimulationInputs) -> PlanCounts:
    """Exact planned counts of the whole simulation, per slot and in total."""
    plan = build_plan(inputs)
    per_slot = np.zeros((plan.slot_count, len(RECORD_TYPES)), dtype=np.int64)
    first = np.zeros(plan.slot_count, dtype=np.int64)
    last = np.zeros(plan.slot_count, dtype=np.int64)
    for k in range(plan.slot_count):
        s = slot_structure(plan, k, amounts=False)
        per_slot[k] = structure_counts(plan, k, s)
        first[k] = s.arrival[0]
        last[k] = s.last_event_at()
    totals = dict(zip(RECORD_TYPES, (int(v) for v in per_slot.sum(axis=0)), strict=True))
    return PlanCounts(totals=totals, per_slot=per_slot, first_event_at=first, last_event_at=last)


# --- write mode --------------------------------------------------------------------------------------------


def _by_locale(country: np.ndarray, index: np.ndarray, field: str) -> np.ndarray:
    """``pools().locales[country].<field>[index]`` row by row."""
    out = np.empty(index.size, dtype=object)
    for c in range(len(COUNTRIES)):
        rows = np.flatnonzero(country == c)
        if rows.size:
            out[rows] = getattr(pools().locales[c], field)[index[rows]]
    return out


def _emails(plan: Plan, keys: np.ndarray, company_key: np.ndarray, country: np.ndarray) -> list[str]:
    """B2B: first.last@ the company's domain (first names are distinct within a company); B2C: the plan's
    free-mail address."""
    pv = plan.person_values
    if plan.scenario_style == "b2c":
        return list(pv.mail_local[keys])
    first = _by_locale(country, pv.first[keys], "first_slugs")
    last = _by_locale(country, pv.last[keys], "last_slugs")
    domains = company_domains(plan, company_key)
    return [f"{f}.{la}@{d}" for f, la, d in zip(first, last, domains, strict=True)]


def _lifecycle_events(s: SlotStructure, lead_status: np.ndarray) -> Columns:
    path = s.lifecycle_path
    row, seq = np.nonzero(s.path_kept)
    code = path.codes[row, seq]
    return {
        "contact_key": s.keys[row],
        "seq": seq.astype(np.int64),
        "from_stage": _LIFECYCLE_FROM[np.where(seq > 0, path.codes[row, np.maximum(seq - 1, 0)], -1)],
        "to_stage": _LIFECYCLE[code],
        "occurred_at": path.times[row, seq],
        "lead_status": lead_status[row, seq],
    }


def _lead_status(plan: Plan, s: SlotStructure) -> np.ndarray:
    """(n, 7): the lead status each lifecycle event sets, in the path's order ("" for contacts whose status is
    left blank, and for partners and vendors created as other)."""
    pv = plan.person_values
    depth = s.timelines.depth
    stopped = (np.arange(6)[None, :] == depth[:, None]) & (depth[:, None] < 4)
    bucket = np.minimum((pv.status_u[s.lo : s.hi] * _STATUS_BUCKETS).astype(np.int64), _STATUS_BUCKETS - 1)
    ladder = LEAD_STATUS_TABLE[np.arange(6)[None, :], stopped.astype(np.int64), bucket[:, None]]
    status = np.column_stack((ladder, AFTER_STATUS[s.after_kind]))
    status[s.timelines.paths.entry == ENTER_OTHER, 0] = ""
    status = np.take_along_axis(status, s.lifecycle_path.source, axis=1)
    return np.where(pv.status_blank[s.lo : s.hi, None], "", status).astype(object)


def _committee_roles(plan: Plan, deal_key: np.ndarray, contact_key: np.ndarray, primary: np.ndarray, u) -> np.ndarray:
    """B2C: the buyer and household members. B2B: the primary contact is the champion (the decision maker
    when alone and a VP or above); among the others the most senior is the decision maker, the rest are
    influencers, budget holders, technical evaluators or end users."""
    if plan.scenario_style == "b2c":
        return np.where(primary, "buyer", "household_member").astype(object)
    seniority = plan.person_values.seniority[contact_key]
    roles = np.where(
        primary, "champion", _B2B_OTHER_ROLES[np.searchsorted(_B2B_OTHER_WEIGHTS, u, side="right").clip(0, 3)]
    )
    roles = roles.astype(object)
    others = np.flatnonzero(~primary)
    if others.size:
        order = others[np.lexsort((contact_key[others], seniority[others], deal_key[others]))]
        first = order[np.r_[True, deal_key[order][1:] != deal_key[order][:-1]]]
        roles[first] = "decision_maker"
    size = np.bincount(np.searchsorted(np.unique(deal_key), deal_key))
    alone = primary & (size[np.searchsorted(np.unique(deal_key), deal_key)] == 1) & (seniority <= 1)
    roles[alone] = "decision_maker"
    return roles


def generate_slot(plan: Plan, k: int) -> SlotData:
    """Every row of slot k, as columns sorted by natural key. Deterministic in (inputs, k)."""
    s = slot_structure(plan, k)
    style = plan.scenario_style
    pv, cv = plan.person_values, plan.company_values
    end = plan.inputs.end
    n = s.size
    keys = s.keys
    rng = stream(plan.inputs.seed, SLOT_VALUES, plan.value_key, k)

    company_key = plan.lead_company[s.lo : s.hi]
    companies = company_columns(plan, np.unique(company_key))
    country = cv.country[company_key]
    city = cv.city[company_key]
    first_names = _by_locale(country, pv.first[s.lo : s.hi], "first_names")
    last_names = _by_locale(country, pv.last[s.lo : s.hi], "last_names")
    phone = phones(city, pv.phone_digits[s.lo : s.hi], mobile=style == "b2c")
    title_index = pv.title[s.lo : s.hi]
    country_blank = pv.country_blank[s.lo : s.hi]
    lead_status = _lead_status(plan, s)
    last_status = lead_status[np.arange(n), s.path_kept.sum(axis=1) - 1]
    contacts = {
        "key": keys,
        "company_key": company_key,
        "owner_key": pv.owner[s.lo : s.hi],
        "first_name": first_names,
        "last_name": last_names,
        "email": np.array(_emails(plan, keys, company_key, country), dtype=object),
        "phone": np.where(pv.phone_blank[s.lo : s.hi], "", phone).astype(object),
        "job_title": np.where(title_index < 0, "", pools().job_titles[np.maximum(title_index, 0)]).astype(object),
        "country": np.where(country_blank, "", COUNTRY_CODE[country]).astype(object),
        "timezone": np.where(country_blank, "", CITY_TIMEZONE[city]).astype(object),
        "lifecycle_stage": _LIFECYCLE[s.final_stage],
        "lead_status": last_status,
        "source": _SOURCES[pv.source[s.lo : s.hi]],
        "created_at": s.arrival,
    }

    # Deal values (drawn for every lead of the slot, used for the deals it opens).
    expected_z = rng.standard_normal(n)
    lost_index = np.searchsorted(np.cumsum(LOST_REASON_WEIGHTS[style]), rng.random(n), side="right")
    lost_gap = rng.random(n) < BLANK_RATES[style]["deals.lost_reason"]
    t = s.timelines
    d = np.flatnonzero(s.deal_kept)
    stage_names = deal_stage_names(style)
    created = t.lifecycle[d, 4]
    expected_days = plan.inputs.parameters.avgSalesCycleDays * np.exp(EXPECTED_CLOSE_LOG_SD * expected_z[d])
    expected = np.maximum((created + np.rint(expected_days * DAY).astype(np.int64)) // DAY, created // DAY + 1) * DAY
    reasons = np.array((*LOST_REASONS[style],), dtype=object)[np.minimum(lost_index[d], len(LOST_REASONS[style]) - 1)]
    reasons = np.where(lost_gap[d], "", reasons).astype(object)
    closed = s.closed[d]
    won = t.won[d]
    final_stage = stage_names[s.deal_final_code[d]]
    products = np.array([p.name for p in PRICE_BOOKS[style]], dtype=object)[t.product[d]]
    existing = plan.existing_business[keys[d]]
    if style == "b2c":
        names = first_names[d] + " " + last_names[d] + " - " + products
    else:
        names = companies["name"][np.searchsorted(companies["key"], company_key[d])] + " - " + products
        names = np.where(existing, names + " - Expansion", names).astype(object)
    probability = np.array([STAGE_PROBABILITY[name] for name in final_stage.tolist()], dtype=np.float64)
    p = plan.inputs.parameters
    event_close = close_dates(
        _rows(s.deal_path, d), len(OPEN_STAGES[style]), expected, t.paths.slip_u[d], t.paths.slip_size[d],
        p.dealPaths, p.avgSalesCycleDays,
    )  # fmt: skip
    last_event = np.maximum(s.deal_events_kept[d].sum(axis=1) - 1, 0)
    deals = {
        "key": keys[d],
        "contact_key": keys[d],
        "company_key": company_key[d],
        "owner_key": pv.deal_owner[keys[d]],
        "name": names.astype(object),
        "pipeline": np.full(d.size, PIPELINES[style], dtype=object),
        "dealstage": final_stage,
        "deal_type": np.where(existing, "existingbusiness", "newbusiness").astype(object),
        "probability": probability,
        "amount_cents": t.amount_cents[d],
        "close_date": event_close[np.arange(d.size), last_event],
        "lost_reason": np.where(closed & ~won, reasons, "").astype(object),
        "is_won": np.where(closed, won.astype(np.int8), np.int8(-1)).astype(np.int8),
        "closed_at": np.where(closed, t.close_time[d], -1),
        "created_at": created,
    }
    deal_stage_events = _deal_stage_events(s, stage_names, d, event_close, reasons)

    lo, hi = plan.committees.slot_rows(s.lo, s.hi)
    committee = plan.committees
    role_u = rng.random(hi - lo)
    deal_contacts = {
        "deal_key": committee.deal_key[lo:hi],
        "contact_key": committee.contact_key[lo:hi],
        "role": _committee_roles(
            plan, committee.deal_key[lo:hi], committee.contact_key[lo:hi], committee.is_primary[lo:hi], role_u
        ),
        "is_primary": committee.is_primary[lo:hi].astype(np.int8),
        "associated_at": committee.associated_at[lo:hi],
    }

    lead, time, kind = s.activity_lead, s.activity_time, s.activity_kind
    order = np.lexsort((kind, time, lead))
    lead, time, kind, inbound = lead[order], time[order], kind[order], s.activity_inbound[order]
    phase = activity_phases(style, time, s.lifecycle_times[lead], s.lifecycle_kept[lead], t.deal_times[lead])
    phase = np.where(s.activity_campaign[order], MARKETING, phase)
    j = np.arange(lead.size) - np.searchsorted(lead, np.arange(n))[lead]
    deal_of = s.deal_of[lead]
    on_deal = (deal_of >= 0) & (time >= t.lifecycle[lead, 4])
    deal_key = np.where(on_deal, deal_of, -1)
    owner = np.where(on_deal, pv.deal_owner[np.maximum(deal_key, 0)], pv.owner[keys[lead]])
    engagement = activity_values(
        style, rng, kind, phase, inbound, time, first_names[lead], plan.owner_values.first_names[owner], end
    )
    activities = {
        "key": keys[lead] * MAX_ACTIVITIES_PER_LEAD + j,
        "type": engagement["type"],
        "contact_key": keys[lead],
        "deal_key": deal_key,
        "company_key": company_key[lead],
        "owner_key": owner,
        "subject": engagement["subject"],
        "body": engagement["body"],
        "direction": engagement["direction"],
        "status": engagement["status"],
        "duration_seconds": engagement["duration_seconds"],
        "due_at": engagement["due_at"],
        "occurred_at": time,
        "priority": engagement["priority"],
    }

    return SlotData(
        slot=k,
        owners=owner_columns(plan),
        companies=companies,
        contacts=contacts,
        deals=deals,
        deal_contacts=deal_contacts,
        activities=activities,
        lifecycle_events=_lifecycle_events(s, lead_status),
        deal_stage_events=deal_stage_events,
    )


def _rows(path: Path, d: np.ndarray) -> Path:
    return Path(codes=path.codes[d], times=path.times[d], count=path.count[d], source=path.source[d])


def _deal_stage_events(
    s: SlotStructure, stage_names: np.ndarray, d: np.ndarray, event_close: np.ndarray, reasons: np.ndarray
) -> Columns:
    """Stage events, each with the state it sets: probability, close date (``paths.close_dates``: the expected
    one, perhaps slipped, until the close, then the actual one) and lost reason (on closedlost only)."""
    path = s.deal_path
    row, seq = np.nonzero(s.deal_events_kept)
    code = path.codes[row, seq]
    previous = np.where(seq > 0, path.codes[row, np.maximum(seq - 1, 0)], -1)
    to_stage = stage_names[code]
    position = np.searchsorted(d, row)
    return {
        "deal_key": s.keys[row],
        "seq": seq.astype(np.int64),
        "from_stage": stage_names[previous],
        "to_stage": to_stage,
        "occurred_at": path.times[row, seq],
        "probability": np.array([STAGE_PROBABILITY[name] for name in to_stage.tolist()], dtype=np.float64),
        "close_date": event_close[position, seq] if d.size else np.zeros(0, dtype=np.int64),
        "lost_reason": np.where(to_stage == "closedlost", reasons[position] if d.size else "", "").astype(object),
    }


def generate_dataset(inputs: SimulationInputs) -> Iterator[SlotData]:
    """Every slot of the simulation, in slot order."""
    plan = build_plan(inputs)
    for k in range(plan.slot_count):
        yield generate_slot(plan, k)


# --- preview -----------------------------------------------------------------------------------------------

PREVIEW_EXACT_LEADS = 50_000
"""Up to this many leads the preview builds the plan and runs count mode over every slot: exact. Engine 2's
plan decides accounts and committees across the whole simulation, so that costs O(N) (about 4 s for b2b and
13.5 s for b2c at 2,000,000 records); beyond this size the preview is estimated (``preview``)."""


def preview_inputs(inputs: SimulationInputs, leads: int = PREVIEW_EXACT_LEADS) -> SimulationInputs:
    """The scaled-down simulation an estimated preview runs: ``inputs`` with ``records`` lowered so that it
    has at most ``leads`` leads (same scenario parameters, window, distribution and seed). Pure."""
    multiplier = inputs.parameters.leadVolumeMultiplier
    records = max(1, math.floor(leads / multiplier)) if multiplier > 0 else inputs.records
    while records > 1 and lead_count(dataclasses.replace(inputs, records=records)) > leads:
        records -= 1  # round() may overshoot by one lead
    return dataclasses.replace(inputs, records=min(records, inputs.records))


def _exact_structure(inputs: SimulationInputs) -> tuple[Plan, np.ndarray, dict[str, int]]:
    """The plan, the per-RECORD_TYPES totals and the deal outcomes, running count mode over every slot."""
    plan = build_plan(inputs)
    totals = np.zeros(len(RECORD_TYPES), dtype=np.int64)
    won = lost = open_ = 0
    won_cents = pipeline_cents = 0
    for k in range(plan.slot_count):
        s = slot_structure(plan, k)
        totals += structure_counts(plan, k, s)
        closed_won = s.closed & s.timelines.won
        closed_lost = s.closed & ~s.timelines.won
        still_open = s.deal_kept & ~s.closed
        won += int(closed_won.sum())
        lost += int(closed_lost.sum())
        open_ += int(still_open.sum())
        won_cents += int(s.timelines.amount_cents[closed_won].sum())
        pipeline_cents += int(s.timelines.amount_cents[still_open].sum())
    outcomes = {"won": won, "lost": lost, "open": open_, "wonCents": won_cents, "pipelineCents": pipeline_cents}
    return plan, totals, outcomes


def preview(inputs: SimulationInputs, bins: int = 50, *, exact_leads: int = PREVIEW_EXACT_LEADS) -> dict:
    """What a simulation would produce, without writing anything. Deterministic in (inputs, bins, exact_leads).

    Up to ``exact_leads`` leads: exact (the whole plan in count mode), ``estimated`` False and ``sampledLeads``
    equal to ``leads``. Beyond: ``estimated`` True; ``leads``, contacts, companies, owners and the arrivals
    histogram stay exact (the plan's own arrivals and company sizes, which are cheap), and every other count and
    the deal outcomes and amounts come from the exact preview of ``preview_inputs(inputs, exact_leads)``
    (``sampledLeads`` leads) scaled by leads / sampledLeads and rounded half up. ``realizedWinRate`` is then
    the scaled-down run's.

    ``arrivals.edges`` are ISO-8601 UTC strings (bins + 1 of them, equal bins over the window);
    amounts are decimal strings; ``expectedWinRate`` is the scenario's dealWinRateBase and
    ``realizedWinRate`` won / (won + lost) inside the window (None when nothing closed).
    """
    from .digest import format_amount, format_timestamp

    leads = lead_count(inputs)
    estimated = leads > exact_leads
    if estimated:
        arrivals = plan_arrivals(inputs)
        small = preview_inputs(inputs, exact_leads)
        _, small_totals, outcomes = _exact_structure(small)
        sampled = lead_count(small)
        companies = plan_company_count(inputs)
        exact = {
            "owners": build_team(scenario_style(inputs.parameters.id), companies, leads).size,
            "companies": companies,
            "contacts": leads,
        }
    else:
        plan, totals, outcomes = _exact_structure(inputs)
        arrivals = plan.arrivals
        sampled = leads
        exact = dict(zip(RECORD_TYPES, (int(v) for v in totals), strict=True))
        small_totals = totals

    def scaled(value: int) -> int:
        # Exact integer arithmetic (no float rounding at 10^12 cents): round half up of value x leads / sampled.
        return (2 * value * leads + sampled) // (2 * sampled) if estimated else value

    planned = {t: exact[t] if t in exact else scaled(int(v)) for t, v in zip(RECORD_TYPES, small_totals, strict=True)}
    won, lost = outcomes["won"], outcomes["lost"]
    edges = inputs.start + (np.arange(bins + 1, dtype=np.int64) * (inputs.end - inputs.start)) // bins
    counts = np.diff(np.searchsorted(arrivals, edges))
    return {
        "leads": leads,
        "estimated": estimated,
        "sampledLeads": sampled,
        "planned": planned,
        "arrivals": {
            "bins": bins,
            "edges": [format_timestamp(int(e)) for e in edges],
            "counts": [int(c) for c in counts],
        },
        "deals": {
            "won": scaled(won),
            "lost": scaled(lost),
            "open": scaled(outcomes["open"]),
            "wonAmount": format_amount(scaled(outcomes["wonCents"])),
            "pipelineAmount": format_amount(scaled(outcomes["pipelineCents"])),
            "expectedWinRate": inputs.parameters.dealWinRateBase,
            "realizedWinRate": won / (won + lost) if won + lost else None,
        },
    }
