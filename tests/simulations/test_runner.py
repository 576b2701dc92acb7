"""The embedded runner's passes, in this process: planning out of the request, round-robin, failures, the lock.

The runner as a real process spawned by the web side is tested in test_runner_process.py.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from simulations import engine
from simulations.drivers.runner import SLOTS_PER_TURN, RunnerLock, lock_is_held, run_round, run_runner, runner_pid
from simulations.lifecycle.control import create_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest, engine_inputs
from simulations.models import Simulation, Slot
from simulations.reads.digest import database_digest
from simulations.reads.progress import processed_counts
from tests.factories import UserFactory
from tests.simulations.conftest import QUARTER

pytestmark = pytest.mark.django_db
Make = Callable[..., Simulation]
Status = Simulation.Status


def _submitted(**changes: Any) -> Simulation:
    """A simulation as the API leaves it: stored, planning, not planned."""
    values: dict[str, Any] = {"scenario": "b2b", "records": 1500, "seed": 42, **QUARTER}
    start = changes.pop("start_when_planned", False)
    return create_simulation(
        owner=UserFactory(), request=SimulationRequest(**values, **changes), start=start, defer_planning=True
    )


def test_a_deferred_create_stores_planning_and_runs_no_engine() -> None:
    simulation = _submitted(start_when_planned=True)
    assert (simulation.status, simulation.auto_start, simulation.planned) == (Status.PLANNING, True, {})
    assert not Slot.objects.filter(simulation=simulation).exists()


def test_a_round_plans_exactly_what_the_engine_counts_then_the_run_ends_with_its_digest() -> None:
    simulation = _submitted(start_when_planned=True)
    run_round()
    simulation.refresh_from_db()
    counts = engine.count_plan(engine_inputs(simulation))
    assert simulation.planned == {t: int(counts.totals[t]) for t in engine.RECORD_TYPES}
    assert Slot.objects.filter(simulation=simulation).count() == len(counts.first_event_at)
    assert simulation.status in (Status.RUNNING, Status.COMPLETED)
    while simulation.status == Status.RUNNING:
        run_round()
        simulation.refresh_from_db()
    assert simulation.status == Status.COMPLETED
    assert processed_counts(simulation) == simulation.planned
    assert database_digest(simulation) == engine.engine_digest(engine_inputs(simulation))


def test_without_auto_start_planning_leaves_it_scheduled() -> None:
    simulation = _submitted()
    run_round()
    simulation.refresh_from_db()
    assert simulation.status == Status.SCHEDULED
    assert simulation.started_at is None


def test_planning_twice_plans_once() -> None:
    from simulations.lifecycle.control import plan_submitted_simulation

    simulation = _submitted()
    assert plan_submitted_simulation(simulation_id=simulation.pk) is not None
    assert plan_submitted_simulation(simulation_id=simulation.pk) is None  # a redelivered task, a second runner
    slots = len(engine.count_plan(engine_inputs(simulation)).first_event_at)
    assert Slot.objects.filter(simulation=simulation).count() == slots


def test_a_planning_failure_marks_the_simulation_failed_with_the_error() -> None:
    simulation = _submitted()
    # A snapshot the engine cannot plan (as a row edited by hand, or an engine bug, would give).
    Simulation.objects.filter(pk=simulation.pk).update(distribution="no-such-distribution")
    run_round()
    simulation.refresh_from_db()
    assert simulation.status == Status.FAILED
    assert simulation.error.startswith("planning failed: ")
    assert "no-such-distribution" in simulation.error
    assert simulation.finished_at is not None


def test_one_long_run_does_not_starve_another(make_simulation: Make) -> None:
    long = start_simulation(simulation=make_simulation(records=12_000, seed=1))
    short = start_simulation(simulation=make_simulation(records=1500, seed=2))
    long_slots = Slot.objects.filter(simulation=long).count()
    assert long_slots > 2 * SLOTS_PER_TURN
    done = run_round()
    assert done.slots == SLOTS_PER_TURN + Slot.objects.filter(simulation=short).count()
    short.refresh_from_db()
    long.refresh_from_db()
    assert short.status == Status.COMPLETED
    assert long.status == Status.RUNNING
    assert Slot.objects.filter(simulation=long, status=Slot.Status.DONE).count() == SLOTS_PER_TURN


def test_a_failing_simulation_is_failed_and_the_others_go_on(make_simulation: Make) -> None:
    broken = start_simulation(simulation=make_simulation(seed=1))
    healthy = start_simulation(simulation=make_simulation(seed=2))
    Simulation.objects.filter(pk=broken.pk).update(engine_version="0.0-other")  # slots refuse another engine
    run_round()
    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert broken.status == Status.FAILED
    assert broken.error
    assert healthy.status == Status.COMPLETED


def test_the_lock_admits_one_runner_and_an_idle_runner_releases_it(tmp_path: Path) -> None:
    path = tmp_path / "runner.lock"
    lock = RunnerLock.acquire(path)
    assert lock is not None
    assert lock_is_held(path)
    assert RunnerLock.acquire(path) is None
    assert runner_pid(path) == os.getpid()
    run_runner(lock=lock, stop=threading.Event(), idle_exit_seconds=0.0)  # nothing to do: leaves at once
    assert not lock_is_held(path)
    assert runner_pid(path) is None


def test_work_submitted_while_the_runner_sleeps_is_planned(tmp_path: Path) -> None:
    path = tmp_path / "runner.lock"
    lock = RunnerLock.acquire(path)
    assert lock is not None
    stop = threading.Event()
    simulation = None

    def submit_then_stop(seconds: float) -> None:
        nonlocal simulation
        if simulation is None:
            simulation = _submitted()  # arrives while the runner is idle
        elif Simulation.objects.get(pk=simulation.pk).status != Status.PLANNING:
            stop.set()

    run_runner(lock=lock, stop=stop, idle_exit_seconds=None, sleep=submit_then_stop)
    assert simulation is not None
    assert Simulation.objects.get(pk=simulation.pk).status == Status.SCHEDULED
    lock.release()


def test_the_command_refuses_distributed_mode(settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.CRMSIM_EMBEDDED = False
    with pytest.raises(CommandError, match="distributed mode"):
        call_command("simulation_runner")


def test_nothing_is_spawned_in_distributed_mode_or_when_autospawn_is_off(settings: Any, tmp_path: Path) -> None:
    from simulations.drivers.runner import ensure_runner

    settings.CRMSIM_RUNNER_DIR = str(tmp_path)
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "any.sqlite3")}
    settings.CRMSIM_EMBEDDED, settings.CRMSIM_RUNNER_AUTOSPAWN = False, True
    assert ensure_runner(database=database) is None
    settings.CRMSIM_EMBEDDED, settings.CRMSIM_RUNNER_AUTOSPAWN = True, False
    assert ensure_runner(database=database) is None
    assert list(tmp_path.iterdir()) == []  # not even a lock file: nothing was tried
