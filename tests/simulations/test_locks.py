"""Lock order between control actions and workers, on PostgreSQL, with real concurrent transactions.

Each test holds a worker's slot transaction open in one thread, runs a control action in another, waits until
PostgreSQL shows the control action blocked on a lock, then lets the worker commit: the interleaving that
deadlocked before the lock order of docs/architecture.md ("Lock order") was set. A deadlock shows either as an
error or as a retry (services retry 40P01/40001 and log each retry), so the tests assert there was neither.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.db import OperationalError, connection, connections, transaction

from crm.models import RECORD_MODELS
from simulations.drivers import dispatcher as dispatch
from simulations.lifecycle.control import cancel_simulation, delete_simulation, pause_simulation, start_simulation
from simulations.lifecycle.retry import ATTEMPTS, retry_on_conflict
from simulations.materialize.slot import SlotResult, materialize_slot
from simulations.models import LagSample, Simulation, Slot

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row lock modes and SQLSTATEs are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]

Make = Callable[..., Simulation]
DAY_PER_SECOND = 86_400.0
WAIT = 30.0
"""Seconds any step may take on a loaded machine before the test gives up (never reached when it works)."""


def _live_with_due_claims(make_simulation: Make) -> tuple[Simulation, int]:
    """A running live simulation whose first days are due now, its due slots claimed (status enqueued), and
    the id of a claimed slot that has rows to write (so its transaction inserts a LagSample)."""
    now = dt.datetime.now(dt.UTC)
    simulation = make_simulation(records=4000, pace="live", time_scale=DAY_PER_SECOND)
    simulation = start_simulation(simulation=simulation, now=now - dt.timedelta(seconds=20))
    claims = dispatch.dispatch_due_slots(send=lambda _: None, now=now, horizon=dt.timedelta(0))
    assert claims, "nothing is due: the fixture's clock is wrong"
    return simulation, claims[0].slot_id


def _blocked_on_a_lock(statement_prefix: str) -> bool:
    """True while another backend of this database waits for a lock in a statement starting so."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            [statement_prefix + "%"],
        )
        return bool(cursor.fetchone()[0])


