"""Cosmetic value pools, built once per process from seeded Faker instances; numpy samples them by index.

Faker is only called here, with a fixed seed on private instances (never Faker's global seed), one per locale
of ``catalog.COUNTRIES`` (en_US, en_GB, de_DE, fr_FR), so the pools depend only on the pinned Faker version.
Person names come straight from each locale's tables; job titles are built from function x seniority; company
names from two of the locale's surnames in the locale's legal forms; engagement texts from fixed templates.
Every value is free of tabs and newlines (digest lines are tab-separated). Pools are part of ENGINE_VERSION.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import numpy as np
from faker import Faker

from .catalog import COUNTRIES

POOL_SEED = 20_240_601

COMPANY_FORMATS = {
    "en_US": ("{a} & {b}", "{a}-{b} Inc.", "{a} & {b} LLC", "{a} {b} Group", "{a}-{b} Partners"),
    "en_GB": ("{a} & {b} Ltd", "{a}-{b} PLC", "{a} & {b} LLP", "{a} {b} Group"),
    "de_DE": ("{a} & {b} GmbH", "{a}-{b} AG", "{a} & {b} GmbH & Co. KG", "{a} {b} KG"),
    "fr_FR": ("{a} & {b} SAS", "{a}-{b} SA", "{a} et {b} SARL", "{a} {b} & Associés"),
}
"""Company names: two surnames of the company's locale in one of the locale's usual legal forms."""

FREE_MAIL = {
    "en_US": ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"),
    "en_GB": ("gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "icloud.com"),
    "de_DE": ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de", "icloud.com"),
    "fr_FR": ("gmail.com", "orange.fr", "free.fr", "hotmail.fr", "laposte.net", "outlook.fr"),
}
"""Consumer mailbox providers per locale (the largest by market share, in rough order)."""

FUNCTIONS = (
    ("Sales", "Revenue"),
    ("Marketing", "Marketing"),
    ("Finance", "Financial"),
    ("Operations", "Operating"),
    ("IT", "Information"),
    ("Engineering", "Technology"),
    ("Human Resources", "People"),
    ("Procurement", "Procurement"),
    ("Customer Success", "Customer"),
    ("Product", "Product"),
)
"""(function, the word in its C-level title: Chief <word> Officer)."""
FUNCTION_WEIGHTS = (0.16, 0.14, 0.10, 0.12, 0.14, 0.10, 0.06, 0.06, 0.06, 0.06)
INDIVIDUAL_TITLES = {
    "Sales": ("Account Executive", "Sales Development Representative", "Sales Operations Analyst"),
    "Marketing": ("Marketing Specialist", "Demand Generation Specialist", "Marketing Operations Analyst"),
    "Finance": ("Financial Analyst", "Senior Accountant", "Controller"),
    "Operations": ("Operations Analyst", "Business Analyst", "Project Coordinator"),
    "IT": ("Systems Administrator", "IT Specialist", "Solutions Architect"),
    "Engineering": ("Software Engineer", "Data Engineer", "Senior Software Engineer"),
    "Human Resources": ("HR Business Partner", "Recruiter", "People Operations Specialist"),
    "Procurement": ("Buyer", "Purchasing Specialist", "Category Manager"),
    "Customer Success": ("Customer Success Manager", "Support Specialist", "Implementation Consultant"),
    "Product": ("Product Manager", "Product Designer", "Product Analyst"),
}
SENIORITIES = ("C-level", "VP", "Director", "Manager", "Individual contributor")
SENIORITY_WEIGHTS = (0.05, 0.09, 0.18, 0.30, 0.38)
"""Seniority mix of the contacts a B2B vendor's CRM holds (assumption: pyramid-shaped, managers and
individual contributors dominate marketing-sourced leads)."""

# Bodies: sentences joined with spaces (never newlines). "{first}" is the contact's first name.
NOTE_SENTENCES = {
    "b2b": (
        "Current tool is a patchwork of spreadsheets and an old BI licence.",
        "They want one dashboard for sales and finance before the next board meeting.",
        "Budget is approved for this fiscal year; procurement needs three quotes.",
        "Security review is the main risk: SSO and data residency are must-haves.",
        "A competitor is in the running, mostly on price.",
        "The team of analysts would be the first users, then regional managers.",
        "Integration with their ERP came up twice; they need an API walkthrough.",
        "Timeline depends on the reorganisation announced last month.",
        "Legal wants our standard DPA before any trial.",
        "They liked the demo but asked for a reference customer in their industry.",
        "Renewal of their current contract is due in the autumn.",
        "The CFO will sign off above the regional budget limit.",
    ),
    "b2c": (
        "Asked about delivery times.",
        "Wants the family option.",
        "Comparing with a cheaper offer.",
        "Prefers to pay in instalments.",
        "Happy with the last order.",
        "Asked for a discount code.",
        "Will decide after payday.",
        "Needs installation on a weekend.",
    ),
}
NOTE_OPENERS = ("Spoke with {first}.", "Met {first} and the team.", "Call recap with {first}.", "{first} confirmed:")
EMAIL_LINES = {
    "b2b": (
        "Thanks for the time today, it was great to learn about your plans.",
        "As promised, I have attached the proposal and the security overview.",
        "Would Tuesday or Thursday work for a follow-up with your finance lead?",
        "Here is the case study from a customer in your industry.",
        "Let me know if the pricing options work for your budget cycle.",
        "I have looped in our solutions engineer for the integration questions.",
    ),
    "b2c": (
        "Thanks for your order.",
        "Your items are still in your cart.",
        "Delivery is planned for next week.",
        "Here is the quote you asked for.",
        "Reply to this e-mail if you have any question.",
    ),
}
CALL_LINES = (
    "Walked through pricing.",
    "Discussed rollout timing.",
    "Answered questions about integrations.",
    "Agreed to send a proposal.",
    "Reviewed the trial results.",
    "Confirmed the decision process.",
)
TASK_LINES = (
    "Include the volume discount discussed.",
    "Use the industry case study.",
    "Check availability with the solutions team.",
    "Attach the updated price list.",
    "Confirm the attendees first.",
)
MEETING_LINES = (
    "Agenda: goals, current process, success criteria.",
    "Agenda: live demo and Q&A.",
    "Agenda: security and integration review.",
    "Agenda: commercial terms and timeline.",
    "Agenda: project plan and owners.",
)


def _clean(value: str) -> str:
    return " ".join(value.split())


_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe"})


def slug(value: str) -> str:
    """E-mail and domain safe lower-case ASCII: "Müller" -> "mueller", "Hélène" -> "helene", "O'Neil" -> "oneil"."""
    folded = unicodedata.normalize("NFKD", value.lower().translate(_TRANSLITERATE))
    return "".join(c for c in folded if c.isascii() and c.isalnum())


@dataclass(frozen=True)
class LocalePool:
    first_names: np.ndarray
    last_names: np.ndarray
    first_slugs: np.ndarray
    last_slugs: np.ndarray
    company_formats: np.ndarray
    free_mail: np.ndarray


@dataclass(frozen=True)
class Pools:
    locales: tuple[LocalePool, ...]
    """One per ``catalog.COUNTRIES`` entry, in that order."""
    job_titles: np.ndarray
    job_seniority: np.ndarray
    """Seniority index (0 = C-level .. 4 = individual contributor) of each job title."""
    job_weights: np.ndarray
    """Probability of each job title (function weight x seniority weight / variants)."""


def _names(values) -> list[str]:
    return [v for v in dict.fromkeys(_clean(n) for n in values) if slug(v)]


def _job_titles() -> tuple[list[str], list[int], list[float]]:
    titles: list[str] = []
    seniority: list[int] = []
    weights: list[float] = []
    for (function, chief), f_weight in zip(FUNCTIONS, FUNCTION_WEIGHTS, strict=True):
        variants = (
            (f"Chief {chief} Officer",),
            (f"VP of {function}", f"Vice President, {function}"),
            (f"Director of {function}", f"Head of {function}", f"{function} Director"),
            (f"{function} Manager", f"Senior {function} Manager"),
            INDIVIDUAL_TITLES[function],
        )
        for level, names in enumerate(variants):
            for name in names:
                titles.append(name)
                seniority.append(level)
                weights.append(f_weight * SENIORITY_WEIGHTS[level] / len(names))
    return titles, seniority, weights


@functools.lru_cache(maxsize=1)
def pools() -> Pools:
    """The process-wide pools (built on first use, well under a second)."""

    def array(values) -> np.ndarray:
        return np.array(list(values), dtype=object)

    locales = []
    for country in COUNTRIES:
        fake = Faker(country.locale)
        fake.seed_instance(POOL_SEED)
        person = fake.provider("faker.providers.person")
        first = _names(person.first_names)
        last = _names(person.last_names)
        locales.append(
            LocalePool(
                first_names=array(first),
                last_names=array(last),
                first_slugs=array(slug(n) for n in first),
                last_slugs=array(slug(n) for n in last),
                company_formats=array(COMPANY_FORMATS[country.locale]),
                free_mail=array(FREE_MAIL[country.locale]),
            )
        )
    titles, seniority, weights = _job_titles()
    w = np.asarray(weights)
    return Pools(
        locales=tuple(locales),
        job_titles=array(titles),
        job_seniority=np.asarray(seniority, dtype=np.int64),
        job_weights=w / w.sum(),
    )
