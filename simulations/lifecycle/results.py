"""A completed simulation's results, computed once: its calibration report and its database digest.

Both read every CRM row of the simulation (19 s for 0.6M rows), so no request computes them. ``complete_if_done``
(the one place a simulation becomes completed) calls ``owe_results`` for the call that completed it:

- inside a Celery task (a worker's slot commit, the dispatcher's tick), the computation is sent as the task
  ``simulations.store_results`` once the completing transaction commits;
- anywhere else (the in-process runner of ``start_simulation``, embedded mode), it runs right there.

``store_results`` stores them on the Simulation (``report``, ``digest``) with one conditional UPDATE, so running it
twice (a redelivered task, a retry after a lost one) stores once. The digest is the report's, computed from the
rows (``reads.digest.database_digest``), never copied from the engine: it still proves what the database holds.

A reader that finds a completed simulation without its report calls ``owe_results`` too: the first caller in
``OWED_SECONDS`` (a shared-cache lock) starts a computation, so a lost task or a crashed runner is made good
without every poll starting another one.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from celery import current_app, current_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from rest_framework.utils.encoders import JSONEncoder

from simulations.models import Simulation
from simulations.reads import sql
from simulations.reads.report import calibration_report

logger = logging.getLogger(__name__)

STORE_RESULTS_TASK = "simulations.store_results"
OWED_SECONDS = 300
"""How long one started computation is trusted to finish before a reader may start another."""


def store_results(*, simulation_id: int) -> bool:
    """Compute and store the report and digest of a completed simulation that has none; True when this call
    stored them. False (and nothing read) when the simulation is gone, not completed, or already has them.

    Ends the owed computation (``owe_results``'s lock) however it ends, so a reader may start another at once.
    """
    try:
        simulation = Simulation.objects.filter(
            pk=simulation_id, status=Simulation.Status.COMPLETED, report__isnull=True
        ).first()
        if simulation is None:
            return False
        # The same JSON the API renders (DRF's encoder: numpy scalars, decimals), stored as it will be served.
        report: dict[str, Any] = json.loads(json.dumps(calibration_report(simulation), cls=JSONEncoder))
        stored = Simulation.objects.filter(
            pk=simulation_id, status=Simulation.Status.COMPLETED, report__isnull=True
        ).update(report=report, digest=report["digest"])
        return stored == 1
    finally:
        cache.delete(_owed_key(simulation_id))


def _owed_key(simulation_id: int) -> str:
    return f"results-owed:{simulation_id}"


def _in_celery_task() -> bool:
    # current_task is a proxy: falsy outside a task (it wraps None there).
    return bool(current_task) and not current_task.request.called_directly


def _send(simulation_id: int) -> None:
    current_app.send_task(STORE_RESULTS_TASK, args=(simulation_id,))


def _store_logged(simulation_id: int) -> None:
    try:
        store_results(simulation_id=simulation_id)
    except Exception:
        # The simulation is completed whatever happens here; a reader's request starts another computation.
        logger.exception("storing the results of simulation %s failed", simulation_id)


def _store_in_thread(simulation_id: int) -> None:
    run = sql.closing_connections(lambda: _store_logged(simulation_id))
    threading.Thread(target=run, name=f"crmsim-results-{simulation_id}", daemon=True).start()


def owe_results(*, simulation_id: int, reader: bool = False) -> None:
    """Make sure the results of a just-completed (or completed, result-less) simulation get computed once.

    The completing call (``reader`` False) computes them here, or sends the task after commit when it runs in a
    Celery task. A reader (``reader`` True, the report endpoint) never computes in its own thread: with a broker it
    sends the task, in embedded mode it starts a daemon thread; either only when no computation was started in
    the last OWED_SECONDS.
    """
    first = cache.add(_owed_key(simulation_id), 1, OWED_SECONDS)  # the completing call owes them whatever
    if reader and not first:
        return
    if _in_celery_task() or (reader and not settings.CRMSIM_EMBEDDED):
        transaction.on_commit(lambda: _send(simulation_id))
    elif reader:
        _store_in_thread(simulation_id)
    else:
        _store_logged(simulation_id)
