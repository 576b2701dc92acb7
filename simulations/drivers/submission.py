"""Handing submitted work to whatever runs simulations here, after the submitting transaction commits.

Distributed mode: planning is a Celery task (``simulations.plan_simulation``, queue ``plan``); running simulations
are found by the beat-driven dispatcher, so starting or resuming needs no message. Embedded mode: the runner
process (``drivers.runner``) does both; the web side only makes sure one is alive.
"""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import transaction

from simulations.drivers.runner import ensure_runner_or_log
from simulations.models import Simulation
from simulations.tasks import plan_simulation

logger = logging.getLogger(__name__)


def _send_plan(simulation_id: int) -> None:
    try:
        plan_simulation.delay(simulation_id)
    except (kombu.exceptions.OperationalError, redis.exceptions.RedisError, ConnectionError):
        # The simulation is stored; the response must not fail after its commit. It stays `planning` until
        # someone sends the task again (docs/operations.md).
        logger.exception("Could not send the planning task of simulation %s", simulation_id)


def submit_planning(simulation_id: int) -> None:
    """After commit: have a simulation left ``planning`` by ``create_simulation(defer_planning=True)`` planned."""
    if settings.CRMSIM_EMBEDDED:
        transaction.on_commit(ensure_runner_or_log)
    else:
        transaction.on_commit(lambda: _send_plan(simulation_id))


def run_after_commit() -> None:
    """After commit of a start or resume: make sure something drives running simulations (embedded: the runner)."""
    if settings.CRMSIM_EMBEDDED:
        transaction.on_commit(ensure_runner_or_log)


def keep_driven(simulation: Simulation) -> None:
    """Embedded mode, on every progress poll: a planning or running simulation whose runner died (killed, or
    exiting just as a start or resume looked for it) gets a new runner; a no-op while one holds the lock."""
    if settings.CRMSIM_EMBEDDED and simulation.status in (Simulation.Status.PLANNING, Simulation.Status.RUNNING):
        ensure_runner_or_log()
