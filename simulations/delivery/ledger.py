"""The delivery bookkeeping of one (slot, sink): its ``SlotDelivery`` watermark, claimed, advanced, failed.

No row per event: ``(since, offset)`` names what has been delivered (``models.SlotDelivery``). Every write here is
one conditional UPDATE under the claim token, so a delivery whose claim went stale (another worker took over)
writes nothing. Delivered progress is kept in memory and committed at most every CRMSIM_DELIVERY_SAVE_SECONDS,
and always before a failure, a dead letter or a release is recorded: a crash re-sends at most that much, with the
same event ids and webhook-ids (one commit per request cost more than the request itself; docs/sinks.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from simulations.delivery.models import DeadLetter, Sink, SlotDelivery

logger = logging.getLogger(__name__)


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, capped; never sooner than the target's Retry-After."""
    ceiling = min(settings.CRMSIM_DELIVERY_BACKOFF_MAX_SECONDS, settings.CRMSIM_DELIVERY_BACKOFF_SECONDS * 2**attempt)
    wait = random.uniform(ceiling / 2, ceiling)  # jitter, not security
    return max(wait, retry_after or 0.0)


def claim(slot_id: int, sink_id: int, now: dt.datetime) -> SlotDelivery | None:
    """Take the (slot, sink) row unless another claim is fresh (CRMSIM_DELIVERY_CLAIM_SECONDS) or its next attempt
    is not due: a conditional UPDATE bumps the claim token. The row comes back with its slot, sink and simulation
    (without the simulation's report, which delivery never reads)."""
    stale = now - dt.timedelta(seconds=settings.CRMSIM_DELIVERY_CLAIM_SECONDS)
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    with transaction.atomic():
        updated = SlotDelivery.objects.filter(free, due, slot_id=slot_id, sink_id=sink_id).update(
            claim=F("claim") + 1, claimed_at=now, enqueued_at=None
        )
        if not updated:
            return None
        return (
            SlotDelivery.objects.select_related("slot", "sink", "simulation")
            .defer("simulation__report")
            .get(slot_id=slot_id, sink_id=sink_id)
        )


def disable_sink(sink_id: int, reason: str) -> None:
    Sink.objects.filter(pk=sink_id, enabled=True).update(enabled=False, disabled_reason=reason[:300])
    logger.warning("sink %s disabled: %s", sink_id, reason)


