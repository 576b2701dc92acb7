"""Replay: re-send a simulation's open dead letters, their events regenerated exactly from the engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from simulations.delivery import registry
from simulations.delivery.events import events_for
from simulations.delivery.ledger import disable_sink
from simulations.delivery.models import DeadLetter, SlotDelivery


@dataclass(frozen=True)
class ReplayResult:
    letters: int
    replayed: int
    still_failing: int


def replay_dead_letters(*, simulation: Any, sink_ids: Sequence[int] | None = None) -> ReplayResult:
    """Re-send every open dead letter of the simulation (its events regenerated exactly); a letter delivered
    now is marked replayed, one that fails again stays open for the next replay."""
    from simulations.lifecycle.requests import engine_inputs

    letters = DeadLetter.objects.filter(simulation=simulation, replayed_at__isnull=True).select_related("sink", "slot")
    if sink_ids is not None:
        letters = letters.filter(sink_id__in=sink_ids)
    inputs = engine_inputs(simulation)
    clients: dict[int, registry.SinkClient] = {}
    replayed = failing = count = 0
    try:
        for letter in letters.order_by("slot__index", "since", "start"):
            count += 1
            if not letter.sink.enabled:
                failing += 1
                continue
            client = clients.get(letter.sink_id) or clients.setdefault(letter.sink_id, registry.client_for(letter.sink))
            events = events_for(inputs, simulation.pk, letter.slot.index, letter.since, letter.until)
            chunk = events[letter.start : letter.stop]
            outcome = client.send(chunk, simulation.pk) if chunk else registry.Outcome("delivered")
            if outcome.kind == "delivered":
                with transaction.atomic():
                    if DeadLetter.objects.filter(pk=letter.pk, replayed_at__isnull=True).update(
                        replayed_at=timezone.now()
                    ):
                        SlotDelivery.objects.filter(slot_id=letter.slot_id, sink_id=letter.sink_id).update(
                            dead=F("dead") - len(chunk), delivered=F("delivered") + len(chunk)
                        )
                replayed += 1
            else:
                if outcome.kind == "gone":
                    disable_sink(letter.sink_id, outcome.detail or "the target answered 410 Gone")
                DeadLetter.objects.filter(pk=letter.pk).update(error=(outcome.detail or outcome.kind)[:500])
                failing += 1
    finally:
        for client in clients.values():
            client.close()
    return ReplayResult(count, replayed, failing)
