"""The dispatcher's logic without a broker: claims, horizon, control, concurrency, sweeper, completion.

Messages are captured by passing ``list.append`` as the send function; the queue itself is exercised by the
integration tests (tests/simulations/integration/).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django_celery_beat.models import PeriodicTask

from crm.models import RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from simulations.drivers import dispatcher as dispatch
from simulations.drivers.dispatcher import Claim
from simulations.lifecycle.clock import due_wall_time, epoch
from simulations.lifecycle.control import cancel_simulation, pause_simulation, resume_simulation, start_simulation
from simulations.models import Simulation, Slot
from simulations.reads.digest import database_digest
from tests.simulations.conftest import expected_digest

Make = Callable[..., Simulation]
HORIZON = dt.timedelta(seconds=10)
DAY_PER_SECOND = 86_400.0


def _live(make_simulation: Make, now: dt.datetime, **changes: object) -> Simulation:
    """A running live simulation over one quarter at a day per second, started at ``now``: 6 slots."""
    simulation = make_simulation(records=8000, pace="live", time_scale=DAY_PER_SECOND, **changes)
    return start_simulation(simulation=simulation, now=now)


def _row_counts(simulation: Simulation) -> dict[str, int]:
    return {t: RECORD_MODELS[t].objects.filter(simulation=simulation).count() for t in RECORD_TYPES}


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime(2026, 6, 1, 12, 0, 0, 250_000, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_it_claims_only_the_slots_due_within_the_horizon(make_simulation: Make, now: dt.datetime) -> None:
    simulation = _live(make_simulation, now)
    sent: list[Claim] = []
    claims = dispatch.dispatch_due_slots(send=sent.append, now=now, horizon=HORIZON)

    # 10 s of wall time at a day per second: everything due before window start + 10 days.
    due_before = simulation.window_start + dt.timedelta(days=10)
    expected = set(simulation.slots.filter(next_due__lt=due_before).values_list("pk", flat=True))
    assert 0 < len(expected) < simulation.slots.count()
    assert {c.slot_id for c in claims} == expected
    claimed = simulation.slots.filter(pk__in=expected)
    assert all(s.status == Slot.Status.ENQUEUED and s.claimed_at == now and s.attempts == 1 for s in claimed)
    assert not simulation.slots.exclude(pk__in=expected).exclude(status=Slot.Status.PENDING).exists()


@pytest.mark.django_db
def test_etas_are_the_due_times_and_never_beyond_the_horizon(make_simulation: Make, now: dt.datetime) -> None:
    simulation = _live(make_simulation, now)
    later = now + dt.timedelta(seconds=3)
    horizon = dt.timedelta(seconds=20)  # 3 days in, 20 ahead: slot 0 is due now, slot 1 in about 12 s
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=later, horizon=horizon)
    assert claims
    for claim in claims:
        next_due = Slot.objects.get(pk=claim.slot_id).next_due
        assert next_due is not None
        due = due_wall_time(simulation, epoch(next_due) + 1)
        if due <= later:
            assert claim.eta is None
        else:
            assert claim.eta is not None
            assert later < claim.eta <= later + horizon
            assert claim.eta == min(due, later + horizon)
    assert any(c.eta is None for c in claims)
    assert any(c.eta is not None for c in claims)


@pytest.mark.django_db
def test_a_backfill_is_claimed_at_once_without_eta(make_simulation: Make, now: dt.datetime) -> None:
    simulation = start_simulation(simulation=make_simulation(records=8000), now=now)
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=now, horizon=HORIZON)
    assert len(claims) == simulation.slots.count() == 6
    assert all(c.eta is None for c in claims)
    assert dispatch.dispatch_due_slots(send=lambda _: None, now=now, horizon=HORIZON) == []


@pytest.mark.django_db
def test_claims_are_bounded_per_tick_and_per_simulation(make_simulation: Make, now: dt.datetime) -> None:
    first = start_simulation(simulation=make_simulation(records=8000), now=now)
    second = start_simulation(simulation=make_simulation(records=8000), now=now + dt.timedelta(seconds=1))
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=now, max_claims=4, max_in_flight=3)
    assert [c.simulation_id for c in claims] == [first.pk] * 3 + [second.pk]
    # In flight counts against the cap: the next tick tops up only what is free.
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=now, max_claims=100, max_in_flight=3)
    assert [c.simulation_id for c in claims] == [second.pk] * 2


@pytest.mark.django_db
def test_it_never_claims_for_paused_or_cancelled_simulations(make_simulation: Make, now: dt.datetime) -> None:
    paused = pause_simulation(simulation=start_simulation(simulation=make_simulation(), now=now))
    cancel_simulation(simulation=start_simulation(simulation=make_simulation(), now=now))
    make_simulation()  # scheduled, never started
    assert dispatch.dispatch_due_slots(send=lambda _: None, now=now) == []
    resume_simulation(simulation=paused)
    assert {c.simulation_id for c in dispatch.dispatch_due_slots(send=lambda _: None, now=now)} == {paused.pk}


@pytest.mark.django_db
def test_messages_are_sent_only_after_the_claim_commits(
    make_simulation: Make, now: dt.datetime, django_capture_on_commit_callbacks: Callable
) -> None:
    start_simulation(simulation=make_simulation(), now=now)
    sent: list[Claim] = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claims = dispatch.dispatch_due_slots(send=sent.append, now=now)
    assert claims and sent == []
    for callback in callbacks:
        callback()
    assert sent == claims


@pytest.mark.django_db
def test_a_send_failure_leaves_the_claim_for_the_sweeper(
    make_simulation: Make, now: dt.datetime, django_capture_on_commit_callbacks: Callable
) -> None:
    simulation = start_simulation(simulation=make_simulation(), now=now)

    def broken(_: Claim) -> None:
        raise ConnectionError("broker down")

    with django_capture_on_commit_callbacks(execute=True):
        claims = dispatch.dispatch_due_slots(send=broken, now=now)
    assert len(claims) == simulation.slots.count()
    later = now + dt.timedelta(seconds=6)
    assert dispatch.sweep_stale_claims(now=later, stale_after=dt.timedelta(seconds=5)) == len(claims)
    assert not simulation.slots.exclude(status=Slot.Status.PENDING).exists()


@pytest.mark.django_db
def test_the_sweeper_returns_stale_claims_only(make_simulation: Make, now: dt.datetime) -> None:
    simulation = start_simulation(simulation=make_simulation(records=8000), now=now)
    early = dispatch.dispatch_due_slots(send=lambda _: None, now=now, max_claims=2)
    late = dispatch.dispatch_due_slots(send=lambda _: None, now=now + dt.timedelta(seconds=4), max_claims=2)
    swept = dispatch.sweep_stale_claims(now=now + dt.timedelta(seconds=6), stale_after=dt.timedelta(seconds=5))
    assert swept == 2
    statuses = dict(simulation.slots.values_list("pk", "status"))
    assert all(statuses[c.slot_id] == Slot.Status.PENDING for c in early)
    assert all(statuses[c.slot_id] == Slot.Status.ENQUEUED for c in late)
    # Swept slots are claimed again, with a new attempt number.
    again = dispatch.dispatch_due_slots(send=lambda _: None, now=now + dt.timedelta(seconds=7), max_claims=2)
    assert {c.slot_id: c.attempt for c in again} == {c.slot_id: 2 for c in early}


@pytest.mark.django_db
def test_the_sweeper_waits_for_a_live_claims_eta(make_simulation: Make, now: dt.datetime) -> None:
    _live(make_simulation, now)
    later, horizon, stale_after = now + dt.timedelta(seconds=3), dt.timedelta(seconds=20), dt.timedelta(seconds=5)
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=later, horizon=horizon)
    waiting = [c for c in claims if c.eta is not None and c.eta > later + stale_after]
    assert waiting and len(waiting) < len(claims)
    # Past claimed_at + stale_after but not past eta + stale_after: the waiting ones are not lost.
    sweep_at = later + stale_after * 1.5
    swept = dispatch.sweep_stale_claims(now=sweep_at, stale_after=stale_after, horizon=horizon)
    assert swept == len(claims) - len(waiting)
    last_eta = max(c.eta for c in waiting if c.eta is not None)
    swept = dispatch.sweep_stale_claims(now=last_eta + stale_after * 1.5, stale_after=stale_after, horizon=horizon)
    assert swept == len(waiting)


@pytest.mark.django_db
def test_a_claim_materializes_once_and_duplicates_write_nothing(make_simulation: Make, now: dt.datetime) -> None:
    simulation = start_simulation(simulation=make_simulation(records=8000), now=now)
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=now)
    sent: list[Claim] = []
    for claim in claims:
        result = dispatch.materialize_claim(slot_id=claim.slot_id, attempt=claim.attempt, send=sent.append)
        assert result.done and sum(result.written.values()) > 0
    counts = _row_counts(simulation)
    for claim in claims:  # a redelivery of each message, and a manual nudge
        for attempt in (claim.attempt, None):
            assert (
                dispatch.materialize_claim(slot_id=claim.slot_id, attempt=attempt, send=sent.append).skipped == "done"
            )
    assert _row_counts(simulation) == counts == simulation.planned
    assert sent == []  # backfill: no follow-ups
    assert dispatch.complete_finished_simulations() == [simulation.pk]
    assert dispatch.complete_finished_simulations() == []
    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.COMPLETED and simulation.finished_at is not None
    assert database_digest(simulation) == expected_digest(simulation)


@pytest.mark.django_db
def test_a_message_for_a_paused_simulation_returns_its_slot(make_simulation: Make, now: dt.datetime) -> None:
    simulation = start_simulation(simulation=make_simulation(), now=now)
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=now)
    pause_simulation(simulation=simulation)
    # The dispatcher may have claimed just before the pause committed: the message must not write.
    Slot.objects.filter(pk=claims[0].slot_id).update(status=Slot.Status.ENQUEUED)
    result = dispatch.materialize_claim(slot_id=claims[0].slot_id, attempt=claims[0].attempt, send=lambda _: None)
    assert result.skipped == "not running"
    assert Slot.objects.get(pk=claims[0].slot_id).status == Slot.Status.PENDING
    assert sum(_row_counts(simulation).values()) == 0


@pytest.mark.django_db
def test_live_slots_follow_up_only_from_the_current_claim(
    make_simulation: Make, django_capture_on_commit_callbacks: Callable
) -> None:
    # Started a little in the past so that rows are due now: the worker reads the real clock.
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=20)
    simulation = _live(make_simulation, started)
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=started + dt.timedelta(seconds=20), horizon=HORIZON)
    claim = next(c for c in claims if c.eta is None)
    sent: list[Claim] = []
    with django_capture_on_commit_callbacks(execute=True):
        stale = dispatch.materialize_claim(slot_id=claim.slot_id, attempt=claim.attempt + 1, send=sent.append)
    assert stale.skipped == "" and sum(stale.written.values()) > 0  # a stale message still writes, idempotently
    assert sent == []  # but never starts a chain

    Slot.objects.filter(pk=claim.slot_id).update(status=Slot.Status.ENQUEUED)
    before = dt.datetime.now(dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch.materialize_claim(slot_id=claim.slot_id, attempt=claim.attempt, send=sent.append)
    assert result.skipped in ("", "up to date") and not result.done
    assert [c.slot_id for c in sent] == [claim.slot_id]
    assert sent[0].attempt == claim.attempt + 1
    assert sent[0].eta is not None and sent[0].eta >= before + dispatch.FOLLOW_UP_MIN_GAP
    slot = Slot.objects.get(pk=claim.slot_id)
    assert slot.status == Slot.Status.ENQUEUED and slot.attempts == claim.attempt + 1
    assert simulation.slots.filter(status=Slot.Status.ENQUEUED).count() == len(claims)


@pytest.mark.django_db
def test_the_dispatcher_schedule_comes_from_the_migration_and_follows_the_setting(settings: object) -> None:
    task = PeriodicTask.objects.get(name=dispatch.DISPATCH_TASK_NAME)
    assert (task.task, task.queue, task.enabled) == ("simulations.dispatch", "dispatch", True)
    assert dispatch.install_dispatcher_schedule() is False
    assert dispatch.install_dispatcher_schedule(interval_seconds=0.5) is True
    task.refresh_from_db()
    assert (task.interval.every, task.interval.period) == (500_000, "microseconds")
    assert dispatch.install_dispatcher_schedule(interval_seconds=0.5) is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dispatchers_never_claim_the_same_slot(
    builtin_presets: None, make_simulation: Make, now: dt.datetime
) -> None:
    simulation = start_simulation(simulation=make_simulation(records=8000), now=now)
    holding = threading.Event()
    release = threading.Event()
    first: list[Claim] = []
    errors: list[BaseException] = []

    def slow_dispatcher() -> None:
        # Claims 3 slots and keeps its transaction (and row locks) open while the other dispatcher runs.
        try:
            with transaction.atomic():
                first.extend(dispatch.claim_due_slots(simulation=simulation, now=now, horizon=HORIZON, limit=3))
                holding.set()
                release.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)
            holding.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_dispatcher)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        second = dispatch.dispatch_due_slots(send=lambda _: None, now=now)
    finally:
        release.set()
        thread.join(timeout=30)
    assert not errors
    assert len(first) == 3 and len(second) == 3
    assert {c.slot_id for c in first}.isdisjoint({c.slot_id for c in second})
    # Once committed, the status re-check keeps both sets out of further claims.
    assert dispatch.dispatch_due_slots(send=lambda _: None, now=now) == []
    assert set(simulation.slots.values_list("attempts", flat=True)) == {1}
