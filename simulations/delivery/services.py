"""Writes for sinks and deliveries: sink CRUD, attaching sinks to a simulation, delivering a slot, replay.

``deliver_slot`` is the one delivery routine, whatever drives it (the in-process runner, a Celery worker):

1. claim the (slot, sink) row: a conditional UPDATE bumps its claim token unless another claim is fresh
   (CRMSIM_DELIVERY_CLAIM_SECONDS) or its next attempt is not due. A duplicate message finds it claimed and
   returns; a crashed worker's claim goes stale and the dispatcher sends it again.
2. regenerate the slot's events for ``[since, slot watermark)`` (``events.events_for``) and send them from
   ``offset`` on, ``client.max_events`` at a time;
3. record each outcome in one transaction, conditional on still holding the claim: advance the watermark
   (delivered), or schedule a retry (exponential backoff in the consecutive failures, with jitter, never sooner
   than ``Retry-After``), or write a dead letter and step past the events (rejected, or the failure streak is
   older than CRMSIM_DELIVERY_MAX_AGE_SECONDS: then each further failing request is dead-lettered at once until
   one succeeds), or disable the sink (gone).

Nothing is written per event; a redelivered request carries the same event ids and webhook-id.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from crmsim.errors import InvalidInput
from simulations.delivery import registry
from simulations.delivery.events import Event, events_for
from simulations.delivery.models import DeadLetter, SimulationSink, Sink, SlotDelivery
from simulations.delivery.secrets import encrypt_secret, secret_hint
from simulations.delivery.targets import TargetRejected, check_target

logger = logging.getLogger(__name__)


class SinkInputError(InvalidInput):
    """Bad sink input (HTTP 400 through the one exception handler); ``errors`` maps field paths to messages."""


# --- sinks -------------------------------------------------------------------------------------------------


def _validate(*, kind: str, url: str, secret: str | None, batch_size: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in Sink.Kind.values:
        return {"kind": [f"Must be one of {', '.join(Sink.Kind.values)}."]}
    try:
        check_target(url)
    except TargetRejected as exc:
        errors["baseUrl" if kind == Sink.Kind.HUBSPOT else "url"] = [str(exc)]
    if secret is not None:
        problem = registry.kind(kind).validate_secret(secret)
        if problem:
            errors["accessToken" if kind == Sink.Kind.HUBSPOT else "secret"] = [problem]
    if not 1 <= batch_size <= settings.CRMSIM_WEBHOOK_MAX_BATCH:
        errors["batchSize"] = [f"Must be in [1, {settings.CRMSIM_WEBHOOK_MAX_BATCH}]."]
    return errors


@transaction.atomic
def create_sink(
    *, owner: Any, kind: str, name: str, url: str | None, secret: str, batch_size: int | None = None
) -> Sink:
    """Validate and store a sink (its secret encrypted). Raises SinkInputError; nothing is saved on bad input."""
    if kind == Sink.Kind.HUBSPOT and not url:
        url = registry.kind(kind).default_url
    batch = batch_size if batch_size is not None else settings.CRMSIM_WEBHOOK_DEFAULT_BATCH
    errors = _validate(kind=kind, url=url or "", secret=secret, batch_size=batch)
    if errors:
        raise SinkInputError(errors)
    return Sink.objects.create(
        owner=owner,
        kind=kind,
        name=name,
        url=url or "",
        batch_size=batch,
        secret_encrypted=encrypt_secret(secret),
        secret_hint=secret_hint(secret),
    )


@transaction.atomic
def update_sink(
    *,
    sink: Sink,
    name: str | None = None,
    url: str | None = None,
    secret: str | None = None,
    batch_size: int | None = None,
    enabled: bool | None = None,
) -> Sink:
    """Change a sink; a secret given replaces the stored one. Re-enabling clears the disabled reason."""
    new_url = url if url is not None else sink.url
    new_batch = batch_size if batch_size is not None else sink.batch_size
    errors = _validate(kind=sink.kind, url=new_url, secret=secret, batch_size=new_batch)
    if errors:
        raise SinkInputError(errors)
    if name is not None:
        sink.name = name
    sink.url, sink.batch_size = new_url, new_batch
    if secret is not None:
        sink.secret_encrypted, sink.secret_hint = encrypt_secret(secret), secret_hint(secret)
        sink.state = {}
    if enabled is not None:
        sink.enabled = enabled
        if enabled:
            sink.disabled_reason = ""
    sink.save()
    return sink


def test_sink(*, sink: Sink) -> registry.Outcome:
    """Send one signed ping (webhook) or one authenticated read (HubSpot); return the target's answer."""
    client = registry.client_for(sink)
    try:
        return client.ping()
    finally:
        client.close()


