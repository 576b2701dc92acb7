"""Embedded mode's background runner: a started simulation progresses inside the web process.

With a broker (distributed mode) this does nothing: the Celery dispatcher claims the running simulation's
slots. Without one nothing else would ever run it, so the API starts a daemon thread that calls
``drivers.in_process.run_in_process`` until the simulation completes, is paused or cancelled, or fails.
A thread per simulation and process at most; a process restart leaves a running simulation waiting until
someone pauses and resumes it (or runs ``manage.py start_simulation --resume``).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connections

from simulations.models import Simulation

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_active: set[int] = set()


def run_in_background(simulation_id: int) -> threading.Thread | None:
    """Start driving a running simulation in a daemon thread (embedded mode only).

    Returns the thread, or None when not embedded or when this process already drives the simulation.
    Call it after the transaction that started the simulation has committed (``transaction.on_commit``):
    the thread uses its own database connection.
    """
    if not settings.CRMSIM_EMBEDDED:
        return None
    with _lock:
        if simulation_id in _active:
            return None
        _active.add(simulation_id)
    thread = threading.Thread(
        target=_drive, args=(simulation_id,), name=f"crmsim-simulation-{simulation_id}", daemon=True
    )
    thread.start()
    return thread


def _still_running(simulation_id: int) -> bool:
    """Under the lock: either keep the claim (a resume came in meanwhile) or give it up."""
    with _lock:
        running = Simulation.objects.filter(pk=simulation_id, status=Simulation.Status.RUNNING).exists()
        if not running:
            _active.discard(simulation_id)
        return running


def _drive(simulation_id: int) -> None:
    from simulations.drivers.in_process import run_in_process

    try:
        while True:
            simulation = Simulation.objects.filter(pk=simulation_id).first()
            if simulation is not None:
                run_in_process(simulation)
            # A pause followed by a resume while the loop was leaving must not strand the simulation.
            if not _still_running(simulation_id):
                break
    except Exception:
        logger.exception("Background run of simulation %s failed", simulation_id)
        with _lock:
            _active.discard(simulation_id)
    finally:
        connections.close_all()
