"""The distributed driver: claim due slots, hand them to workers, sweep lost claims, detect completion.

The durable plan is the slot table; Celery only carries short-lived messages. A dispatcher tick (the
``simulations.dispatch`` beat task, every CRMSIM_DISPATCH_INTERVAL_SECONDS)::

    sweep_stale_claims        enqueued slots whose message is overdue by CRMSIM_SWEEP_AFTER_SECONDS -> pending
    dispatch_due_slots        per running simulation: pending slots due within the horizon -> enqueued (a claim),
                              sent after commit with eta <= now + CRMSIM_DISPATCH_HORIZON_SECONDS
    complete_finished_...     running simulations with no slot left -> completed (exactly once)

A worker runs ``materialize_claim`` for a claim: ``materialize.slot.materialize_slot`` under the slot's row lock (a
no-op for a done or up-to-date slot, and it returns the slot to pending when the simulation is not running),
then, in live pace, claims the same slot again for its next rows (a *follow-up*), so live lag does not depend on
the dispatcher's interval.

Claims are taken with ``SELECT ... FOR UPDATE SKIP LOCKED`` and re-checked (status pending) under the lock, so any
number of dispatchers may run at once without claiming a slot twice. A claim carries ``attempt`` (the slot's
``attempts`` after claiming): a message whose attempt is not the slot's current claim still materializes (that is
idempotent, and a slow message swept by mistake still does useful work) but never starts a follow-up, so at most
one chain of messages per slot survives.

Nothing here talks to the broker: senders are passed in (``simulations.tasks`` passes Celery's; tests pass a
list's ``append``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from simulations.lifecycle.clock import due_wall_time, epoch, from_epoch, simulated_now
from simulations.lifecycle.control import complete_if_done, fail_simulation
from simulations.materialize.slot import SlotResult, materialize_slot
from simulations.models import Simulation, Slot

logger = logging.getLogger(__name__)

MAX_CLAIMS_PER_TICK = 500
"""Claims one dispatcher tick makes over all simulations (bounds the tick's transaction and burst of messages)."""
MAX_IN_FLIGHT_PER_SIMULATION = 64
"""Slots of one simulation claimed at a time. Keeps the queue short, so a claim's message is consumed well within
CRMSIM_SWEEP_AFTER_SECONDS (a long queue would make the sweeper re-send healthy messages), bounds the eta messages
workers hold in memory, and keeps pause/cancel quick. 64 slots of 1000 leads keep dozens of worker processes busy
for several ticks. A soft cap: two dispatchers racing may exceed it by one tick's claims."""
FOLLOW_UP_MIN_GAP = dt.timedelta(seconds=0.25)
"""Live pace: a slot's next batch runs at least this long after its previous one (batches rows, bounds task rate)."""
DISPATCH_TASK_NAME = "crmsim: dispatch due slots"

SendClaim = Callable[["Claim"], None]


@dataclass(frozen=True)
class Claim:
    """One slot handed to a worker: run ``materialize_slot(slot_id, attempt)`` at ``eta`` (None: now)."""

    slot_id: int
    simulation_id: int
    attempt: int
    eta: dt.datetime | None


@dataclass(frozen=True)
class TickReport:
    swept: int
    claims: list[Claim] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)


def dispatch_horizon() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CRMSIM_DISPATCH_HORIZON_SECONDS)


def sweep_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CRMSIM_SWEEP_AFTER_SECONDS)


def claim_eta(
    simulation: Simulation,
    next_due: dt.datetime,
    *,
    now: dt.datetime,
    horizon: dt.timedelta,
    not_before: dt.datetime | None = None,
) -> dt.datetime | None:
    """When a claim's message should run: None for "now", else a wall time in (now, now + horizon].

    A batch writes rows strictly before the simulated time due at its start, so the slot's first unwritten row
    (at ``next_due``, whole seconds) is written by a batch that starts once ``next_due + 1`` is due.
    """
    due = None if simulation.pace == Simulation.Pace.BACKFILL else due_wall_time(simulation, epoch(next_due) + 1)
    if not_before is not None:
        due = not_before if due is None else max(due, not_before)
    if due is None or due <= now:
        return None
    return min(due, now + horizon)


