"""Users and simulations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models

from crmsim.vocabulary import PACES
from simulations.wizard_profile import validate_profile


class User(AbstractUser):
    """crmsim's user: Django's, plus the latest wizard selections in ``simulation_profile``."""

    simulation_profile = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_profile],
        help_text="Latest selections: scenario, distribution and its params, overrides, window, records, seed, pace.",
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The profile is validated on every write, not only through forms.
        validate_profile(self.simulation_profile)
        super().save(*args, **kwargs)


class Simulation(models.Model):
    """One run: its audit snapshot (never changed after creation), its state and its planned counts.

    Processed counts live on the slots (``Slot.processed``) and are summed on read, so concurrent workers never
    contend on one hot row; ``reads.progress.processed_counts`` is the one place that adds them up.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        PLANNING = "planning"
        SCHEDULED = "scheduled"
        RUNNING = "running"
        PAUSED = "paused"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        FAILED = "failed"

    class Pace(models.TextChoices):
        # The vocabulary's PACES (checked below); spelled out because TextChoices members must be literals.
        BACKFILL = "backfill"
        LIVE = "live"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="simulations")
    scenario = models.SlugField(max_length=50)
    preset_version = models.PositiveIntegerField()
    parameters = models.JSONField(help_text="Resolved scenario parameters (the seed's JSON names).")
    overrides = models.JSONField(default=dict, blank=True)
    distribution = models.CharField(max_length=32)
    distribution_params = models.JSONField(default=dict, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    records = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    pace = models.CharField(max_length=16, choices=Pace.choices, default=Pace.BACKFILL)
    time_scale = models.FloatField(default=1.0)
    engine_version = models.CharField(max_length=16)
    slot_size = models.PositiveIntegerField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    planned = models.JSONField(default=dict, blank=True, help_text="{record type: count}, exact at planning.")
    auto_start = models.BooleanField(default=False, help_text="Start as soon as planning is done.")
    digest = models.CharField(max_length=64, blank=True)
    report = models.JSONField(null=True, blank=True, help_text="The calibration report, computed once completed.")
    error = models.TextField(blank=True)
    # Live pace: simulated time = clock_sim + (now - clock_wall) x time_scale while running.
    clock_sim = models.DateTimeField(null=True, blank=True)
    clock_wall = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["owner", "status"], name="simulation_owner_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.scenario} x{self.records} ({self.status})"


class Slot(models.Model):
    """A block of consecutive leads (engine.SLOT_SIZE): the unit of scheduling, idempotency and progress.

    ``watermark`` is the simulated time up to which (exclusive) the slot's rows are written; ``next_due`` is the
    simulated time of its first unwritten row, or null once everything up to the window's end is written.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        ENQUEUED = "enqueued"
        DONE = "done"

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="slots")
    index = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    watermark = models.DateTimeField(null=True, blank=True)
    next_due = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    planned = models.JSONField(default=dict)
    processed_owners = models.PositiveIntegerField(default=0)
    processed_companies = models.PositiveIntegerField(default=0)
    processed_contacts = models.PositiveIntegerField(default=0)
    processed_deals = models.PositiveIntegerField(default=0)
    processed_deal_contacts = models.PositiveIntegerField(default=0)
    processed_activities = models.PositiveIntegerField(default=0)
    processed_lifecycle_events = models.PositiveIntegerField(default=0)
    processed_deal_stage_events = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["simulation", "index"], name="slot_natural_key")]
        indexes = [models.Index(fields=["simulation", "status", "next_due"], name="slot_due")]

    def __str__(self) -> str:
        return f"slot {self.index} of simulation {self.simulation_id} ({self.status})"


class LagSample(models.Model):
    """How late one materialized batch was against its due time (live pace), for p50/p99 lag."""

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="lag_samples")
    recorded_at = models.DateTimeField(db_index=True)
    rows = models.PositiveIntegerField()
    lag_p50_ms = models.FloatField()
    lag_max_ms = models.FloatField()

    def __str__(self) -> str:
        return f"lag {self.lag_p50_ms:.0f}/{self.lag_max_ms:.0f} ms"


assert tuple(Simulation.Pace.values) == PACES, "Simulation.Pace must list crmsim.vocabulary.PACES"

# Sinks (issue 15) live in their own package; importing them here registers them with the simulations app.
from simulations.delivery.models import DeadLetter, SimulationSink, Sink, SlotDelivery  # noqa: E402

__all__ = [
    "DeadLetter",
    "LagSample",
    "Simulation",
    "SimulationSink",
    "Sink",
    "Slot",
    "SlotDelivery",
    "User",
]