def _wait_until(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class Actors:
    """Threads with their own database connections; every exception is kept for the test to assert on."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, BaseException]] = []
        self.threads: list[threading.Thread] = []

    def run(self, name: str, body: Callable[[], object]) -> threading.Thread:
        def target() -> None:
            try:
                body()
            except BaseException as exc:
                self.errors.append((name, exc))
            finally:
                connections.close_all()

        thread = threading.Thread(target=target, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()
        return thread

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=WAIT)
            assert not thread.is_alive(), f"{thread.name} is still running"


@pytest.fixture
def actors() -> Iterator[Actors]:
    running = Actors()
    yield running
    running.join()


@dataclass(frozen=True)
class SlotWrite:
    """A worker's slot transaction held open: it has written ``result`` and commits once ``release`` is set."""

    simulation: Simulation
    slot_id: int
    result: SlotResult
    release: threading.Event


def _a_live_slot_being_written(make_simulation: Make, actors: Actors) -> SlotWrite:
    """Lock a due slot of a running live simulation and write its rows (and so a LagSample) in a worker thread,
    as ``materialize_claim`` does, then keep the transaction open."""
    simulation, slot_id = _live_with_due_claims(make_simulation)
    written = threading.Event()
    release = threading.Event()
    results: list[SlotResult] = []

    def worker() -> None:
        try:
            with transaction.atomic():
                results.append(materialize_slot(slot_id=slot_id))
                written.set()
                assert release.wait(WAIT), "never released"
        finally:
            written.set()

    actors.run("worker", worker)
    assert written.wait(WAIT)
    assert results and sum(results[0].written.values()) > 0, "the slot wrote nothing: no LagSample to commit"
    return SlotWrite(simulation, slot_id, results[0], release)


@pytest.fixture
def retries(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The retries services logged so far (each one is a deadlock or serialization failure PostgreSQL raised)."""
    caplog.set_level(logging.WARNING, logger="simulations.lifecycle.retry")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "simulations.lifecycle.retry"]


def test_pause_while_a_live_slot_commits_its_lag_sample_neither_deadlocks_nor_retries(
    builtin_presets: None, make_simulation: Make, actors: Actors, retries: Callable[[], list[str]]
) -> None:
    write = _a_live_slot_being_written(make_simulation, actors)
    simulation = write.simulation
    actors.run("pause", lambda: pause_simulation(simulation=simulation))
    # Pause returns the enqueued slots to pending, so it waits for the slot the worker holds.
    _wait_until("pause to wait for the slot", lambda: _blocked_on_a_lock('UPDATE "simulations_slot"'))
    write.release.set()  # the worker commits: its LagSample's foreign key is checked now, on the simulation row
    actors.join()

    assert not actors.errors, actors.errors
    assert not retries()
    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.PAUSED
    assert LagSample.objects.filter(simulation=simulation).count() == 1
    assert not simulation.slots.filter(status=Slot.Status.ENQUEUED).exists()
    assert Slot.objects.get(pk=write.slot_id).processed_contacts == write.result.written["contacts"]


def test_delete_waits_for_a_slot_being_written_and_leaves_no_row_behind(
    builtin_presets: None, make_simulation: Make, actors: Actors, retries: Callable[[], list[str]]
) -> None:
    write = _a_live_slot_being_written(make_simulation, actors)
    simulation = write.simulation
    cancel_simulation(simulation=simulation)  # not blocked: the worker holds the slot, not the simulation

    actors.run("delete", lambda: delete_simulation(simulation=simulation))
    _wait_until("delete to wait for the slot", lambda: _blocked_on_a_lock(""))
    write.release.set()
    actors.join()

    assert not actors.errors, actors.errors
    assert not retries()
    assert not Simulation.objects.filter(pk=simulation.pk).exists()
    assert not Slot.objects.filter(simulation_id=simulation.pk).exists()
    assert not LagSample.objects.filter(simulation_id=simulation.pk).exists()
    # The rows the worker committed while delete waited went too: none is left orphaned.
    for model in RECORD_MODELS.values():
        assert not model._default_manager.filter(simulation_id=simulation.pk).exists(), model.__name__


def test_a_control_action_that_loses_a_real_deadlock_is_retried_and_succeeds(
    builtin_presets: None, make_simulation: Make, actors: Actors, retries: Callable[[], list[str]]
) -> None:
    """A transaction that breaks the lock order (slot, then simulation) against pause (simulation, then slot):
    PostgreSQL aborts pause, whose deadlock_timeout fires first, and pause's retry then succeeds."""
    simulation, slot_id = _live_with_due_claims(make_simulation)
    holding = threading.Event()
    release = threading.Event()

    def out_of_order() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '30s'")  # so that pause is the one to detect it
            Slot.objects.select_for_update().get(pk=slot_id)
            holding.set()
            assert release.wait(WAIT)
            Simulation.objects.select_for_update().get(pk=simulation.pk)

    actors.run("out of order", out_of_order)
    assert holding.wait(WAIT)
    actors.run("pause", lambda: pause_simulation(simulation=simulation))
    _wait_until("pause to wait for the slot", lambda: _blocked_on_a_lock('UPDATE "simulations_slot"'))
    release.set()
    actors.join()

    assert not actors.errors, actors.errors
    logged = retries()
    assert len(logged) == 1 and "pause_simulation" in logged[0] and "40P01" in logged[0], logged
    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.PAUSED


def _raise_sqlstate(code: str) -> None:
    """A real error from PostgreSQL with SQLSTATE ``code``, through Django's error wrapping."""
    with connection.cursor() as cursor:
        cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '{code}'; END $$")


@pytest.mark.parametrize("code", ["40001", "40P01"])
def test_retry_repeats_a_serialization_or_deadlock_failure_then_gives_up(code: str) -> None:
    calls: list[int] = []

    @retry_on_conflict
    def flaky(fail_times: int) -> str:
        calls.append(1)
        if len(calls) <= fail_times:
            with transaction.atomic():
                _raise_sqlstate(code)
        return "done"

    assert flaky(2) == "done" and len(calls) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        flaky(ATTEMPTS)
    assert len(calls) == ATTEMPTS


def test_retry_leaves_other_errors_and_outer_transactions_alone() -> None:
    calls: list[int] = []

    @retry_on_conflict
    def failing(code: str) -> None:
        calls.append(1)
        with transaction.atomic():
            _raise_sqlstate(code)

    with pytest.raises(OperationalError):
        failing("55P03")  # lock_not_available: not a conflict that retrying resolves
    assert len(calls) == 1
    calls.clear()
    # Inside a caller's transaction the whole transaction is aborted: only the caller can retry it.
    with pytest.raises(OperationalError), transaction.atomic():
        failing("40P01")
    assert len(calls) == 1
