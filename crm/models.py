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

from crmsim.vocabulary import ACTIVITY_TYPE_TERMS, DEAL_STAGE_TERMS, LIFECYCLE_STAGE_TERMS, RECORD_TYPES, choices

LIFECYCLE_CHOICES = choices(LIFECYCLE_STAGE_TERMS)
DEAL_STAGE_CHOICES = choices(DEAL_STAGE_TERMS)
ACTIVITY_CHOICES = choices(ACTIVITY_TYPE_TERMS)
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


class Company(SimulatedRecord):
    key = models.BigIntegerField()
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200)
    industry = models.CharField(max_length=100)
    employees = models.IntegerField()
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
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=40)
    job_title = models.CharField(max_length=200)
    lifecycle_stage = models.CharField(max_length=32, choices=LIFECYCLE_CHOICES)
    stage_seq = models.IntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [natural_key_constraint("contact_natural_key", "key")]
        indexes = [
            models.Index(fields=["simulation", "created_at"], name="contact_sim_created"),
            models.Index(fields=["simulation", "lifecycle_stage"], name="contact_sim_stage"),
            models.Index(fields=["simulation", "company_key"], name="contact_sim_company"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Deal(SimulatedRecord):
    key = models.BigIntegerField()
    contact_key = models.BigIntegerField()
    company_key = models.BigIntegerField()
    name = models.CharField(max_length=250)
    amount_cents = models.BigIntegerField()
    dealstage = models.CharField(max_length=32, choices=DEAL_STAGE_CHOICES)
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
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents).scaleb(-2)


class Activity(SimulatedRecord):
    key = models.BigIntegerField()
    contact_key = models.BigIntegerField()
    deal_key = models.BigIntegerField(null=True, blank=True)
    type = models.CharField(max_length=16, choices=ACTIVITY_CHOICES)
    subject = models.CharField(max_length=250)
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
    zip(RECORD_TYPES, (Company, Contact, Deal, Activity, LifecycleEvent, DealStageEvent), strict=True)
)
"""Record type (crmsim.vocabulary.RECORD_TYPES) -> model."""

NATURAL_ORDER: dict[str, tuple[str, ...]] = {name: model.natural_key_fields() for name, model in RECORD_MODELS.items()}
"""Record type -> its natural key within a simulation, which is also the canonical row order."""
