"""Fixed tables the engine draws from: territories, price books, pipelines, mixes and gap rates.

The enumerated words themselves (lead statuses, sources, deal types, committee roles) live in
``crmsim.vocabulary`` and are re-exported here for the engine.

Pure data (no Faker, no numpy state). Every value is spelled as HubSpot spells it where HubSpot has a fixed
list (lead status, original source, industry, deal type, stage probabilities, engagement enums); where HubSpot
leaves the values to the portal (deal-contact roles, lost reasons, products) the table states the assumption.
docs/engine.md ("Realism") gives each table's source. Tables are part of ENGINE_VERSION: changing one changes
datasets.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmsim.vocabulary import (
    COMMITTEE_ROLES,
    DEAL_TYPES,
    LEAD_STATUSES,
    SOURCES,
)
from crmsim.vocabulary import GENERATED_ACTIVITY_TYPES as ACTIVITY_TYPES

__all__ = ["ACTIVITY_TYPES", "COMMITTEE_ROLES", "DEAL_TYPES", "LEAD_STATUSES", "SOURCES"]

# --- contacts ----------------------------------------------------------------------------------------------

SOURCE_MIX = {
    # B2B: events, lists and sales prospecting (OFFLINE) and referrals weigh more; paid social less.
    "b2b": (0.24, 0.12, 0.08, 0.05, 0.12, 0.04, 0.13, 0.17, 0.05),
    # B2C: paid search and paid social drive e-commerce traffic; almost nothing is entered by hand.
    "b2c": (0.22, 0.20, 0.10, 0.09, 0.06, 0.03, 0.12, 0.02, 0.16),
}

# --- companies ---------------------------------------------------------------------------------------------

INDUSTRIES = (
    "COMPUTER_SOFTWARE",
    "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "INTERNET",
    "FINANCIAL_SERVICES",
    "BANKING",
    "INSURANCE",
    "HOSPITAL_HEALTH_CARE",
    "MEDICAL_DEVICES",
    "PHARMACEUTICALS",
    "MACHINERY",
    "AUTOMOTIVE",
    "ELECTRICAL_ELECTRONIC_MANUFACTURING",
    "RETAIL",
    "CONSUMER_GOODS",
    "FOOD_BEVERAGES",
    "LOGISTICS_AND_SUPPLY_CHAIN",
    "TELECOMMUNICATIONS",
    "MARKETING_AND_ADVERTISING",
    "MANAGEMENT_CONSULTING",
    "ACCOUNTING",
    "LAW_PRACTICE",
    "REAL_ESTATE",
    "CONSTRUCTION",
    "EDUCATION_MANAGEMENT",
    "HIGHER_EDUCATION",
    "HOSPITALITY",
    "OIL_ENERGY",
    "RENEWABLES_ENVIRONMENT",
    "GOVERNMENT_ADMINISTRATION",
    "NON_PROFIT_ORGANIZATION_MANAGEMENT",
)
"""A subset of HubSpot's ``industry`` property options (its internal values)."""

INDUSTRY_WEIGHTS = (
    9, 8, 5, 5, 3, 3, 4, 3, 2, 4, 3, 3, 4, 3, 3, 4, 2, 4, 4, 2, 2, 3, 3, 2, 2, 2, 2, 2, 1, 2,
)  # fmt: skip
"""Relative frequency of each industry among a B2B SaaS vendor's accounts (software and services first)."""

REVENUE_PER_EMPLOYEE_LOG_MEAN = 12.0  # ln($163k): the median revenue per employee of mid-sized firms
REVENUE_PER_EMPLOYEE_LOG_SD = 0.5


@dataclass(frozen=True)
class City:
    name: str
    timezone: str
    area: str
    """Dialling prefix after the country code (area code), with the separator that follows it."""
    digits: int
    """Subscriber digits after the area code."""
    weight: float


@dataclass(frozen=True)
class Country:
    code: str
    locale: str
    team: str
    """The sales territory (team) that owns accounts in this country."""
    calling_code: str
    tlds: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]
    mobile_digits: int
    cities: tuple[City, ...]


