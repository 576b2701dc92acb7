"""A simulation's progress: planned vs processed per record type, percent, live lag and ETA.

``progress`` computes the document from the database. ``polled_progress`` (the API's progress endpoint) serves the
part that only writers change from the shared cache, stamped on write: every slot commit sets a new random stamp
(``progress_changed``, after commit), and a cached part is used only while the stamp it was computed under is
still the current one, so a read that follows a write always sees that write. Fields that move with the clock or
with another process's state stay fresh: status, planned counts and times come from the simulation row the view
has just loaded, the ETA is computed per request, sinks are read afresh whenever the simulation has any, and the
cached part (lag over the last minute included) lives at most ``POLL_CACHE_SECONDS``. docs/api.md, "Progress".
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Max, Sum
from django.utils import timezone

from crmsim.vocabulary import RECORD_TYPES
from simulations.delivery.selectors import delivery_progress
from simulations.models import LagSample, Simulation, Slot

LAG_WINDOW = dt.timedelta(minutes=1)
POLL_CACHE_SECONDS = 1
"""How long a cached part may serve under an unchanged stamp: bounds how old the one-minute lag window can be."""
STAMP_SECONDS = 24 * 3600
NO_LAG: dict[str, float | None] = {"p50Ms": None, "p99Ms": None, "samples": 0}


def processed_counts(simulation: Simulation) -> dict[str, int]:
    """Rows written so far per record type: the sum of the slots' counters (no hot row to contend on)."""
    totals = Slot.objects.filter(simulation=simulation).aggregate(**{t: Sum(f"processed_{t}") for t in RECORD_TYPES})
    return {t: int(totals[t] or 0) for t in RECORD_TYPES}


def lag_summary(simulation: Simulation, now: dt.datetime | None = None) -> dict[str, float | None]:
    """p50/p99 of how late rows were written vs their due time over the last minute (live pace), in ms.

    Each batch contributes its median lag (weighted by its rows) and its worst row's lag; p99 is taken over the
    batches' worst lags, so it errs on the late side.
    """
    now = now or timezone.now()
    samples = list(
        LagSample.objects.filter(simulation=simulation, recorded_at__gte=now - LAG_WINDOW).values_list(
            "rows", "lag_p50_ms", "lag_max_ms"
        )
    )
    if not samples:
        return dict(NO_LAG)
    rows = np.array([s[0] for s in samples], dtype=float)
    p50s = np.array([s[1] for s in samples])
    maxes = np.array([s[2] for s in samples])
    order = np.argsort(p50s)
    cumulative = np.cumsum(rows[order]) / rows.sum()
    p50 = float(p50s[order][np.searchsorted(cumulative, 0.5)])
    return {"p50Ms": round(p50, 1), "p99Ms": round(float(np.percentile(maxes, 99)), 1), "samples": len(samples)}


def _written(simulation: Simulation, now: dt.datetime) -> dict[str, Any]:
    """What the writers change: processed counts and the latest watermark (one aggregate), the lag (only live
    runs record lag samples), and whether any sink is attached (sinks are linked when the simulation is created)."""
    totals = Slot.objects.filter(simulation=simulation).aggregate(
        latest=Max("watermark"), **{t: Sum(f"processed_{t}") for t in RECORD_TYPES}
    )
    return {
        "processed": {t: int(totals[t] or 0) for t in RECORD_TYPES},
        "simulatedTime": totals["latest"],
        "lag": lag_summary(simulation, now) if simulation.pace == Simulation.Pace.LIVE else dict(NO_LAG),
        "hasSinks": simulation.sink_links.exists(),
    }


def _document(simulation: Simulation, written: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    processed = written["processed"]
    planned = {t: int(simulation.planned.get(t, 0)) for t in RECORD_TYPES}
    total_planned = sum(planned.values())
    total_processed = sum(processed.values())
    if simulation.status == Simulation.Status.PLANNING:
        percent = 0.0  # nothing planned yet: not "nothing to do, so done"
    else:
        percent = 100.0 if total_planned == 0 else round(100.0 * total_processed / total_planned, 2)
    eta = None
    if simulation.status == Simulation.Status.RUNNING and simulation.started_at and 0 < total_processed < total_planned:
        if simulation.pace == Simulation.Pace.LIVE and simulation.clock_wall and simulation.clock_sim:
            seconds = (simulation.window_end - simulation.clock_sim).total_seconds() / simulation.time_scale
            eta = simulation.clock_wall + dt.timedelta(seconds=seconds)
        else:
            elapsed = (now - simulation.started_at).total_seconds()
            eta = now + dt.timedelta(seconds=elapsed * (total_planned - total_processed) / total_processed)
    return {
        "id": simulation.pk,
        "status": simulation.status,
        "planned": planned,
        "processed": processed,
        "percent": percent,
        "lag": written["lag"],
        "simulatedTime": written["simulatedTime"],
        "startedAt": simulation.started_at,
        "finishedAt": simulation.finished_at,
        "eta": eta,
        "sinks": delivery_progress(simulation, now) if written["hasSinks"] else [],
    }


def progress(simulation: Simulation, now: dt.datetime | None = None) -> dict[str, Any]:
    """Status, planned vs processed per type, percent, lag, times and a simple ETA, read from the database."""
    now = now or timezone.now()
    return _document(simulation, _written(simulation, now), now)


def _cache_key(simulation: Simulation) -> str:
    # created_at too: SQLite may give a deleted simulation's id to the next one.
    return f"progress:{simulation.pk}:{simulation.created_at.timestamp():.6f}"


def progress_changed(simulation: Simulation) -> None:
    """Call after a commit that changed what ``_written`` reads (a slot's rows): cached parts stop serving."""
    cache.set(f"{_cache_key(simulation)}:stamp", uuid.uuid4().hex, STAMP_SECONDS)


def polled_progress(simulation: Simulation, now: dt.datetime | None = None) -> dict[str, Any]:
    """``progress``, with the writers' part from the shared cache while its stamp is current (one cache read)."""
    now = now or timezone.now()
    key = _cache_key(simulation)
    found = cache.get_many([f"{key}:stamp", f"{key}:written"])
    stamp, cached = found.get(f"{key}:stamp"), found.get(f"{key}:written")
    if stamp is not None and cached is not None and cached["stamp"] == stamp:
        return _document(simulation, cached["written"], now)
    written = _written(simulation, now)  # read after the stamp: it sees at least the writes that stamp stands for
    if stamp is not None:
        cache.set(f"{key}:written", {"stamp": stamp, "written": written}, POLL_CACHE_SECONDS)
    return _document(simulation, written, now)