def lag_ms(simulation: Any, times: Sequence[int], now: dt.datetime) -> tuple[float, float]:
    """(median, worst) of how late events reached the sink against when their rows fell due (live: the simulated
    clock; backfill: the simulation's start). ``times`` are the events' simulated times, ascending (delivery
    order), so the lag falls along them: the worst is the first's, the median that of the middle one(s)."""
    from simulations.lifecycle.clock import due_wall_time

    wall = now.timestamp()
    if simulation.pace == simulation.Pace.LIVE and simulation.clock_wall and simulation.clock_sim:
        origin = simulation.clock_wall.timestamp() - simulation.clock_sim.timestamp() / simulation.time_scale
        scale = simulation.time_scale

        def lag(t: int) -> float:
            return max(wall - (origin + t / scale), 0.0) * 1000.0

        middle = len(times) // 2
        return (lag(times[(len(times) - 1) // 2]) + lag(times[middle])) / 2, lag(times[0])
    started = simulation.started_at or due_wall_time(simulation, 0)
    constant = max(wall - started.timestamp(), 0.0) * 1000.0
    return constant, constant


def _relaxed_commit() -> None:
    """Outcome transactions need not wait for the WAL flush: a commit lost in a database crash means the request
    is sent again, which at-least-once delivery (same event ids, same webhook-id) already allows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class Ledger:
    """A claimed ``SlotDelivery``: the watermark in memory (``row.since``, ``row.offset``) and the delivered
    progress not yet committed. Methods that write return False when the claim was lost."""

    def __init__(self, row: SlotDelivery):
        self.row = row
        self.unsaved: dict[str, Any] = {}
        self.last_save = time.monotonic()

    def _mine(self) -> QuerySet[SlotDelivery]:
        return SlotDelivery.objects.filter(pk=self.row.pk, claim=self.row.claim)

    def _step(self, until: int, count: int, total: int) -> tuple[int, int]:
        """(since, offset) after ``count`` more events of ``[since, until)`` (``total`` events) are settled."""
        offset = self.row.offset + count
        return (until, 0) if offset >= total else (self.row.since, offset)

    def delivered(
        self,
        until: int,
        count: int,
        total: int,
        *,
        moment: dt.datetime,
        lag: tuple[float, float],
        errors: Sequence[str],
    ) -> None:
        """``count`` events went through (in memory until ``save``)."""
        row = self.row
        row.since, row.offset = self._step(until, count, total)
        row.first_failure_at, row.retries = None, 0
        self.unsaved.update(
            count=self.unsaved.get("count", 0) + count,
            moment=moment,
            p50=lag[0],
            worst=lag[1],
            error="; ".join(errors)[:500],
        )

    def passed(self, until: int, total: int) -> None:
        """The range ``[since, until)`` has nothing left to send (its ``total`` events are settled): step past it."""
        row = self.row
        row.since, row.offset = self._step(until, 0, total)
        self.unsaved.setdefault("count", 0)
        self.unsaved.setdefault("moment", timezone.now())
        self.unsaved.setdefault("p50", row.lag_p50_ms)
        self.unsaved.setdefault("worst", row.lag_max_ms)
        self.unsaved.setdefault("error", row.last_error)

    def due_to_save(self) -> bool:
        return time.monotonic() - self.last_save >= settings.CRMSIM_DELIVERY_SAVE_SECONDS

    def save(self, *, release: bool = False, **changes: Any) -> bool:
        """Commit the delivered progress not yet recorded (one conditional UPDATE under the claim); with
        ``release``, give the claim up in the same statement, with any further field changes."""
        self.last_save = time.monotonic()
        unsaved, row = self.unsaved, self.row
        if not unsaved:
            if release:
                self.release(**changes)
            return True
        with transaction.atomic():
            _relaxed_commit()
            fields: dict[str, Any] = {
                "since": row.since,
                "offset": row.offset,
                "delivered": F("delivered") + unsaved["count"],
                "retries": 0,
                "first_failure_at": None,
                "next_attempt_at": None,
                "claimed_at": None if release else unsaved["moment"],
                "lag_p50_ms": unsaved["p50"],
                "lag_max_ms": unsaved["worst"],
                "lag_at": unsaved["moment"],
                "last_error": unsaved["error"],
            }
            updated = self._mine().update(**{**fields, **changes})
        unsaved.clear()
        return bool(updated)

    def release(self, **changes: Any) -> None:
        """Give the claim up (after ``save``), with any further field changes."""
        self._mine().update(claimed_at=None, **changes)

    def retry(self, *, first: dt.datetime, retry_at: dt.datetime, error: str) -> None:
        """A failed request to try again at ``retry_at``; the claim is given up."""
        self._mine().update(
            failed=F("failed") + 1,
            retries=F("retries") + 1,
            first_failure_at=first,
            next_attempt_at=retry_at,
            claimed_at=None,
            last_error=error[:500],
        )

    def dead_letter(
        self, until: int, count: int, total: int, *, moment: dt.datetime, first: dt.datetime, reason: str, detail: str
    ) -> bool:
        """Record the next ``count`` events as a dead letter (``reason``) and step past them, in one transaction."""
        row = self.row
        since, offset = self._step(until, count, total)
        with transaction.atomic():
            DeadLetter.objects.create(
                simulation_id=row.simulation_id,
                sink_id=row.sink_id,
                slot_id=row.slot_id,
                since=row.since,
                until=until,
                start=row.offset,
                stop=row.offset + count,
                error=reason[:500],
            )
            updated = self._mine().update(
                since=since,
                offset=offset,
                failed=F("failed") + 1,
                dead=F("dead") + count,
                retries=F("retries") + 1,
                first_failure_at=first,
                next_attempt_at=None,
                claimed_at=moment,
                last_error=detail[:500],
            )
            if not updated:
                transaction.set_rollback(True)
                return False
        row.since, row.offset = since, offset
        row.first_failure_at, row.retries = first, row.retries + 1
        return True