def claim_due_slots(
    *,
    simulation: Simulation,
    now: dt.datetime,
    horizon: dt.timedelta,
    limit: int,
    slot_ids: Sequence[int] | None = None,
    not_before: dt.datetime | None = None,
) -> list[Claim]:
    """Claim up to ``limit`` pending slots of a running simulation that fall due before ``now + horizon``.

    Must run inside a transaction; the caller sends the claims after it commits. Slots locked by another
    transaction (a worker writing them, another dispatcher claiming them) are skipped, and the status filter is
    re-checked under the lock, so concurrent callers never claim the same slot.
    """
    if limit <= 0:
        return []
    due_before = from_epoch(simulated_now(simulation, now + horizon))
    pending = Slot.objects.filter(simulation_id=simulation.pk, status=Slot.Status.PENDING, next_due__lt=due_before)
    if slot_ids is not None:
        pending = pending.filter(pk__in=slot_ids)
    # of=("self",): only the slot rows, even if a filter ever joins the simulation (a FOR UPDATE on its row
    # would block workers' foreign key checks; see "Lock order" in docs/architecture.md).
    rows = list(
        pending.select_for_update(skip_locked=True, of=("self",))
        .order_by("next_due", "index")
        .values_list("pk", "attempts", "next_due")[:limit]
    )
    if not rows:
        return []
    Slot.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
        status=Slot.Status.ENQUEUED, claimed_at=now, attempts=F("attempts") + 1
    )
    claims = []
    for pk, attempts, next_due in rows:
        assert next_due is not None  # filtered on next_due < due_before
        eta = claim_eta(simulation, next_due, now=now, horizon=horizon, not_before=not_before)
        claims.append(Claim(pk, simulation.pk, attempts + 1, eta))
    return claims


def _send_all(claims: Sequence[Claim], send: SendClaim) -> None:
    # A claim whose message cannot be sent stays enqueued; the sweeper returns it to pending.
    for claim in claims:
        try:
            send(claim)
        except Exception:
            logger.exception(
                "could not send slot %s (attempt %s); the sweeper will retry it", claim.slot_id, claim.attempt
            )


def dispatch_due_slots(
    *,
    send: SendClaim,
    now: dt.datetime | None = None,
    horizon: dt.timedelta | None = None,
    max_claims: int = MAX_CLAIMS_PER_TICK,
    max_in_flight: int = MAX_IN_FLIGHT_PER_SIMULATION,
) -> list[Claim]:
    """Claim the slots of every running simulation that fall due within the horizon; send them after commit.

    One transaction per simulation. Paused, cancelled and finished simulations are never claimed for (a
    simulation paused while this runs is caught by the worker: ``materialize_slot`` sees it is not running and
    returns the slot to pending).
    """
    now = now or timezone.now()
    horizon = horizon if horizon is not None else dispatch_horizon()
    claims: list[Claim] = []
    for simulation in Simulation.objects.filter(status=Simulation.Status.RUNNING).order_by("started_at", "pk"):
        budget = max_claims - len(claims)
        if budget <= 0:
            break
        with transaction.atomic():
            in_flight = Slot.objects.filter(simulation_id=simulation.pk, status=Slot.Status.ENQUEUED).count()
            batch = claim_due_slots(
                simulation=simulation, now=now, horizon=horizon, limit=min(budget, max_in_flight - in_flight)
            )
            if batch:
                transaction.on_commit(partial(_send_all, batch, send))
        claims.extend(batch)
    return claims


def _expected_start(
    simulation: Simulation, claimed_at: dt.datetime, next_due: dt.datetime | None, horizon: dt.timedelta
) -> dt.datetime:
    """When a claim's message was due to start (its eta, or its claim time when it had none)."""
    if simulation.status != Simulation.Status.RUNNING or next_due is None:
        return claimed_at
    eta = claim_eta(simulation, next_due, now=claimed_at, horizon=horizon)
    return eta or claimed_at


def sweep_stale_claims(
    *,
    now: dt.datetime | None = None,
    stale_after: dt.timedelta | None = None,
    horizon: dt.timedelta | None = None,
    limit: int = 1000,
) -> int:
    """Return to pending the enqueued slots whose message should have started more than ``stale_after`` ago.

    Those messages were lost (a Redis restart, a purge) or are held by a dead worker (Redis would only redeliver
    them after visibility_timeout); the dispatcher claims the slots again. A slot being written right now is
    row-locked and skipped. A message that was merely slow still runs later and is harmless: it materializes an
    already written range (no-op) and, its attempt being stale, starts no follow-up.
    """
    now = now or timezone.now()
    cutoff = now - (stale_after if stale_after is not None else sweep_timeout())
    horizon = horizon if horizon is not None else dispatch_horizon()
    with transaction.atomic():
        rows = list(
            Slot.objects.filter(Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True), status=Slot.Status.ENQUEUED)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("claimed_at")
            .values_list("pk", "simulation_id", "claimed_at", "next_due")[:limit]
        )
        simulations = Simulation.objects.in_bulk({sim_id for _, sim_id, _, _ in rows})
        stale = [
            pk
            for pk, sim_id, claimed_at, next_due in rows
            if claimed_at is None or _expected_start(simulations[sim_id], claimed_at, next_due, horizon) < cutoff
        ]
        if stale:
            Slot.objects.filter(pk__in=stale).update(status=Slot.Status.PENDING, claimed_at=None)
    if stale:
        logger.warning("returned %d stale claim(s) to pending", len(stale))
    return len(stale)


def complete_finished_simulations(*, now: dt.datetime | None = None) -> list[int]:
    """Mark completed every running simulation with no slot left; the ids this call completed."""
    remaining = Slot.objects.filter(simulation_id=OuterRef("pk")).exclude(status=Slot.Status.DONE)
    finished = Simulation.objects.filter(~Exists(remaining), status=Simulation.Status.RUNNING)
    return [pk for pk in finished.values_list("pk", flat=True) if complete_if_done(simulation_id=pk, now=now)]


