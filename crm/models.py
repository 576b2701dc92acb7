"""The simulated CRM: companies, contacts, deals, activities and their stage histories.

Every row belongs to one Simulation and carries a natural, simulation-scoped key decided by the engine
(``key``; events use (owner key, seq)) under a unique constraint, so a slot written twice cannot duplicate
anything. Rows refer to each other by those keys, not by foreign keys to surrogate ids: slots commit in any
order, and the writer can COPY without looking ids up. The only foreign key is to the Simulation, so deleting
a simulation is one DELETE per table (Django's fast delete), not a walk over rows.

That foreign key has no database constraint and no index of its own (``db_constraint=False, db_index=False``):
every table's natural-key unique index starts with ``simulation_id`` and serves lookups by simulation, and the
constraint's per-row check cost a third of every COPY (docs/performance.md). Rows are only written by
``materialize_slot`` for a simulation it has just read, and deleted through
``simulations.lifecycle.control.delete_simulation``.

Current-state fields (``Contact.lifecycle_stage``, ``Deal.dealstage`` and the deal's close fields) carry the
``stage_seq`` of the event that set them; an update only applies when its seq is higher, so batches applied
out of order end in the same state.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from crmsim.vocabulary import (
    ACTIVITY_TYPE_TERMS,
    COMMITTEE_ROLE_TERMS,
    COMPANY_KIND_TERMS,
    DEAL_STAGE_TERMS,
    DEAL_TYPE_TERMS,
    LEAD_STATUS_TERMS,
    LIFECYCLE_STAGE_TERMS,
    RECORD_TYPES,
    SOURCE_TERMS,
    choices,
)

LIFECYCLE_CHOICES = choices(LIFECYCLE_STAGE_TERMS)
DEAL_STAGE_CHOICES = choices(DEAL_STAGE_TERMS)
ACTIVITY_CHOICES = choices(ACTIVITY_TYPE_TERMS)
COMPANY_KIND_CHOICES = choices(COMPANY_KIND_TERMS)
LEAD_STATUS_CHOICES = choices(LEAD_STATUS_TERMS)
SOURCE_CHOICES = choices(SOURCE_TERMS)
DEAL_TYPE_CHOICES = choices(DEAL_TYPE_TERMS)
COMMITTEE_ROLE_CHOICES = choices(COMMITTEE_ROLE_TERMS)
NATURAL_KEY_SUFFIX = "_natural_key"


class SimulatedRecord(models.Model):
    """What every CRM row shares: the simulation it belongs to and a natural key within it.

    Each concrete model declares its natural key once, as ``natural_key_constraint(...)`` in its Meta (under the
    constraint name its migration already has); ``natural_key_fields()`` reads it back, and it is also the
    canonical row order (digest, export).
    """

    simulation = models.ForeignKey(
        "simulations.Simulation", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )

    class Meta:
        abstract = True

    @classmethod
    def natural_key_fields(cls) -> tuple[str, ...]:
        """The fields after ``simulation`` in the model's natural-key constraint, e.g. ("contact_key", "seq")."""
        (constraint,) = [c for c in cls._meta.constraints if c.name.endswith(NATURAL_KEY_SUFFIX)]
        assert isinstance(constraint, models.UniqueConstraint)
        return tuple(constraint.fields[1:])


def natural_key_constraint(name: str, *fields: str) -> models.UniqueConstraint:
    """The unique ``(simulation, *fields)`` constraint that makes rewriting a slot a no-op."""
    assert name.endswith(NATURAL_KEY_SUFFIX)
    return models.UniqueConstraint(fields=["simulation", *fields], name=name)


