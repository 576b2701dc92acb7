"""A simulation's progress: planned vs processed per record type, percent, live lag and ETA."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import Max, Sum
from django.utils import timezone

from crmsim.vocabulary import RECORD_TYPES
from simulations.delivery.selectors import delivery_progress
from simulations.models import LagSample, Simulation, Slot

LAG_WINDOW = dt.timedelta(minutes=1)


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
        return {"p50Ms": None, "p99Ms": None, "samples": 0}
    rows = np.array([s[0] for s in samples], dtype=float)
    p50s = np.array([s[1] for s in samples])
    maxes = np.array([s[2] for s in samples])
    order = np.argsort(p50s)
    cumulative = np.cumsum(rows[order]) / rows.sum()
    p50 = float(p50s[order][np.searchsorted(cumulative, 0.5)])
    return {"p50Ms": round(p50, 1), "p99Ms": round(float(np.percentile(maxes, 99)), 1), "samples": len(samples)}


def progress(simulation: Simulation, now: dt.datetime | None = None) -> dict[str, Any]:
    """Status, planned vs processed per type, percent, lag, times and a simple ETA."""
    now = now or timezone.now()
    processed = processed_counts(simulation)
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
    slots = Slot.objects.filter(simulation=simulation).aggregate(latest=Max("watermark"))
    return {
        "id": simulation.pk,
        "status": simulation.status,
        "planned": planned,
        "processed": processed,
        "percent": percent,
        "lag": lag_summary(simulation, now),
        "simulatedTime": slots["latest"],
        "startedAt": simulation.started_at,
        "finishedAt": simulation.finished_at,
        "eta": eta,
        "sinks": delivery_progress(simulation, now),
    }