def dispatch_tick(*, send: SendClaim, now: dt.datetime | None = None) -> TickReport:
    """One dispatcher pass: sweep, claim and send, detect completion. Safe to run in several processes at once."""
    now = now or timezone.now()
    swept = sweep_stale_claims(now=now)
    claims = dispatch_due_slots(send=send, now=now)
    return TickReport(swept=swept, claims=claims, completed=complete_finished_simulations(now=now))


def claim_follow_up(*, slot_id: int, send: SendClaim, now: dt.datetime | None = None) -> Claim | None:
    """Live pace: claim a just-written slot again for its next rows, not sooner than FOLLOW_UP_MIN_GAP.

    Only when its simulation is running and the next rows fall due within the horizon (the dispatcher claims
    it later otherwise). Conditional on the slot still being pending, so a concurrent dispatcher wins or loses
    cleanly.
    """
    now = now or timezone.now()
    simulation = Simulation.objects.filter(
        slots__pk=slot_id, status=Simulation.Status.RUNNING, pace=Simulation.Pace.LIVE
    ).first()
    if simulation is None:
        return None
    with transaction.atomic():
        claims = claim_due_slots(
            simulation=simulation,
            now=now,
            horizon=dispatch_horizon(),
            limit=1,
            slot_ids=[slot_id],
            not_before=now + FOLLOW_UP_MIN_GAP,
        )
        if claims:
            transaction.on_commit(partial(_send_all, claims, send))
    return claims[0] if claims else None


def materialize_claim(*, slot_id: int, attempt: int | None, send: SendClaim) -> SlotResult:
    """A worker's job for one message: write what is due of the slot; in live pace, claim its next rows.

    Idempotent: a second delivery of the same message, a message for a done slot, or one for a slot whose
    simulation is paused or cancelled writes nothing (see ``materialize.slot.materialize_slot``). ``attempt`` None is a
    manual nudge (no follow-up).
    """
    with transaction.atomic():
        # The same locks materialize_slot takes, taken first so its clock reading (`now`, the lag reference)
        # comes after any wait for them.
        slot = Slot.objects.select_for_update(of=("self",)).select_related("simulation").filter(pk=slot_id).first()
        if slot is None:
            return SlotResult(slot_id, {}, False, "missing")
        current = slot.status == Slot.Status.ENQUEUED and slot.attempts == attempt
        result = materialize_slot(slot_id=slot_id)
    if current and not result.done and result.skipped in ("", "up to date"):
        claim_follow_up(slot_id=slot_id, send=send)
    return result


def fail_simulation_of_slot(*, slot_id: int, error: str) -> None:
    """A slot failed for a reason retrying will not fix (e.g. an engine version mismatch): fail its simulation."""
    simulation = Simulation.objects.filter(slots__pk=slot_id, status=Simulation.Status.RUNNING).first()
    if simulation is not None:
        fail_simulation(simulation=simulation, error=f"slot {slot_id}: {error}")


def dispatcher_interval(seconds: float | None = None) -> tuple[int, str]:
    """CRMSIM_DISPATCH_INTERVAL_SECONDS as an IntervalSchedule (every, period): whole seconds when it is one."""
    seconds = settings.CRMSIM_DISPATCH_INTERVAL_SECONDS if seconds is None else seconds
    if seconds >= 1 and float(seconds).is_integer():
        return int(seconds), "seconds"
    return max(1, round(seconds * 1_000_000)), "microseconds"


def install_dispatcher_schedule(*, interval_seconds: float | None = None) -> bool:
    """Make the beat entry for the dispatcher match the settings (created by migration 0003). True if changed.

    Called when beat starts, so a changed CRMSIM_DISPATCH_INTERVAL_SECONDS takes effect on the next beat restart.
    """
    every, period = dispatcher_interval(interval_seconds)
    schedule, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    wanted = {
        "task": "simulations.dispatch",
        "interval": schedule,
        "queue": "dispatch",
        "expire_seconds": dispatch_expiry_seconds(interval_seconds),
        "enabled": True,
    }
    task = PeriodicTask.objects.filter(name=DISPATCH_TASK_NAME).first()
    if task is not None and all(getattr(task, name) == value for name, value in wanted.items()):
        return False
    if task is None:
        task = PeriodicTask(name=DISPATCH_TASK_NAME)
    for name, value in wanted.items():
        setattr(task, name, value)
    task.save()
    return True


def dispatch_expiry_seconds(interval_seconds: float | None = None) -> int:
    """A dispatch message older than this is dropped unrun: a backed-up queue must not replay stale ticks."""
    seconds = settings.CRMSIM_DISPATCH_INTERVAL_SECONDS if interval_seconds is None else interval_seconds
    return max(5, int(seconds * 3))