class Owner(SimulatedRecord):
    """A user of the simulated portal who owns records: a sales rep or manager of the seller's team."""

    key = models.BigIntegerField()
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=254)
    team = models.CharField(max_length=100)
    role = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64)

    class Meta:
        constraints = [natural_key_constraint("owner_natural_key", "key")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Company(SimulatedRecord):
    """A B2B account (``kind`` company) or a B2C household (``kind`` household, no firmographics)."""

    key = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=COMPANY_KIND_CHOICES, db_default="company")
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employees = models.IntegerField(null=True, blank=True)
    annual_revenue = models.BigIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, db_default="")
    city = models.CharField(max_length=100, blank=True, db_default="")
    timezone = models.CharField(max_length=64, blank=True, db_default="")
    owner_key = models.BigIntegerField(db_default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "companies"
        constraints = [natural_key_constraint("company_natural_key", "key")]
        indexes = [models.Index(fields=["simulation", "created_at"], name="company_sim_created")]

    def __str__(self) -> str:
        return self.name


class Contact(SimulatedRecord):
    key = models.BigIntegerField()
    company_key = models.BigIntegerField()
    owner_key = models.BigIntegerField(db_default=0)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, db_default="")
    timezone = models.CharField(max_length=64, blank=True, db_default="")
    lifecycle_stage = models.CharField(max_length=32, choices=LIFECYCLE_CHOICES)
    lead_status = models.CharField(max_length=32, choices=LEAD_STATUS_CHOICES, blank=True, db_default="")
    source = models.CharField(max_length=32, choices=SOURCE_CHOICES, blank=True, db_default="")
    stage_seq = models.IntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [natural_key_constraint("contact_natural_key", "key")]
        indexes = [
            models.Index(fields=["simulation", "created_at"], name="contact_sim_created"),
            models.Index(fields=["simulation", "lifecycle_stage"], name="contact_sim_stage"),
            models.Index(fields=["simulation", "company_key"], name="contact_sim_company"),
            models.Index(fields=["simulation", "owner_key"], name="contact_sim_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Deal(SimulatedRecord):
    key = models.BigIntegerField()
    contact_key = models.BigIntegerField(help_text="The primary contact (who opened the deal).")
    company_key = models.BigIntegerField()
    owner_key = models.BigIntegerField(db_default=0)
    name = models.CharField(max_length=250)
    pipeline = models.CharField(max_length=32, db_default="default")
    amount_cents = models.BigIntegerField()
    dealstage = models.CharField(max_length=32, choices=DEAL_STAGE_CHOICES)
    deal_type = models.CharField(max_length=32, choices=DEAL_TYPE_CHOICES, db_default="newbusiness")
    probability = models.FloatField(db_default=0.0)
    close_date = models.DateTimeField(null=True, blank=True, help_text="Expected while open, actual once closed.")
    lost_reason = models.CharField(max_length=100, blank=True, db_default="")
    stage_seq = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    is_won = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [natural_key_constraint("deal_natural_key", "key")]
        indexes = [
            models.Index(fields=["simulation", "created_at"], name="deal_sim_created"),
            models.Index(fields=["simulation", "dealstage"], name="deal_sim_stage"),
            models.Index(fields=["simulation", "company_key"], name="deal_sim_company"),
            models.Index(fields=["simulation", "owner_key"], name="deal_sim_owner"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents).scaleb(-2)


class DealContact(SimulatedRecord):
    """A contact on a deal's buying committee, with its role; one per deal is primary."""

    deal_key = models.BigIntegerField()
    contact_key = models.BigIntegerField()
    role = models.CharField(max_length=32, choices=COMMITTEE_ROLE_CHOICES)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [natural_key_constraint("deal_contact_natural_key", "deal_key", "contact_key")]

    def __str__(self) -> str:
        return f"deal {self.deal_key} - contact {self.contact_key} ({self.role})"


class Activity(SimulatedRecord):
    key = models.BigIntegerField()
    contact_key = models.BigIntegerField()
    deal_key = models.BigIntegerField(null=True, blank=True)
    company_key = models.BigIntegerField(db_default=0)
    owner_key = models.BigIntegerField(db_default=0)
    type = models.CharField(max_length=16, choices=ACTIVITY_CHOICES)
    subject = models.CharField(max_length=250)
    body = models.TextField(blank=True, db_default="")
    direction = models.CharField(max_length=32, blank=True, db_default="", help_text="Calls and e-mails.")
    status = models.CharField(
        max_length=32,
        blank=True,
        db_default="",
        help_text="Task status, call disposition, meeting outcome, e-mail status.",
    )
    priority = models.CharField(max_length=16, blank=True, db_default="", help_text="Tasks.")
    duration_seconds = models.IntegerField(null=True, blank=True, help_text="Calls and meetings.")
    due_at = models.DateTimeField(null=True, blank=True, help_text="Tasks.")
    occurred_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "activities"
        constraints = [natural_key_constraint("activity_natural_key", "key")]
        indexes = [
            models.Index(fields=["simulation", "occurred_at"], name="activity_sim_occurred"),
            models.Index(fields=["simulation", "contact_key"], name="activity_sim_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.subject}"


class LifecycleEvent(SimulatedRecord):
    contact_key = models.BigIntegerField()
    seq = models.IntegerField()
    from_stage = models.CharField(max_length=32, blank=True)
    to_stage = models.CharField(max_length=32, choices=LIFECYCLE_CHOICES)
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [natural_key_constraint("lifecycle_event_natural_key", "contact_key", "seq")]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} -> {self.to_stage}"


class DealStageEvent(SimulatedRecord):
    deal_key = models.BigIntegerField()
    seq = models.IntegerField()
    from_stage = models.CharField(max_length=32, blank=True)
    to_stage = models.CharField(max_length=32, choices=DEAL_STAGE_CHOICES)
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [natural_key_constraint("deal_stage_event_natural_key", "deal_key", "seq")]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} -> {self.to_stage}"


RECORD_MODELS: dict[str, type[SimulatedRecord]] = dict(
    zip(
        RECORD_TYPES,
        (Owner, Company, Contact, Deal, DealContact, Activity, LifecycleEvent, DealStageEvent),
        strict=True,
    )
)
"""Record type (crmsim.vocabulary.RECORD_TYPES) -> model."""

NATURAL_ORDER: dict[str, tuple[str, ...]] = {name: model.natural_key_fields() for name, model in RECORD_MODELS.items()}
"""Record type -> its natural key within a simulation, which is also the canonical row order."""
