"""Slot materialization: one slot's rows for [watermark, until), written in one transaction, idempotently.

``materialize_slot`` is the only code that writes CRM rows. Both drivers call it: the in-process runner through
``apply_due_events``, the Celery workers through ``drivers.dispatcher.materialize_claim``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from crm.models import RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.lifecycle.clock import epoch, from_epoch, simulated_now
from simulations.lifecycle.control import complete_if_done
from simulations.lifecycle.requests import engine_inputs
from simulations.materialize.prepare import SHARED, PreparedSlot, SlotJob, SlotLookahead, prepare_slot
from simulations.materialize.writers import writer_for_connection
from simulations.models import LagSample, Simulation, Slot
from simulations.reads import sql
from simulations.reads.progress import progress_changed

Status = Simulation.Status


@dataclass(frozen=True)
class SlotResult:
    slot_id: int
    written: dict[str, int]
    done: bool
    skipped: str = ""
    """Why nothing was written ("done", "not running", "up to date"), or "" when rows were written."""


@transaction.atomic
def materialize_slot(
    *, slot_id: int, until: int | None = None, now: dt.datetime | None = None, prepared: PreparedSlot | None = None
) -> SlotResult:
    """Write one slot's rows with simulated time in [watermark, until) and advance its watermark.

    ``until`` defaults to the simulated time due now (the window's end for a backfill). Rows, the slot's
    processed counts, its watermark and next due time change in ONE transaction under the slot's row lock,
    so a second call for the same range (a redelivered task) writes nothing. ``prepared`` (the look-ahead's
    work) is used only if it is this slot's range as found under the lock.
    """
    now = now or timezone.now()
    # Lock the slot only (of="self"): slots of one simulation are written in parallel, and pause/cancel (which
    # lock the simulation, then its slots) cannot deadlock with a slot being written.
    slot = Slot.objects.select_for_update(of=("self",)).select_related("simulation").get(pk=slot_id)
    simulation = slot.simulation
    if slot.status == Slot.Status.DONE:
        return SlotResult(slot_id, {}, True, "done")
    if simulation.status != Status.RUNNING:
        slot.status, slot.claimed_at = Slot.Status.PENDING, None
        slot.save(update_fields=["status", "claimed_at"])
        return SlotResult(slot_id, {}, False, "not running")
    if simulation.engine_version != engine.ENGINE_VERSION:
        raise RuntimeError(
            f"Simulation {simulation.pk} was planned by engine {simulation.engine_version}; "
            f"this worker runs engine {engine.ENGINE_VERSION} and cannot reproduce it."
        )
    if until is None:
        until = simulated_now(simulation, now)
    until = min(until, epoch(simulation.window_end))
    since = epoch(slot.watermark) if slot.watermark else epoch(simulation.window_start)
    if until <= since:
        slot.status, slot.claimed_at = Slot.Status.PENDING, None
        slot.save(update_fields=["status", "claimed_at"])
        return SlotResult(slot_id, {}, False, "up to date")

    writer = writer_for_connection()
    if prepared is None or not prepared.fits(slot.index, since, until):
        inputs = engine_inputs(simulation)
        prepared = prepare_slot(
            inputs=inputs, simulation_id=simulation.pk, index=slot.index, since=since, until=until, writer=writer
        )
    batch = prepared.batch
    writer.begin()
    written: dict[str, int] = {}
    # Owners and companies last: a row several slots offer is row-locked by the first inserter until it
    # commits, and other slots' ON CONFLICT waits on that lock; inserting just before commit keeps it short.
    order = [t for t in RECORD_TYPES if t not in SHARED]
    for record_type in order:
        written[record_type] = writer.write(RECORD_MODELS[record_type], prepared.encoded[record_type])
    for record_type, columns in batch.updates.items():
        writer.update_state(RECORD_MODELS[record_type], simulation.pk, columns)
    for record_type in SHARED:
        written[record_type] = writer.write(RECORD_MODELS[record_type], prepared.encoded[record_type])

    for record_type, count in written.items():
        setattr(slot, f"processed_{record_type}", getattr(slot, f"processed_{record_type}") + count)
    slot.watermark = from_epoch(until)
    slot.next_due = from_epoch(batch.next_due) if batch.next_due is not None else None
    slot.status = Slot.Status.DONE if batch.next_due is None else Slot.Status.PENDING
    slot.claimed_at = None
    slot.save()
    if simulation.pace == Simulation.Pace.LIVE:
        _record_lag(simulation, batch.event_times(), now)
    # robust: the rows are committed whatever the cache does; a lost stamp only lets a cached part live its second.
    transaction.on_commit(lambda: progress_changed(simulation), robust=True)
    transaction.on_commit(lambda: complete_if_done(simulation_id=simulation.pk))
    return SlotResult(slot_id, written, slot.status == Slot.Status.DONE)


def _record_lag(simulation: Simulation, times: np.ndarray, now: dt.datetime) -> None:
    if len(times) == 0 or simulation.clock_wall is None or simulation.clock_sim is None:
        return
    due = simulation.clock_wall.timestamp() + (times - epoch(simulation.clock_sim)) / simulation.time_scale
    lag_ms = np.maximum(now.timestamp() - due, 0.0) * 1000.0
    LagSample.objects.create(
        simulation=simulation,
        recorded_at=now,
        rows=len(times),
        lag_p50_ms=float(np.percentile(lag_ms, 50)),
        lag_max_ms=float(lag_ms.max()),
    )


def apply_due_events(
    *,
    simulation: Simulation,
    now: dt.datetime | None = None,
    after_slot: Callable[[SlotResult], None] | None = None,
    limit: int | None = None,
) -> int:
    """Write every slot of a running simulation that has rows due by ``now`` (the ``limit`` earliest due, if
    given); return how many slots ran.

    The in-process runner calls this in a loop, the embedded runner with a limit, to take turns between
    simulations; each slot is its own transaction, after which ``after_slot`` (if given) is called, e.g. to move a
    progress bar. While slots are written, the next ones are prepared in a thread (``prepare.SlotLookahead``), and
    on PostgreSQL ``writer_count()`` connections write slots side by side (``write_in_turn``) when at least
    SLOTS_PER_WRITER slots per writer are due.
    """
    now = now or timezone.now()
    until = simulated_now(simulation, now)
    due = (
        Slot.objects.filter(simulation=simulation, status=Slot.Status.PENDING, next_due__lt=from_epoch(until))
        .order_by("next_due", "index")
        .values_list("pk", "index", "watermark")
    )
    slots = list(due if limit is None else due[:limit])
    if not slots:
        return 0
    start = epoch(simulation.window_start)
    # One slot has nothing to overlap with; a simulation of another engine is refused by materialize_slot.
    ahead = len(slots) > 1 and simulation.engine_version == engine.ENGINE_VERSION
    # A connection of its own per helper pays off over a backfill or a live run catching up, not over the one to
    # three slots a live tick usually has due (it would open and close a connection per tick).
    writers = writer_count() if ahead and len(slots) >= SLOTS_PER_WRITER * writer_count() else 1
    jobs = [SlotJob(index, epoch(watermark) if watermark else start) for _, index, watermark in slots] if ahead else []
    lookahead = SlotLookahead(
        inputs=engine_inputs(simulation),
        simulation_id=simulation.pk,
        until=min(until, epoch(simulation.window_end)),
        writer=writer_for_connection(),
        jobs=jobs,
    )

    def write(position: int) -> SlotResult:
        prepared = lookahead.take(position)
        # With DEBUG on (the embedded default) Django logs every query's SQL, parameters interpolated, up to
        # 9,000 per connection, and clears that log per request only: the companies upsert of each slot made
        # a 1M-lead backfill grow by ~110 MB. Each slot is this loop's "request".
        reset_queries()
        result = materialize_slot(slot_id=slots[position][0], until=until, now=now, prepared=prepared)
        if result.skipped != "not running":
            lookahead.committed(prepared)
        return result

    with lookahead:
        return write_in_turn(len(slots), write, writers=writers, after_slot=after_slot)


SLOTS_PER_WRITER = 2
"""``apply_due_events`` writes side by side only when it has at least this many due slots per writer."""


def writer_count() -> int:
    """Connections ``apply_due_events`` writes with: CRMSIM_INPROCESS_WRITERS on PostgreSQL where other
    connections see this one's rows (``sql.second_connection_sees_all``: not inside a caller's transaction); one on
    SQLite (one writer at a time) and elsewhere."""
    if connection.vendor != "postgresql" or not sql.second_connection_sees_all():
        return 1
    return settings.CRMSIM_INPROCESS_WRITERS


def write_in_turn(
    count: int,
    write: Callable[[int], SlotResult],
    *,
    writers: int,
    after_slot: Callable[[SlotResult], None] | None = None,
) -> int:
    """``write(0) .. write(count - 1)`` by ``writers`` threads (this one and ``writers - 1`` helpers, each on a
    database connection of its own, closed when it ends), each taking the next position; return how many wrote.

    Every slot is its own transaction, so slots may commit in any order, as with several Celery workers (shared
    rows are inserted in key order: no deadlock). The first "not running" result (paused, cancelled) or exception
    stops every writer after its current slot; the exception (KeyboardInterrupt included) is raised here once the
    helpers have ended, so no thread outlives the call. ``after_slot`` is called under a lock, one at a time.
    """
    lock = threading.Lock()
    positions = iter(range(count))
    stop = threading.Event()
    failures: list[BaseException] = []
    ran = 0

    def work() -> None:
        nonlocal ran
        while not stop.is_set():
            with lock:
                position = next(positions, None)
            if position is None:
                return
            try:
                result = write(position)
            except BaseException as exc:
                failures.append(exc)
                stop.set()
                return
            if result.skipped == "not running":
                stop.set()
                return
            with lock:
                ran += 1
                if after_slot is not None:
                    after_slot(result)

    helper = sql.closing_connections(work)
    threads = [threading.Thread(target=helper, name=f"crmsim-writer-{n}") for n in range(1, writers)]
    for thread in threads:
        thread.start()
    try:
        work()
    finally:
        stop.set()  # positions are exhausted, or this thread failed: the helpers end after their current slot
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    return ran
