"""Cosmetic value pools, built once per process from a seeded Faker; numpy samples them by index.

Faker is only called here, with a fixed seed on a private instance (never Faker's global seed), so the
pools depend only on the pinned Faker version. Every value is free of tabs and newlines (digest lines are
tab-separated). Pool sizes are part of ENGINE_VERSION.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from faker import Faker

from crmsim.vocabulary import GENERATED_ACTIVITY_TYPES

POOL_SEED = 20_240_601
COMPANY_NAMES = 3000
LAST_NAMES = 1000
JOB_TITLES = 500
FIRST_NAMES = 690
"""en_US has 690 distinct first names (fewer than the 1000 one might want); all of them are used."""

FREE_MAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me")
COMPANY_TLDS = ("com", "com", "com", "io", "co", "net")
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Education",
    "Logistics",
    "Telecommunications",
    "Energy",
    "Real Estate",
    "Insurance",
    "Media",
    "Hospitality",
    "Construction",
    "Automotive",
    "Biotechnology",
    "Consulting",
    "Legal Services",
    "Marketing",
    "Food & Beverage",
    "Government",
    "Non-profit",
    "Agriculture",
    "Aerospace",
    "E-commerce",
    "Pharmaceuticals",
    "Transportation",
    "Cybersecurity",
    "Entertainment",
    "Utilities",
)
DEAL_PRODUCTS_B2B = (
    "Platform licence",
    "Annual subscription",
    "Enterprise plan",
    "Pilot",
    "Expansion",
    "Renewal",
    "Professional services",
    "Support upgrade",
    "Team plan",
    "Integration package",
)
DEAL_PRODUCTS_B2C = (
    "Monthly plan",
    "Annual plan",
    "Family plan",
    "Starter kit",
    "Premium bundle",
    "Gift order",
    "Upgrade",
    "Accessory pack",
)
SUBJECTS = {
    "note": (
        "Discovery notes",
        "Follow-up summary",
        "Requirements captured",
        "Objections noted",
        "Budget discussed",
        "Competitor mentioned",
        "Next steps agreed",
        "Stakeholder map updated",
        "Feedback on demo",
        "Pricing questions",
    ),
    "task": (
        "Send proposal",
        "Schedule demo",
        "Prepare quote",
        "Follow up by email",
        "Share case study",
        "Book next meeting",
        "Update CRM record",
        "Send contract",
        "Check in after trial",
        "Confirm decision timeline",
    ),
    "call": (
        "Intro call",
        "Discovery call",
        "Demo call",
        "Pricing call",
        "Check-in call",
        "Negotiation call",
        "Onboarding call",
        "Left voicemail",
        "Callback requested",
        "Closing call",
    ),
}
ACTIVITY_TYPES = GENERATED_ACTIVITY_TYPES
"""The engine's activity kinds, in subject-pool order (kind index i is ACTIVITY_TYPES[i])."""

_LEGAL_SUFFIX = re.compile(r"\b(llc|inc|ltd|plc|group|and sons|and)\b")


def domain_stem(company_name: str) -> str:
    """'Smith, Jones and Brown' -> 'smithjonesbrown'; 'Davis LLC' -> 'davis'."""
    return re.sub(r"[^a-z0-9]", "", _LEGAL_SUFFIX.sub("", company_name.lower()))


@dataclass(frozen=True)
class Pools:
    first_names: np.ndarray
    last_names: np.ndarray
    company_names: np.ndarray
    company_stems: np.ndarray
    job_titles: np.ndarray
    industries: np.ndarray
    subjects: np.ndarray
    """All subjects, types in ACTIVITY_TYPES order, SUBJECTS_PER_TYPE each."""


SUBJECTS_PER_TYPE = 10


def _clean(value: str) -> str:
    return " ".join(value.split())


def _unique(draw, size: int, attempts: int, key=lambda v: v) -> list[str]:
    seen: dict[str, str] = {}
    for _ in range(attempts):
        value = _clean(draw())
        stem = key(value)
        if stem and stem not in seen:
            seen[stem] = value
            if len(seen) == size:
                break
    return list(seen.values())


@functools.lru_cache(maxsize=1)
def pools() -> Pools:
    """The process-wide pools (built on first use, about half a second)."""
    fake = Faker("en_US")
    fake.seed_instance(POOL_SEED)
    # Person names come straight from the locale's tables (drawing until every rare name shows up is slow).
    person = fake.provider("faker.providers.person")
    first = list(dict.fromkeys(_clean(n) for n in person.first_names))[:FIRST_NAMES]
    last = list(dict.fromkeys(_clean(n) for n in person.last_names))[:LAST_NAMES]
    companies = _unique(fake.company, COMPANY_NAMES, 100_000, key=domain_stem)
    jobs = _unique(fake.job, JOB_TITLES, 100_000)

    def array(values: list[str] | tuple[str, ...]) -> np.ndarray:
        return np.array(list(values), dtype=object)

    return Pools(
        first_names=array(first),
        last_names=array(last),
        company_names=array(companies),
        company_stems=array([domain_stem(name) for name in companies]),
        job_titles=array(jobs),
        industries=array(INDUSTRIES),
        subjects=array([s for kind in ACTIVITY_TYPES for s in SUBJECTS[kind]]),
    )
