"""crmsim's vocabulary: every enumerated word the simulator, its data and its API use, defined once.

HubSpot's lifecycle and deal stages (spelled as HubSpot spells them), record types, activity types, paces and
the input limits that are not deployment settings. Each choice comes with the human label the web UI shows.
The engine, the CRM models, the scenario schema, the API (``GET /api/vocabulary/``), the admin and the
calibration report read them from here.

Pure Python with no Django import, so the generation engine can use it. (Importing the ``crmsim`` package
creates the Celery app object, which neither configures Django settings nor imports ``django.db``;
tests/simulations/engine/test_purity.py holds that.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One choice: the stored/API value and its label for people."""

    value: str
    label: str


def values(terms: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(term.value for term in terms)


def choices(terms: tuple[Term, ...]) -> list[tuple[str, str]]:
    """Django/DRF ``choices`` whose label is the value itself (the API and the admin show HubSpot's ids)."""
    return [(term.value, term.value) for term in terms]


# --- HubSpot's stages --------------------------------------------------------------------------------------

FUNNEL_STAGE_TERMS: tuple[Term, ...] = (
    Term("subscriber", "Subscriber"),
    Term("lead", "Lead"),
    Term("marketingqualifiedlead", "MQL"),
    Term("salesqualifiedlead", "SQL"),
)
"""The lifecycle stages a lead can drop out at, in order. Passing the last one makes an opportunity."""

LIFECYCLE_STAGE_TERMS: tuple[Term, ...] = (
    *FUNNEL_STAGE_TERMS,
    Term("opportunity", "Opportunity"),
    Term("customer", "Customer"),
    Term("evangelist", "Evangelist"),
    Term("other", "Other"),
)
"""HubSpot lifecycle stages, in HubSpot's order: the ladder, then evangelist (a customer who advocates) and other
(partners, vendors, the disqualified: contacts outside the funnel)."""

DEAL_STAGE_TERMS: tuple[Term, ...] = (
    Term("appointmentscheduled", "Appointment scheduled"),
    Term("qualifiedtobuy", "Qualified to buy"),
    Term("presentationscheduled", "Presentation scheduled"),
    Term("decisionmakerboughtin", "Decision maker bought in"),
    Term("contractsent", "Contract sent"),
    Term("closedwon", "Closed won"),
    Term("closedlost", "Closed lost"),
)
"""HubSpot's default sales pipeline, in order; a deal ends closedwon or closedlost."""

FUNNEL_STAGES = values(FUNNEL_STAGE_TERMS)
LIFECYCLE_STAGES = values(LIFECYCLE_STAGE_TERMS)
DEAL_STAGES = values(DEAL_STAGE_TERMS)

# --- records -----------------------------------------------------------------------------------------------

RECORD_TYPE_TERMS: tuple[Term, ...] = (
    Term("owners", "Owners"),
    Term("companies", "Companies"),
    Term("contacts", "Contacts"),
    Term("deals", "Deals"),
    Term("deal_contacts", "Deal contacts"),
    Term("activities", "Activities"),
    Term("lifecycle_events", "Lifecycle events"),
    Term("deal_stage_events", "Deal stage events"),
)
"""The CRM's record types in canonical order (the digest's, the writer's, the counts')."""

RECORD_TYPES = values(RECORD_TYPE_TERMS)

ACTIVITY_TYPE_TERMS: tuple[Term, ...] = (
    Term("note", "Note"),
    Term("task", "Task"),
    Term("call", "Call"),
    Term("email", "Email"),
    Term("meeting", "Meeting"),
)
"""What an Activity row may be (HubSpot's engagement types)."""

ACTIVITY_TYPES = values(ACTIVITY_TYPE_TERMS)

GENERATED_ACTIVITY_TYPES: tuple[str, ...] = ACTIVITY_TYPES
"""The activity types the engine generates (all five since engine 2), in its kind order: part of
ENGINE_VERSION, so the order must not change."""

# --- HubSpot's record properties ---------------------------------------------------------------------------

COMPANY_KIND_TERMS: tuple[Term, ...] = (Term("company", "Company"), Term("household", "Household"))
"""A B2B account, or a B2C household (no firmographics)."""

LEAD_STATUS_TERMS: tuple[Term, ...] = (
    Term("NEW", "New"),
    Term("OPEN", "Open"),
    Term("IN_PROGRESS", "In progress"),
    Term("OPEN_DEAL", "Open deal"),
    Term("UNQUALIFIED", "Unqualified"),
    Term("ATTEMPTED_TO_CONTACT", "Attempted to contact"),
    Term("CONNECTED", "Connected"),
    Term("BAD_TIMING", "Bad timing"),
)
"""HubSpot's default ``hs_lead_status`` options."""

SOURCE_TERMS: tuple[Term, ...] = (
    Term("ORGANIC_SEARCH", "Organic search"),
    Term("PAID_SEARCH", "Paid search"),
    Term("EMAIL_MARKETING", "Email marketing"),
    Term("SOCIAL_MEDIA", "Organic social"),
    Term("REFERRALS", "Referrals"),
    Term("OTHER_CAMPAIGNS", "Other campaigns"),
    Term("DIRECT_TRAFFIC", "Direct traffic"),
    Term("OFFLINE", "Offline sources"),
    Term("PAID_SOCIAL", "Paid social"),
)
"""HubSpot's ``hs_analytics_source`` (original source) values."""

PIPELINE_TERMS: tuple[Term, ...] = (Term("default", "Sales pipeline"), Term("consumer", "Consumer pipeline"))
"""Deal pipelines: HubSpot's default sales pipeline (B2B) and a short consumer pipeline (B2C)."""

DEAL_TYPE_TERMS: tuple[Term, ...] = (Term("newbusiness", "New business"), Term("existingbusiness", "Existing business"))
"""HubSpot's ``dealtype`` values."""

COMMITTEE_ROLE_TERMS: tuple[Term, ...] = (
    Term("decision_maker", "Decision maker"),
    Term("champion", "Champion"),
    Term("influencer", "Influencer"),
    Term("budget_holder", "Budget holder"),
    Term("technical_evaluator", "Technical evaluator"),
    Term("end_user", "End user"),
    Term("buyer", "Buyer"),
    Term("household_member", "Household member"),
)
"""Deal-contact association labels (HubSpot leaves them to the portal): buying-committee roles, and the
consumer ones."""

COMPANY_KINDS = values(COMPANY_KIND_TERMS)
LEAD_STATUSES = values(LEAD_STATUS_TERMS)
SOURCES = values(SOURCE_TERMS)
PIPELINES = values(PIPELINE_TERMS)
DEAL_TYPES = values(DEAL_TYPE_TERMS)
COMMITTEE_ROLES = values(COMMITTEE_ROLE_TERMS)

# --- how a simulation runs ---------------------------------------------------------------------------------

PACE_TERMS: tuple[Term, ...] = (Term("backfill", "Backfill"), Term("live", "Live"))
"""backfill: write everything now; live: rows appear as their simulated time comes."""

PACES = values(PACE_TERMS)

MIN_SEED = 0
MAX_SEED = 2**63 - 1
"""Seeds are whole numbers in [MIN_SEED, MAX_SEED] (a signed 64-bit column)."""

MIN_TIME_SCALE = 0.01
MAX_TIME_SCALE = 1_000_000.0
"""Live pace: simulated seconds per wall second lie in [MIN_TIME_SCALE, MAX_TIME_SCALE]. The lower bound keeps
the longest window (CRMSIM_MAX_WINDOW_DAYS, 10 years) within a thousand years of wall time, far inside what a
datetime can hold (a scale of 1e-9 overflowed the clock)."""


def seed_in_range(seed: int) -> bool:
    return MIN_SEED <= seed <= MAX_SEED


SEED_RANGE_TEXT = "[0, 2^63)"
"""How messages spell the seed range (the same set as [MIN_SEED, MAX_SEED])."""