COUNTRIES = (
    Country(
        "US",
        "en_US",
        "North America",
        "+1",
        ("com", "com", "com", "io", "co"),
        (),
        0,
        (
            City("New York", "America/New_York", "212", 7, 8.0),
            City("Boston", "America/New_York", "617", 7, 2.0),
            City("Atlanta", "America/New_York", "404", 7, 2.0),
            City("Miami", "America/New_York", "305", 7, 1.5),
            City("Chicago", "America/Chicago", "312", 7, 4.0),
            City("Austin", "America/Chicago", "512", 7, 2.0),
            City("Dallas", "America/Chicago", "214", 7, 2.5),
            City("Denver", "America/Denver", "303", 7, 1.5),
            City("Phoenix", "America/Phoenix", "602", 7, 1.5),
            City("San Francisco", "America/Los_Angeles", "415", 7, 3.5),
            City("Los Angeles", "America/Los_Angeles", "213", 7, 3.5),
            City("Seattle", "America/Los_Angeles", "206", 7, 2.0),
        ),
    ),
    Country(
        "GB",
        "en_GB",
        "UK & Ireland",
        "+44",
        ("co.uk", "co.uk", "com"),
        ("74", "75", "77", "78", "79"),
        8,
        (
            City("London", "Europe/London", "20", 8, 8.0),
            City("Manchester", "Europe/London", "161", 7, 2.0),
            City("Birmingham", "Europe/London", "121", 7, 2.0),
            City("Leeds", "Europe/London", "113", 7, 1.0),
            City("Bristol", "Europe/London", "117", 7, 1.0),
            City("Edinburgh", "Europe/London", "131", 7, 1.0),
        ),
    ),
    Country(
        "DE",
        "de_DE",
        "DACH",
        "+49",
        ("de", "de", "com"),
        ("151", "152", "160", "170", "171", "172", "176"),
        8,
        (
            City("Berlin", "Europe/Berlin", "30", 8, 4.0),
            City("Munich", "Europe/Berlin", "89", 8, 3.0),
            City("Hamburg", "Europe/Berlin", "40", 8, 2.5),
            City("Frankfurt", "Europe/Berlin", "69", 8, 2.0),
            City("Cologne", "Europe/Berlin", "221", 7, 1.5),
            City("Stuttgart", "Europe/Berlin", "711", 7, 1.5),
        ),
    ),
    Country(
        "FR",
        "fr_FR",
        "France",
        "+33",
        ("fr", "fr", "com"),
        ("6", "7"),
        8,
        (
            City("Paris", "Europe/Paris", "1", 8, 6.0),
            City("Lyon", "Europe/Paris", "4", 8, 2.0),
            City("Marseille", "Europe/Paris", "4", 8, 1.5),
            City("Toulouse", "Europe/Paris", "5", 8, 1.5),
            City("Bordeaux", "Europe/Paris", "5", 8, 1.0),
            City("Lille", "Europe/Paris", "3", 8, 1.0),
            City("Nantes", "Europe/Paris", "2", 8, 1.0),
        ),
    ),
)
COUNTRY_MIX = {
    # A US-headquartered SaaS vendor selling into North America and Europe's three largest markets.
    "b2b": (0.55, 0.20, 0.15, 0.10),
    # A consumer brand with most of its buyers at home.
    "b2c": (0.62, 0.16, 0.12, 0.10),
}

# --- owners (the seller's own sales team) --------------------------------------------------------------------

SELLER = {"b2b": ("Northwind Analytics", "northwindanalytics.com"), "b2c": ("Bramble & Co", "brambleandco.com")}
"""The company whose portal is simulated: owners' e-mails are on its domain."""

OWNER_ROLES = {"b2b": ("Account Executive", "Sales Manager"), "b2c": ("Sales Associate", "Sales Team Lead")}
"""(rep role, manager role) per style."""

ACCOUNTS_PER_REP = {"b2b": 120, "b2c": 1500}
"""B2B: accounts (companies) per account executive; B2C: leads per sales associate."""
REPS_PER_MANAGER = 8
MIN_REPS, MAX_REPS = 4, 60

# --- deals -------------------------------------------------------------------------------------------------

PIPELINES = {"b2b": "default", "b2c": "consumer"}  # values of crmsim.vocabulary.PIPELINES
"""``pipeline`` per style: HubSpot's default sales pipeline (B2B) or a short consumer pipeline (B2C)."""

OPEN_STAGES = {
    "b2b": ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent"),
    "b2c": ("appointmentscheduled", "qualifiedtobuy"),
}
"""Open stages in pipeline order. A consumer who buys online books a consultation or starts a cart and then
decides: no decision-maker buy-in and no contract."""

STAGE_PROBABILITY = {
    "appointmentscheduled": 0.2,
    "qualifiedtobuy": 0.4,
    "presentationscheduled": 0.6,
    "decisionmakerboughtin": 0.8,
    "contractsent": 0.9,
    "closedwon": 1.0,
    "closedlost": 0.0,
}
"""HubSpot's default probability of each default-pipeline stage (``hs_deal_stage_probability``)."""


