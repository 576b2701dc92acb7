"""The in-process runner: drives a simulation to the end without a broker (the embedded default).

It loops ``apply_due_events`` -> ``complete_if_done`` until the simulation leaves ``running``; in live pace it
sleeps until the next slot falls due. Ctrl-C pauses the simulation cleanly: every slot is its own transaction,
so what was written stays, and ``start_simulation --resume ID`` continues to the same final digest.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Min
from django.utils import timezone

from crmsim.errors import StateConflict
from simulations.delivery.drivers import deliver_due, delivery_budget, drain_deliveries
from simulations.lifecycle.clock import due_wall_time, epoch
from simulations.lifecycle.control import complete_if_done, fail_simulation, pause_simulation
from simulations.materialize.slot import apply_due_events
from simulations.models import Simulation, Slot
from simulations.reads.progress import progress

MAX_SLEEP_SECONDS = 1.0

ProgressCallback = Callable[[dict[str, Any]], None]


def seconds_until_next_due(simulation: Simulation) -> float:
    """Wall seconds until the simulation's next pending slot falls due, within [0, MAX_SLEEP_SECONDS]."""
    next_due = Slot.objects.filter(simulation=simulation, status=Slot.Status.PENDING).aggregate(n=Min("next_due"))["n"]
    if next_due is None:
        return MAX_SLEEP_SECONDS
    wait = (due_wall_time(simulation, epoch(next_due)) - timezone.now()).total_seconds()
    return min(max(wait, 0.0), MAX_SLEEP_SECONDS)


def run_in_process(
    simulation: Simulation,
    *,
    on_progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Simulation:
    """Run a *running* simulation until it completes, is paused or cancelled (by anyone), or fails.

    KeyboardInterrupt pauses the simulation and is re-raised, so the caller can report and exit.
    """
    try:
        while True:
            simulation.refresh_from_db()
            if simulation.status != Simulation.Status.RUNNING:
                break
            report = None if on_progress is None else (lambda _: on_progress(progress(simulation)))
            ran = apply_due_events(simulation=simulation, after_slot=report)
            complete_if_done(simulation_id=simulation.pk)
            # Sinks: a bounded share of each loop, after writing, so a slow receiver never stalls generation.
            delivered = deliver_due(simulation_id=simulation.pk, budget_seconds=delivery_budget())
            ran += sum(1 for result in delivered if result.delivered or result.dead)
            if ran == 0:
                sleep(seconds_until_next_due(simulation))
    except KeyboardInterrupt:
        with contextlib.suppress(StateConflict):  # already paused or cancelled by someone else
            pause_simulation(simulation=simulation)
        raise
    except Exception as exc:
        fail_simulation(simulation=simulation, error=f"{type(exc).__name__}: {exc}")
        raise
    if simulation.status == Simulation.Status.COMPLETED:
        drain_deliveries(simulation, on_progress=on_progress, sleep=sleep)
    simulation.refresh_from_db()
    if on_progress is not None:
        on_progress(progress(simulation))
    return simulation
