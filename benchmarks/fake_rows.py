"""Rows the way most seed scripts make them: Faker values per row, for the peers (ORM, bulk_create, Celery).

The dataset shape is crmsim's: the same four tables (crm_company, crm_contact, crm_deal, crm_activity) and the
same counts per table as a crmsim backfill of the same N (its planned counts). Needs Django set up.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from faker import Faker

from benchmarks.workload import END, START

PEER_TYPES = ("companies", "contacts", "deals", "activities")


def fields(kind: str, key: int, simulation_id: int, fake: Faker, counts: dict[str, int]) -> dict[str, Any]:
    """The field values of one row of ``kind`` (a RECORD_TYPES name), drawn per row from Faker."""
    when = fake.date_time_between(start_date=START, end_date=END, tzinfo=dt.UTC)
    companies = max(counts.get("companies", 1), 1)
    contacts = max(counts.get("contacts", 1), 1)
    if kind == "companies":
        return {
            "simulation_id": simulation_id, "key": key, "name": fake.company(), "domain": fake.domain_name(),
            "industry": fake.bs()[:100], "employees": random.randint(1, 5000), "created_at": when,
        }  # fmt: skip
    if kind == "contacts":
        return {
            "simulation_id": simulation_id, "key": key, "company_key": random.randrange(companies),
            "first_name": fake.first_name(), "last_name": fake.last_name(), "email": fake.email(),
            "phone": fake.phone_number()[:40], "job_title": fake.job()[:200], "lifecycle_stage": "lead",
            "created_at": when,
        }  # fmt: skip
    if kind == "deals":
        return {
            "simulation_id": simulation_id, "key": key, "contact_key": random.randrange(contacts),
            "company_key": random.randrange(companies), "name": f"{fake.company()} - {fake.bs()}"[:250],
            "amount_cents": random.randint(100_000, 10_000_000), "dealstage": "appointmentscheduled",
            "created_at": when,
        }  # fmt: skip
    return {
        "simulation_id": simulation_id, "key": key, "contact_key": random.randrange(contacts),
        "type": random.choice(("note", "task", "call")), "subject": fake.sentence(nb_words=4)[:250],
        "occurred_at": when,
    }  # fmt: skip


def model_of(kind: str) -> Any:
    from crm.models import RECORD_MODELS

    return RECORD_MODELS[kind]


def peer_counts(planned: dict[str, int], scale: float = 1.0) -> dict[str, int]:
    """The four peer tables' row counts (crmsim's planned counts, optionally scaled down)."""
    return {kind: max(1, round(planned[kind] * scale)) for kind in PEER_TYPES}