LOST_REASONS = {
    "b2b": ("Chose a competitor", "No budget", "No decision", "Timing", "Missing feature", "Price too high"),
    "b2c": ("Price too high", "Bought elsewhere", "Changed mind", "Shipping cost", "No response"),
}
LOST_REASON_WEIGHTS = {"b2b": (0.28, 0.18, 0.22, 0.14, 0.10, 0.08), "b2c": (0.3, 0.22, 0.2, 0.1, 0.18)}
COMMITTEE_SIZE = {"b2b": (2, 6), "b2c": (1, 2)}
"""Target contacts per deal, uniform in [lo, hi] (B2B: Gartner puts the typical committee at 6-10 people for
complex purchases; our accounts hold 3-7 contacts, so at most the contacts known to the CRM join)."""


@dataclass(frozen=True)
class Product:
    name: str
    price: int
    """List price in whole currency units."""
    most: int
    """Largest quantity on one deal."""


PRICE_BOOKS = {
    "b2b": (
        Product("Starter seat (annual)", 600, 400),
        Product("Professional seat (annual)", 1_200, 600),
        Product("Enterprise seat (annual)", 2_400, 400),
        Product("Analytics platform (Growth)", 12_000, 3),
        Product("Analytics platform (Enterprise)", 48_000, 3),
        Product("Onboarding package", 7_500, 2),
        Product("Professional services (day)", 1_800, 60),
        Product("Premium support (annual)", 9_000, 3),
    ),
    "b2c": (
        Product("Accessory kit", 79, 4),
        Product("Installation service", 199, 2),
        Product("Extended warranty", 299, 2),
        Product("Essentials bundle", 499, 3),
        Product("Smart home starter set", 899, 3),
        Product("Premium bundle", 1_299, 3),
        Product("Family plan (2 years)", 2_399, 2),
        Product("Complete home package", 3_999, 3),
        Product("Whole-home pro package", 7_499, 2),
    ),
}
DISCOUNTS = {"b2b": (0.0, 0.05, 0.10, 0.15, 0.20), "b2c": (0.0, 0.0, 0.10, 0.15, 0.20)}
"""Discount levels; B2C repeats 0 to make full price twice as likely (promotions are the exception)."""
PRICE_FIT = 0.12
"""A product is eligible for a deal when quantity x price x (1 - discount) lands within this log-distance
of the deal's drawn amount; the drawn lognormal amount therefore survives to within a few per cent."""

# --- engagements -------------------------------------------------------------------------------------------

EMAILS_PER_LEAD = {"b2b": (1, 3), "b2c": (2, 6)}
MEETINGS_PER_DEAL = {"b2b": (1, 3), "b2c": (0, 1)}
"""Emails per lead and meetings per deal-holding lead, uniform in [lo, hi] (not scenario parameters yet:
touchpointDensity covers notes, tasks and calls)."""

CALL_DIRECTIONS = ("OUTBOUND", "INBOUND")
EMAIL_DIRECTIONS = ("EMAIL", "INCOMING_EMAIL")
"""HubSpot's ``hs_call_direction`` and ``hs_email_direction`` values (EMAIL = sent by the owner)."""
CALL_DISPOSITIONS = ("connected", "left_voicemail", "no_answer", "busy", "left_live_message", "wrong_number")
CALL_DISPOSITION_WEIGHTS = (0.42, 0.26, 0.22, 0.04, 0.04, 0.02)
"""HubSpot's default call outcomes; about 4 in 10 outbound sales calls connect."""
TASK_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")
TASK_PRIORITIES = ("HIGH", "MEDIUM", "LOW", "NONE")
MEETING_OUTCOMES = ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
EMAIL_STATUSES = ("SENT", "BOUNCED")

# --- gaps --------------------------------------------------------------------------------------------------

BLANK_RATES = {
    # Share of rows whose optional field is empty; see docs/engine.md "Gaps" for the basis of each figure.
    "b2b": {
        "contacts.phone": 0.35,
        "contacts.job_title": 0.18,
        "contacts.country": 0.08,
        "contacts.lead_status": 0.10,
        "companies.domain": 0.02,
        "companies.industry": 0.12,
        "companies.employees": 0.15,
        "companies.annual_revenue": 0.35,
        "companies.city": 0.08,
        "deals.lost_reason": 0.30,
        "activities.task_body": 0.50,
        "activities.meeting_body": 0.40,
    },
    "b2c": {
        "contacts.phone": 0.55,
        "contacts.job_title": 1.0,
        "contacts.country": 0.12,
        "contacts.lead_status": 0.25,
        "companies.domain": 1.0,
        "companies.industry": 1.0,
        "companies.employees": 1.0,
        "companies.annual_revenue": 1.0,
        "companies.city": 0.12,
        "deals.lost_reason": 0.45,
        "activities.task_body": 0.70,
        "activities.meeting_body": 0.60,
    },
}
