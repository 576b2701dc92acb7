"""``deliver_slot``: the one delivery routine, whatever drives it (the in-process runner, a Celery worker).

1. claim the (slot, sink) row (``ledger.claim``). A duplicate message finds it claimed and returns; a crashed
   worker's claim goes stale and the dispatcher sends it again.
2. regenerate the slot's events for ``[since, slot watermark)`` (``events.events_for``, rendered once per range)
   and send them from ``offset`` on, ``client.max_events`` at a time;
3. record each outcome under the claim (``ledger.Ledger``): advance the watermark (delivered), or schedule a retry
   (exponential backoff in the consecutive failures, with jitter, never sooner than ``Retry-After``), or write a
   dead letter and step past the events (rejected, or the failure streak is older than
   CRMSIM_DELIVERY_MAX_AGE_SECONDS: then each further failing request is dead-lettered at once until one
   succeeds), or disable the sink (gone).

Nothing is written per event; a redelivered request carries the same event ids and webhook-id.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from simulations.delivery import registry
from simulations.delivery.events import Event, events_for
from simulations.delivery.ledger import Ledger, backoff_seconds, claim, disable_sink, lag_ms
from simulations.delivery.models import Sink, SlotDelivery


@dataclass(frozen=True)
class DeliveryResult:
    """What one ``deliver_slot`` call did. ``state``: "caught up", "more" (budget spent, work left), "retry"
    (next attempt at ``retry_at``), "claimed" (someone else holds it), "disabled", "not due"."""

    state: str
    delivered: int = 0
    dead: int = 0
    requests: int = 0
    retry_at: dt.datetime | None = None


def deliver_slot(
    *,
    slot_id: int,
    sink_id: int,
    budget_seconds: float | None = None,
    client: registry.SinkClient | None = None,
) -> DeliveryResult:
    """Deliver what slot ``slot_id`` has written and sink ``sink_id`` has not received, within the budget.

    Idempotent and safe to call concurrently (see the module docstring). ``client`` lets a caller reuse one
    client (connection) across slots; one is built from the sink otherwise.
    """
    now = timezone.now()
    row = claim(slot_id, sink_id, now)
    if row is None:
        current = SlotDelivery.objects.filter(slot_id=slot_id, sink_id=sink_id).values("next_attempt_at").first()
        if current and current["next_attempt_at"] and current["next_attempt_at"] > now:
            return DeliveryResult("not due", retry_at=current["next_attempt_at"])
        return DeliveryResult("claimed")
    ledger = Ledger(row)
    sink = row.sink
    if not sink.enabled:
        ledger.release()
        return DeliveryResult("disabled")
    if sink.held_until is not None and sink.held_until > now:
        ledger.release()
        return DeliveryResult("not due", retry_at=sink.held_until)
    try:
        active = client or registry.client_for(sink)
    except Exception as exc:
        ledger.release(last_error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    try:
        return _send_all(ledger, active, budget_seconds)
    except BaseException:
        ledger.release()
        raise
    finally:
        if client is None:
            active.close()


def _send_all(ledger: Ledger, client: registry.SinkClient, budget_seconds: float | None) -> DeliveryResult:
    """The delivery loop of a claimed row: a range's events are regenerated once, then sent batch by batch."""
    from simulations.lifecycle.requests import engine_inputs

    row = ledger.row
    simulation, index = row.simulation, row.slot.index
    inputs = engine_inputs(simulation)
    deadline = time.monotonic() + budget_seconds if budget_seconds is not None else None
    delivered = dead = requests = 0
    slot_model = type(row.slot)

    def slot_watermark() -> int:
        watermark = slot_model.objects.filter(pk=row.slot_id).values_list("watermark", flat=True).first()
        return int(watermark.timestamp()) if watermark else row.since

    def finish(state: str, **changes: object) -> DeliveryResult:
        if not ledger.save(release=True, **changes):
            return DeliveryResult("claimed", delivered, dead, requests)
        return DeliveryResult(state, delivered, dead, requests)

    until = slot_watermark()
    events: list[Event] = []
    events_range = (-1, -1)
    while True:
        if until <= row.since and row.offset == 0:
            return finish("caught up")
        if events_range != (row.since, until):
            events_range = (row.since, until)
            events = events_for(inputs, simulation.pk, index, row.since, max(until, row.since))
        chunk = events[row.offset : row.offset + client.max_events]
        if not chunk:
            ledger.passed(until, len(events))
            until = slot_watermark()
            continue
        outcome = client.send(chunk, simulation.pk)
        requests += outcome.requests
        moment = timezone.now()
        if outcome.kind == "delivered":
            lag = lag_ms(simulation, [event.occurred_at for event in chunk], moment)
            ledger.delivered(until, len(chunk), len(events), moment=moment, lag=lag, errors=outcome.record_errors)
            delivered += len(chunk)
            if row.offset == 0:
                until = slot_watermark()  # a range is settled: look for newly written rows
            if ledger.due_to_save() and not ledger.save():
                return DeliveryResult("claimed", delivered, dead, requests)
            if deadline is not None and time.monotonic() >= deadline:
                return finish("more")
            continue
        if not ledger.save():
            return DeliveryResult("claimed", delivered, dead, requests)
        if outcome.kind == "gone":
            disable_sink(row.sink_id, outcome.detail or "the target answered 410 Gone")
            return finish("disabled", last_error=outcome.detail[:500])
        first = row.first_failure_at or moment
        too_old = (moment - first).total_seconds() >= settings.CRMSIM_DELIVERY_MAX_AGE_SECONDS
        if outcome.kind != "rejected" and not too_old:
            retry_at = moment + dt.timedelta(seconds=backoff_seconds(row.retries, outcome.retry_after))
            if outcome.retry_after is not None:
                # Retry-After speaks for the whole target: hold every slot's delivery to this sink.
                held = moment + dt.timedelta(seconds=outcome.retry_after)
                Sink.objects.filter(pk=row.sink_id).update(held_until=held)
            ledger.retry(first=first, retry_at=retry_at, error=outcome.detail)
            return DeliveryResult("retry", delivered, dead, requests, retry_at)
        reason = outcome.detail or outcome.kind
        if not ledger.dead_letter(
            until, len(chunk), len(events), moment=moment, first=first, reason=reason, detail=outcome.detail
        ):
            return DeliveryResult("claimed", delivered, dead, requests)
        dead += len(chunk)
        if row.offset == 0:
            until = slot_watermark()
        if deadline is not None and time.monotonic() >= deadline:
            return finish("more")
