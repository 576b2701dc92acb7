"""Celery tasks: thin wrappers over simulations.drivers.dispatcher (see docs/operations.md for queues and tuning).

Queues (CELERY_TASK_ROUTES): ``dispatch`` for the beat-driven dispatcher, ``materialize`` for slot batches, so a
flood of slot work never delays the dispatcher, and ``plan`` for planning a simulation the API created (seconds of
engine work at the maximum N, kept off the dispatcher's queue). All tasks are idempotent; acks_late and
reject_on_worker_lost (global settings) make a killed worker's message run again rather than vanish.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import shared_task
from celery.signals import beat_init, task_prerun, worker_init
from django.db import InterfaceError, OperationalError, reset_queries

from simulations.delivery import drivers as delivery_drivers
from simulations.drivers import dispatcher
from simulations.engine.pools import pools
from simulations.lifecycle import results
from simulations.lifecycle.control import plan_submitted_simulation

RETRYABLE = (
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
)
"""Transient failures (database or broker unreachable, deadlock detected): retried with backoff."""
RETRY_TRANSIENT: dict[str, Any] = {
    "autoretry_for": RETRYABLE,
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 8,
}


def send_claim(claim: dispatcher.Claim) -> None:
    materialize_slot.apply_async(args=(claim.slot_id, claim.attempt), eta=claim.eta)


@shared_task(name="simulations.materialize_slot", **RETRY_TRANSIENT)
def materialize_slot(slot_id: int, attempt: int | None = None) -> dict[str, Any]:
    """Write what is due of one slot (and, in live pace, claim its next rows)."""
    try:
        result = dispatcher.materialize_claim(slot_id=slot_id, attempt=attempt, send=send_claim)
    except RETRYABLE:
        raise
    except Exception as exc:
        dispatcher.fail_simulation_of_slot(slot_id=slot_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if any(result.written.values()):
        delivery_drivers.send_for_slot(slot_id=slot_id, send=send_delivery)
    return {"slot": slot_id, "attempt": attempt, "written": sum(result.written.values()), "skipped": result.skipped}


@shared_task(name="simulations.plan_simulation", **RETRY_TRANSIENT)
def plan_simulation(simulation_id: int) -> dict[str, Any]:
    """Plan a simulation the API left ``planning`` (and start it if its creator asked for autoStart)."""
    simulation = plan_submitted_simulation(simulation_id=simulation_id)
    return {"simulation": simulation_id, "status": None if simulation is None else simulation.status}


@shared_task(name="simulations.store_results", **RETRY_TRANSIENT)
def store_results(simulation_id: int) -> bool:
    """Compute and store a completed simulation's report and digest (idempotent: stores once)."""
    return results.store_results(simulation_id=simulation_id)


def send_delivery(slot_id: int, sink_id: int, eta: dt.datetime | None) -> None:
    deliver_slot.apply_async(args=(slot_id, sink_id), eta=eta)


@shared_task(
    name="simulations.deliver_slot", autoretry_for=RETRYABLE, retry_backoff=1, retry_backoff_max=30, max_retries=8
)
def deliver_slot(slot_id: int, sink_id: int) -> dict[str, Any]:
    """Deliver one slot's undelivered events to one sink (queue ``deliver``); re-sends itself while work is left."""
    result = delivery_drivers.run_delivery(slot_id=slot_id, sink_id=sink_id, send=send_delivery)
    return {"slot": slot_id, "sink": sink_id, "state": result.state, "delivered": result.delivered, "dead": result.dead}


@shared_task(name="simulations.dispatch")
def dispatch() -> dict[str, int]:
    """The beat tick: sweep stale claims, claim and send due slots, detect completed simulations."""
    report = dispatcher.dispatch_tick(send=send_claim)
    deliveries = delivery_drivers.dispatch_due_deliveries(send=send_delivery)
    return {
        "swept": report.swept,
        "claimed": len(report.claims),
        "completed": len(report.completed),
        "deliveries": deliveries.sent,
    }


@beat_init.connect
def install_dispatcher_schedule(**_: Any) -> None:
    """Beat owns the dispatcher's schedule: align it with CRMSIM_DISPATCH_INTERVAL_SECONDS at start."""
    dispatcher.install_dispatcher_schedule()


@task_prerun.connect
def forget_logged_queries(**_: Any) -> None:
    """With DEBUG on, Django logs every query's SQL (parameters interpolated, up to 9,000 per connection) and
    clears the log per request only; a worker process never sees a request, so it is cleared per task here
    (a 1M-lead backfill's companies upserts alone would keep ~110 MB). No effect with DEBUG off."""
    reset_queries()


@worker_init.connect
def build_value_pools(**_: Any) -> None:
    """Build the engine's value pools (about a second) once in the worker's main process, before it forks its
    pool processes: they inherit them, so no slot pays for the build."""
    pools()