@transaction.atomic
def attach_sinks(*, simulation: Any, sink_ids: Sequence[int]) -> list[Sink]:
    """Stream ``simulation`` to these sinks of its owner: one delivery watermark per slot and sink.

    Raises SinkInputError (field ``sinks``) for an id that is not one of the owner's sinks (another user's
    sink is "unknown" too, so ids do not leak).
    """
    wanted = list(dict.fromkeys(sink_ids))
    sinks = {s.pk: s for s in Sink.objects.filter(owner_id=simulation.owner_id, pk__in=wanted)}
    unknown = [str(pk) for pk in wanted if pk not in sinks]
    if unknown:
        raise SinkInputError({"sinks": [f"Unknown sink id(s): {', '.join(unknown)}."]})
    disabled = [str(pk) for pk in wanted if not sinks[pk].enabled]
    if disabled:
        raise SinkInputError({"sinks": [f"Sink(s) {', '.join(disabled)} are disabled; enable them first."]})
    for pk in wanted:
        SimulationSink.objects.get_or_create(simulation=simulation, sink=sinks[pk])
    add_slot_deliveries(simulation=simulation)
    return [sinks[pk] for pk in wanted]


def add_slot_deliveries(*, simulation: Any) -> None:
    """One delivery watermark per slot and linked sink (idempotent). A simulation created over the API is linked
    to its sinks before it is planned; its slots get their watermarks when the plan is stored."""
    start = int(simulation.window_start.timestamp())
    slot_ids = list(simulation.slots.values_list("pk", flat=True))
    for sink_id in SimulationSink.objects.filter(simulation=simulation).values_list("sink_id", flat=True):
        SlotDelivery.objects.bulk_create(
            [
                SlotDelivery(slot_id=slot_id, sink_id=sink_id, simulation=simulation, since=start)
                for slot_id in slot_ids
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )


# --- delivering --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """What one ``deliver_slot`` call did. ``state``: "caught up", "more" (budget spent, work left), "retry"
    (next attempt at ``retry_at``), "claimed" (someone else holds it), "disabled", "not due"."""

    state: str
    delivered: int = 0
    dead: int = 0
    requests: int = 0
    retry_at: dt.datetime | None = None


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, capped; never sooner than the target's Retry-After."""
    ceiling = min(settings.CRMSIM_DELIVERY_BACKOFF_MAX_SECONDS, settings.CRMSIM_DELIVERY_BACKOFF_SECONDS * 2**attempt)
    wait = random.uniform(ceiling / 2, ceiling)  # jitter, not security
    return max(wait, retry_after or 0.0)


def _claim(slot_id: int, sink_id: int, now: dt.datetime) -> SlotDelivery | None:
    stale = now - dt.timedelta(seconds=settings.CRMSIM_DELIVERY_CLAIM_SECONDS)
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    with transaction.atomic():
        updated = SlotDelivery.objects.filter(free, due, slot_id=slot_id, sink_id=sink_id).update(
            claim=F("claim") + 1, claimed_at=now, enqueued_at=None
        )
        if not updated:
            return None
        return SlotDelivery.objects.select_related("slot", "sink", "simulation").get(slot_id=slot_id, sink_id=sink_id)


def _mine(delivery: SlotDelivery) -> Any:
    return SlotDelivery.objects.filter(pk=delivery.pk, claim=delivery.claim)


def _release(delivery: SlotDelivery, **changes: Any) -> None:
    _mine(delivery).update(claimed_at=None, **changes)


def _lag_ms(delivery: SlotDelivery, events: Sequence[Event], now: dt.datetime) -> tuple[float, float]:
    """How late events reached the sink against when their rows fell due (live: the simulated clock; backfill:
    the simulation's start)."""
    from simulations.lifecycle.clock import due_wall_time

    simulation = delivery.simulation
    times = np.array([e.occurred_at for e in events], dtype=np.int64)
    if simulation.pace == simulation.Pace.LIVE and simulation.clock_wall and simulation.clock_sim:
        origin = simulation.clock_wall.timestamp() - simulation.clock_sim.timestamp() / simulation.time_scale
        due = origin + times / simulation.time_scale
    else:
        started = simulation.started_at or due_wall_time(simulation, 0)
        due = np.full(len(times), started.timestamp())
    lag = np.maximum(now.timestamp() - due, 0.0) * 1000.0
    return float(np.percentile(lag, 50)), float(lag.max())


def _dead_letter(delivery: SlotDelivery, until: int, count: int, error: str) -> None:
    DeadLetter.objects.create(
        simulation_id=delivery.simulation_id,
        sink_id=delivery.sink_id,
        slot_id=delivery.slot_id,
        since=delivery.since,
        until=until,
        start=delivery.offset,
        stop=delivery.offset + count,
        error=error[:500],
    )


def _advance(delivery: SlotDelivery, until: int, count: int, total: int) -> dict[str, Any]:
    """Watermark fields after ``count`` more events of ``[since, until)`` (``total`` events) are settled."""
    offset = delivery.offset + count
    if offset >= total:
        return {"since": until, "offset": 0}
    return {"since": delivery.since, "offset": offset}


def _relaxed_commit() -> None:
    """Outcome transactions need not wait for the WAL flush: a commit lost in a database crash means the request
    is sent again, which at-least-once delivery (same event ids, same webhook-id) already allows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _disable(sink_id: int, reason: str) -> None:
    Sink.objects.filter(pk=sink_id, enabled=True).update(enabled=False, disabled_reason=reason[:300])
    logger.warning("sink %s disabled: %s", sink_id, reason)


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
    delivery = _claim(slot_id, sink_id, now)
    if delivery is None:
        current = SlotDelivery.objects.filter(slot_id=slot_id, sink_id=sink_id).values("next_attempt_at").first()
        if current and current["next_attempt_at"] and current["next_attempt_at"] > now:
            return DeliveryResult("not due", retry_at=current["next_attempt_at"])
        return DeliveryResult("claimed")
    sink, simulation = delivery.sink, delivery.simulation
    if not sink.enabled:
        _release(delivery)
        return DeliveryResult("disabled")
    if sink.held_until is not None and sink.held_until > now:
        _release(delivery)
        return DeliveryResult("not due", retry_at=sink.held_until)
    deadline = time.monotonic() + budget_seconds if budget_seconds is not None else None
    own_client = client is None
    try:
        active = client or registry.client_for(sink)
    except Exception as exc:
        _release(delivery, last_error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    from simulations.lifecycle.requests import engine_inputs

    inputs = engine_inputs(simulation)
    delivered = dead = requests = 0
    slot_model = type(delivery.slot)

    def slot_watermark() -> int:
        watermark = slot_model.objects.filter(pk=slot_id).values_list("watermark", flat=True).first()
        return int(watermark.timestamp()) if watermark else delivery.since

    until = slot_watermark()
    unsaved: dict[str, Any] = {}
    last_save = time.monotonic()

    def save() -> bool:
        """Commit the delivered progress not yet recorded (one conditional UPDATE under the claim)."""
        nonlocal last_save
        last_save = time.monotonic()
        if not unsaved:
            return True
        with transaction.atomic():
            _relaxed_commit()
            updated = _mine(delivery).update(
                since=delivery.since,
                offset=delivery.offset,
                delivered=F("delivered") + unsaved["count"],
                retries=0,
                first_failure_at=None,
                next_attempt_at=None,
                claimed_at=unsaved["moment"],
                lag_p50_ms=unsaved["p50"],
                lag_max_ms=unsaved["worst"],
                lag_at=unsaved["moment"],
                last_error=unsaved["error"],
            )
        unsaved.clear()
        return bool(updated)

    def finish(state: str, **changes: Any) -> DeliveryResult:
        if not save():
            return DeliveryResult("claimed", delivered, dead, requests)
        _release(delivery, **changes)
        return DeliveryResult(state, delivered, dead, requests)

    try:
        while True:
            if until <= delivery.since and delivery.offset == 0:
                return finish("caught up")
            events = events_for(inputs, simulation.pk, delivery.slot.index, delivery.since, max(until, delivery.since))
            chunk = events[delivery.offset : delivery.offset + active.max_events]
            if not chunk:
                changes = _advance(delivery, until, 0, len(events))
                delivery.since, delivery.offset = changes["since"], changes["offset"]
                unsaved.setdefault("count", 0)
                unsaved.setdefault("moment", timezone.now())
                unsaved.setdefault("p50", delivery.lag_p50_ms)
                unsaved.setdefault("worst", delivery.lag_max_ms)
                unsaved.setdefault("error", delivery.last_error)
                until = slot_watermark()
                continue
            outcome = active.send(chunk, simulation.pk)
            requests += outcome.requests
            moment = timezone.now()
            if outcome.kind == "delivered":
                # Progress is recorded at most every CRMSIM_DELIVERY_SAVE_SECONDS (and before anything else is
                # written or the claim is released): a crash re-sends at most that much, with the same ids.
                changes = _advance(delivery, until, len(chunk), len(events))
                delivery.since, delivery.offset = changes["since"], changes["offset"]
                delivery.first_failure_at, delivery.retries = None, 0
                p50, worst = _lag_ms(delivery, chunk, moment)
                unsaved.update(
                    count=unsaved.get("count", 0) + len(chunk),
                    moment=moment,
                    p50=p50,
                    worst=worst,
                    error="; ".join(outcome.record_errors)[:500],
                )
                delivered += len(chunk)
                if changes["offset"] == 0:
                    until = slot_watermark()  # a range is settled: look for newly written rows
                if time.monotonic() - last_save >= settings.CRMSIM_DELIVERY_SAVE_SECONDS and not save():
                    return DeliveryResult("claimed", delivered, dead, requests)
                if deadline is not None and time.monotonic() >= deadline:
                    return finish("more")
                continue
            if not save():
                return DeliveryResult("claimed", delivered, dead, requests)
            if outcome.kind == "gone":
                _disable(sink.pk, outcome.detail or "the target answered 410 Gone")
                return finish("disabled", last_error=outcome.detail[:500])
            first = delivery.first_failure_at or moment
            too_old = (moment - first).total_seconds() >= settings.CRMSIM_DELIVERY_MAX_AGE_SECONDS
            if outcome.kind != "rejected" and not too_old:
                retry_at = moment + dt.timedelta(seconds=backoff_seconds(delivery.retries, outcome.retry_after))
                if outcome.retry_after is not None:
                    # Retry-After speaks for the whole target: hold every slot's delivery to this sink.
                    held = moment + dt.timedelta(seconds=outcome.retry_after)
                    Sink.objects.filter(pk=sink.pk).update(held_until=held)
                _mine(delivery).update(
                    failed=F("failed") + 1,
                    retries=F("retries") + 1,
                    first_failure_at=first,
                    next_attempt_at=retry_at,
                    claimed_at=None,
                    last_error=outcome.detail[:500],
                )
                return DeliveryResult("retry", delivered, dead, requests, retry_at)
            with transaction.atomic():
                _dead_letter(delivery, until, len(chunk), outcome.detail or outcome.kind)
                changes = _advance(delivery, until, len(chunk), len(events))
                updated = _mine(delivery).update(
                    **changes,
                    failed=F("failed") + 1,
                    dead=F("dead") + len(chunk),
                    retries=F("retries") + 1,
                    first_failure_at=first,
                    next_attempt_at=None,
                    claimed_at=moment,
                    last_error=outcome.detail[:500],
                )
                if not updated:
                    transaction.set_rollback(True)
                    return DeliveryResult("claimed", delivered, dead, requests)
            dead += len(chunk)
            delivery.since, delivery.offset = changes["since"], changes["offset"]
            delivery.first_failure_at, delivery.retries = first, delivery.retries + 1
            if changes["offset"] == 0:
                until = slot_watermark()
            if deadline is not None and time.monotonic() >= deadline:
                return finish("more")
    except BaseException:
        _release(delivery)
        raise
    finally:
        if own_client:
            active.close()


# --- replay ------------------------------------------------------------------------------------------------


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
                    _disable(letter.sink_id, outcome.detail or "the target answered 410 Gone")
                DeadLetter.objects.filter(pk=letter.pk).update(error=(outcome.detail or outcome.kind)[:500])
                failing += 1
    finally:
        for client in clients.values():
            client.close()
    return ReplayResult(count, replayed, failing)
