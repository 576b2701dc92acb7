"""Who runs deliveries: the in-process runner (embedded mode) and the Celery dispatcher (distributed mode).

Both look for ``SlotDelivery`` rows with work: the slot's materialization watermark is past the delivery
watermark (or a range is half sent), the sink is enabled, the next attempt is due, no fresh claim. Generation
never waits for them: the runner gives deliveries a bounded time budget per loop, and Celery runs them on their
own ``deliver`` queue. A sink that falls behind shows a growing lag and pending count (``selectors``); nothing is
buffered, since undelivered events are regenerated from the engine when their turn comes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from simulations.delivery.deliver import DeliveryResult, deliver_slot
from simulations.delivery.expressions import EpochToTimestamp
from simulations.delivery.models import SlotDelivery


def deliver_due(*, simulation_id: int, budget_seconds: float) -> list[DeliveryResult]:
    """Embedded mode: deliver what is due for one simulation, for at most about ``budget_seconds``."""
    deadline = time.monotonic() + budget_seconds
    results: list[DeliveryResult] = []
    rows = list(
        pending_with_watermark(now=timezone.now(), simulation_id=simulation_id)
        .order_by("slot__index", "sink_id")
        .values_list("slot_id", "sink_id", "slot__index", "since", "slot__watermark")
    )
    for slot_id, sink_id, *_ in rows:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        results.append(deliver_slot(slot_id=slot_id, sink_id=sink_id, budget_seconds=left))
    return results


def behind(*, simulation_id: int | None = None) -> QuerySet[SlotDelivery]:
    """(slot, sink) pairs of enabled sinks whose slot has written events the sink has not settled."""
    queryset = SlotDelivery.objects.filter(sink__enabled=True, slot__watermark__isnull=False).filter(
        Q(offset__gt=0) | Q(slot__watermark__gt=EpochToTimestamp(F("since")))
    )
    return queryset if simulation_id is None else queryset.filter(simulation_id=simulation_id)


def pending_with_watermark(*, now: dt.datetime, simulation_id: int | None = None) -> QuerySet[SlotDelivery]:
    """``behind`` rows whose next attempt is due and that nobody holds a fresh claim on."""
    stale = now - dt.timedelta(seconds=settings.CRMSIM_DELIVERY_CLAIM_SECONDS)
    return behind(simulation_id=simulation_id).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(sink__held_until__isnull=True) | Q(sink__held_until__lte=now),
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
    )


def next_wake(*, simulation_id: int) -> dt.datetime | None:
    """The earliest scheduled retry or end of a Retry-After hold of a simulation's deliveries (embedded mode
    sleeps until then)."""
    rows = behind(simulation_id=simulation_id)
    retry = rows.filter(next_attempt_at__isnull=False).order_by("next_attempt_at").values_list("next_attempt_at")
    held = rows.filter(sink__held_until__isnull=False).order_by("sink__held_until").values_list("sink__held_until")
    moments = [row[0] for row in (retry.first(), held.first()) if row is not None and row[0] is not None]
    return max(moments) if moments else None


def settled(*, simulation_id: int) -> bool:
    """Every enabled sink has every written event of the simulation delivered or dead-lettered."""
    return not behind(simulation_id=simulation_id).exists()


SendDelivery = Callable[[int, int, "dt.datetime | None"], None]


@dataclass(frozen=True)
class DeliveryTick:
    sent: int


def dispatch_due_deliveries(*, send: SendDelivery, now: dt.datetime | None = None, limit: int = 500) -> DeliveryTick:
    """Distributed mode, on each dispatcher tick: send a ``deliver`` message for every (slot, sink) with work.

    Rows are marked ``enqueued_at`` so the next ticks do not flood the queue with duplicates; a message lost
    with a broker restart or a dead worker is re-sent once the mark (or the worker's claim) is older than
    CRMSIM_DELIVERY_CLAIM_SECONDS. Duplicates are harmless: the claim lets one run.
    """
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.CRMSIM_DELIVERY_CLAIM_SECONDS)
    rows = list(
        pending_with_watermark(now=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .order_by("next_attempt_at", "slot_id")
        .values_list("pk", "slot_id", "sink_id")[:limit]
    )
    if rows:
        SlotDelivery.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(enqueued_at=now)
    for _, slot_id, sink_id in rows:
        send(slot_id, sink_id, None)
    return DeliveryTick(len(rows))


def delivery_budget() -> float:
    return float(settings.CRMSIM_EMBEDDED_DELIVERY_BUDGET_SECONDS)


def drain_deliveries(
    simulation: Any,
    *,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Embedded mode, after generation ended: deliver until every sink has settled (delivered, dead-lettered or
    disabled). Bounded: a failing range is dead-lettered after CRMSIM_DELIVERY_MAX_AGE_SECONDS, so this ends.
    Ctrl-C leaves the rest for a later ``start_simulation --resume`` or replay."""
    from simulations.reads.progress import progress

    while not settled(simulation_id=simulation.pk):
        results = deliver_due(simulation_id=simulation.pk, budget_seconds=delivery_budget())
        if on_progress is not None:
            on_progress(progress(simulation))
        if not any(r.delivered or r.dead for r in results):
            wake = next_wake(simulation_id=simulation.pk)
            wait = 0.05 if wake is None else (wake - timezone.now()).total_seconds()
            sleep(min(max(wait, 0.01), 1.0))


TASK_BUDGET_SECONDS = 20.0
"""One ``deliver`` task's share of work before it re-sends itself: keeps messages short, so a broker restart or a
killed worker loses little, and lets slots of several simulations interleave on the queue."""
RETRY_INLINE_SECONDS = 30.0
"""A retry due within this is sent as an eta message at once; later ones are left to the dispatcher's tick."""


def send_for_slot(*, slot_id: int, send: SendDelivery) -> int:
    """After a slot's rows commit: one ``deliver`` message per enabled sink of its simulation."""
    sink_ids = list(SlotDelivery.objects.filter(slot_id=slot_id, sink__enabled=True).values_list("sink_id", flat=True))
    for sink_id in sink_ids:
        send(slot_id, sink_id, None)
    return len(sink_ids)


def run_delivery(*, slot_id: int, sink_id: int, send: SendDelivery) -> DeliveryResult:
    """A ``deliver`` message's work: ``deliver_slot`` within a budget, then re-send itself while work is left."""
    result = deliver_slot(slot_id=slot_id, sink_id=sink_id, budget_seconds=TASK_BUDGET_SECONDS)
    if result.state == "more":
        send(slot_id, sink_id, None)
    elif (
        result.state in ("retry", "not due")
        and result.retry_at is not None
        and (result.retry_at - timezone.now()).total_seconds() <= RETRY_INLINE_SECONDS
    ):
        send(slot_id, sink_id, result.retry_at)
    return result
