"""Slots written side by side (materialize.slot.write_in_turn, writer_count): every slot once, a pause or an error
stops every writer, and on PostgreSQL a run written by two connections has the engine's digest."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import start_simulation
from simulations.materialize import slot as slot_module
from simulations.materialize.slot import SlotResult, write_in_turn, writer_count
from simulations.models import Simulation
from simulations.reads.digest import database_digest
from simulations.reads.progress import processed_counts
from tests.simulations.conftest import expected_digest

Make = Callable[..., Simulation]


def _written(position: int) -> SlotResult:
    return SlotResult(slot_id=position, written={"contacts": 1}, done=True)


def _writer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("crmsim-writer")]


def test_every_position_is_written_once_by_writers_working_at_the_same_time() -> None:
    both_inside = threading.Barrier(2, timeout=30)  # positions 0 and 1 return only once both are being written
    calls: list[tuple[int, str]] = []
    reported: list[int] = []

    def write(position: int) -> SlotResult:
        if position < 2:
            both_inside.wait()
        calls.append((position, threading.current_thread().name))
        return _written(position)

    ran = write_in_turn(20, write, writers=2, after_slot=lambda result: reported.append(result.slot_id))
    assert ran == 20
    assert sorted(position for position, _ in calls) == list(range(20))
    assert sorted(reported) == list(range(20))
    assert len({name for _, name in calls}) == 2
    assert _writer_threads() == []


def test_a_pause_stops_every_writer_after_its_current_slot() -> None:
    calls: list[int] = []

    def write(position: int) -> SlotResult:
        calls.append(position)
        if position >= 3:  # paused from here on: materialize_slot finds the simulation not running
            return SlotResult(slot_id=position, written={}, done=False, skipped="not running")
        return _written(position)

    assert write_in_turn(50, write, writers=2) == 3
    assert max(calls) <= 4  # each writer meets at most one slot after the pause, then stops
    assert _writer_threads() == []


@pytest.mark.parametrize("failure", [RuntimeError("the database went away"), KeyboardInterrupt()])
def test_a_failure_in_any_writer_is_raised_once_every_writer_has_ended(failure: BaseException) -> None:
    calls: list[int] = []

    def write(position: int) -> SlotResult:
        calls.append(position)
        if position == 5:
            raise failure
        return _written(position)

    with pytest.raises(type(failure)):
        write_in_turn(100, write, writers=2)
    assert len(calls) < 100
    assert _writer_threads() == []


@pytest.mark.django_db
def test_inside_a_transaction_one_connection_writes(settings: Any) -> None:
    # The test's transaction holds rows no other connection sees: writers of their own would miss them.
    settings.CRMSIM_INPROCESS_WRITERS = 4
    assert connection.in_atomic_block
    assert writer_count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("records", "slots", "writers"),
    [
        (8000, 6, 2),
        # A live tick usually has one to three slots due: a helper would open and close a connection for them.
        (4000, 3, 1),
    ],
)
def test_a_run_is_written_by_two_connections_from_two_slots_per_writer_and_has_the_engine_digest(
    builtin_presets: None,
    make_simulation: Make,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    records: int,
    slots: int,
    writers: int,
) -> None:
    settings.CRMSIM_INPROCESS_WRITERS = 2
    assert writer_count() == 2
    threads: set[str] = set()
    materialize = slot_module.materialize_slot

    def recorded(**kwargs: Any) -> SlotResult:
        threads.add(threading.current_thread().name)
        return materialize(**kwargs)

    monkeypatch.setattr(slot_module, "materialize_slot", recorded)
    simulation = run_in_process(start_simulation(simulation=make_simulation(records=records)))
    assert simulation.status == Simulation.Status.COMPLETED
    assert simulation.slots.count() == slots  # 6,000 / 3,000 leads: 2 x 2 due slots or more, or fewer
    assert len(threads) == writers
    assert processed_counts(simulation) == simulation.planned
    assert database_digest(simulation) == simulation.digest == expected_digest(simulation)
    assert _writer_threads() == []
