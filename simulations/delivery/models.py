"""Sinks and their delivery bookkeeping: no row per event.

- ``Sink``: a target a user owns (a signed webhook, a HubSpot portal). Its secret (webhook signing secret,
  HubSpot token) is stored encrypted (``delivery.secrets``) and never returned by the API.
- ``SimulationSink``: which sinks a simulation streams to (chosen at creation).
- ``SlotDelivery``: one per (slot, sink): the delivery watermark. Events of a slot are a pure function of the
  engine (``delivery.events``), sorted by simulated time, so "delivered up to ``since``, then ``offset`` events
  of the next range" names exactly what has been delivered; it advances in the transaction that records a
  request's outcome, under a claim token, like a slot's materialization watermark.
- ``DeadLetter``: a range of events that failed past the maximum age: (slot, since, until, start, stop) names
  them exactly, so a replay regenerates and re-sends them without storing any payload.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Sink(models.Model):
    """A user's delivery target. ``kind`` selects the implementation in ``delivery.registry``."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook"
        HUBSPOT = "hubspot"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sinks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, help_text="Webhook URL, or the HubSpot API base URL.")
    batch_size = models.PositiveIntegerField(default=100)
    secret_encrypted = models.TextField(help_text="Fernet token of the signing secret or access token.")
    secret_hint = models.CharField(max_length=16, blank=True, help_text="Masked tail of the secret, for humans.")
    enabled = models.BooleanField(default=True)
    held_until = models.DateTimeField(
        null=True, blank=True, help_text="The target asked to wait (429 Retry-After): no request before this."
    )
    disabled_reason = models.CharField(max_length=300, blank=True)
    state = models.JSONField(default=dict, blank=True, help_text="Implementation state (e.g. properties created).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class SimulationSink(models.Model):
    simulation = models.ForeignKey("simulations.Simulation", on_delete=models.CASCADE, related_name="sink_links")
    sink = models.ForeignKey(Sink, on_delete=models.CASCADE, related_name="simulation_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["simulation", "sink"], name="simulation_sink_unique")]

    def __str__(self) -> str:
        return f"simulation {self.simulation_id} -> sink {self.sink_id}"


class SlotDelivery(models.Model):
    """How far one slot's events have reached one sink, and its retry state."""

    slot = models.ForeignKey("simulations.Slot", on_delete=models.CASCADE, related_name="deliveries")
    sink = models.ForeignKey(Sink, on_delete=models.CASCADE, related_name="slot_deliveries")
    simulation = models.ForeignKey("simulations.Simulation", on_delete=models.CASCADE, related_name="+")
    since = models.BigIntegerField(help_text="Simulated epoch seconds: every event before it is delivered.")
    offset = models.PositiveIntegerField(default=0, help_text="Events of [since, next target) delivered already.")
    delivered = models.PositiveBigIntegerField(default=0)
    failed = models.PositiveBigIntegerField(default=0, help_text="Failed requests (each retried or dead-lettered).")
    dead = models.PositiveBigIntegerField(default=0, help_text="Events dead-lettered.")
    lag_p50_ms = models.FloatField(null=True, blank=True, help_text="Last request: median delivery lag.")
    lag_max_ms = models.FloatField(null=True, blank=True, help_text="Last request: worst delivery lag.")
    lag_at = models.DateTimeField(null=True, blank=True)
    retries = models.PositiveIntegerField(default=0, help_text="Consecutive failed requests (the backoff exponent).")
    first_failure_at = models.DateTimeField(null=True, blank=True, help_text="Start of the current failure streak.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.PositiveIntegerField(default=0, help_text="Claim token: progress commits only under its claim.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Dispatcher sent a message for it.")
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "sink"], name="slot_delivery_natural_key")]
        indexes = [models.Index(fields=["simulation", "sink"], name="slot_delivery_sim_sink")]

    def __str__(self) -> str:
        return f"slot {self.slot_id} -> sink {self.sink_id} (since {self.since}+{self.offset})"


class DeadLetter(models.Model):
    """Events ``[start, stop)`` of slot ``slot``'s range ``[since, until)`` that could not be delivered."""

    simulation = models.ForeignKey("simulations.Simulation", on_delete=models.CASCADE, related_name="dead_letters")
    sink = models.ForeignKey(Sink, on_delete=models.CASCADE, related_name="dead_letters")
    slot = models.ForeignKey("simulations.Slot", on_delete=models.CASCADE, related_name="+")
    since = models.BigIntegerField()
    until = models.BigIntegerField()
    start = models.PositiveIntegerField()
    stop = models.PositiveIntegerField()
    error = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["simulation", "sink", "replayed_at"], name="dead_letter_open")]

    def __str__(self) -> str:
        return f"{self.stop - self.start} event(s) of slot {self.slot_id} -> sink {self.sink_id}"

    @property
    def events(self) -> int:
        return self.stop - self.start
