"""The dashboard's charts: arrivals planned vs written, the funnel, the pipeline, the activity mix and live lag.

Dashboards poll while the run is being written, so nothing here reads every CRM row on every poll:

- Arrivals come from bookkeeping only. The plan's arrival times are a pure function of the snapshot
  (``engine.plan_arrivals``, kept per process), a slot's leads are a contiguous run of them in arrival order, and
  a slot writes its contacts in time order up to its watermark, so the contacts written so far are, in every
  slot, the first ``Slot.processed_contacts`` of its leads. Planned and written per bin are exact on every poll.
- Lag is the last ``LAG_HISTORY`` of ``LagSample`` rows (one per written batch), bucketed.
- The funnel, the pipeline and the activity mix are GROUP BY counts over indexed columns. They are kept in
  Django's cache for ``aggregate_ttl`` seconds: 50 times as long as they took to compute (between 2 s and 60 s),
  so they cost ~2 % of one database connection per simulation (more once a count takes over 1.2 s: 1.5 s for
  638k activities on PostgreSQL, docs/ui.md), and for good once the simulation has ended (its rows no longer
  change).
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Sum, Value, When
from django.utils import timezone

from crm.models import Activity, Contact, Deal
from crmsim.vocabulary import ACTIVITY_TYPES, DEAL_STAGES, LIFECYCLE_STAGES
from simulations import engine
from simulations.engine.plan import plan_arrivals
from simulations.lifecycle.clock import from_epoch
from simulations.lifecycle.requests import engine_inputs
from simulations.models import LagSample, Simulation, Slot

ARRIVAL_BINS = 50
ACTIVITY_BINS = 25
LAG_HISTORY = dt.timedelta(minutes=10)
LAG_BUCKET_SECONDS = 10
ENDED = frozenset({Simulation.Status.COMPLETED, Simulation.Status.CANCELLED, Simulation.Status.FAILED})
ENDED_TTL = 24 * 3600


@functools.lru_cache(maxsize=4)
def _planned_arrivals(inputs: engine.SimulationInputs) -> np.ndarray:
    return plan_arrivals(inputs)


def _edges(start: int, end: int, bins: int) -> np.ndarray:
    """The preview's bin edges: bins equal bins over [start, end), epoch seconds."""
    return start + (np.arange(bins + 1, dtype=np.int64) * (end - start)) // bins


def _iso(epoch_seconds: int) -> str:
    return engine.format_timestamp(int(epoch_seconds))


def arrivals(simulation: Simulation) -> dict[str, Any] | None:
    """Leads planned and contacts written per equal bin of the window; None while planning (no plan yet)."""
    if simulation.status in (Simulation.Status.DRAFT, Simulation.Status.PLANNING) or not simulation.planned:
        return None
    inputs = engine_inputs(simulation)
    times = _planned_arrivals(inputs)
    edges = _edges(inputs.start, inputs.end, ARRIVAL_BINS)
    planned = np.diff(np.searchsorted(times, edges))
    written = np.zeros(ARRIVAL_BINS, dtype=np.int64)
    for index, count in Slot.objects.filter(simulation=simulation, processed_contacts__gt=0).values_list(
        "index", "processed_contacts"
    ):
        lo = index * simulation.slot_size
        written += np.diff(np.searchsorted(times[lo : lo + count], edges))
    return {
        "edges": [_iso(e) for e in edges],
        "planned": [int(c) for c in planned],
        "written": [int(c) for c in written],
    }


def lag_series(simulation: Simulation, now: dt.datetime) -> list[dict[str, Any]]:
    """Per LAG_BUCKET_SECONDS over the last LAG_HISTORY: the rows-weighted mean of the batches' median lag and
    the worst row's lag, in ms. Empty for a backfill (it records no lag)."""
    samples = LagSample.objects.filter(simulation=simulation, recorded_at__gte=now - LAG_HISTORY).values_list(
        "recorded_at", "rows", "lag_p50_ms", "lag_max_ms"
    )
    buckets: dict[int, list[float]] = {}
    for recorded_at, rows, p50, worst in samples:
        key = int(recorded_at.timestamp()) // LAG_BUCKET_SECONDS * LAG_BUCKET_SECONDS
        bucket = buckets.setdefault(key, [0.0, 0.0, 0.0])
        bucket[0] += rows
        bucket[1] += rows * p50
        bucket[2] = max(bucket[2], worst)
    return [
        {
            "at": _iso(key),
            "meanMs": round(weighted / rows, 1) if rows else 0.0,
            "maxMs": round(worst, 1),
        }
        for key, (rows, weighted, worst) in sorted(buckets.items())
    ]


def _stage_order(found: dict[str, Any], order: tuple[str, ...]) -> list[str]:
    return [s for s in order if s in found] + sorted(s for s in found if s not in order)


def aggregates(simulation: Simulation) -> dict[str, Any]:
    """Contacts per lifecycle stage, deals and value per deal stage, activities per type per bin of the window."""
    funnel_rows = dict(
        Contact.objects.filter(simulation=simulation)
        .values("lifecycle_stage")
        .annotate(n=Count("pk"))
        .values_list("lifecycle_stage", "n")
    )
    funnel = [{"stage": s, "contacts": int(funnel_rows.get(s, 0))} for s in LIFECYCLE_STAGES]

    deal_rows = {
        row["dealstage"]: row
        for row in Deal.objects.filter(simulation=simulation)
        .values("dealstage")
        .annotate(n=Count("pk"), cents=Sum("amount_cents"))
        .order_by()
    }
    pipeline = [
        {
            "stage": s,
            "deals": int(deal_rows[s]["n"]),
            "amount": engine.format_amount(int(deal_rows[s]["cents"] or 0)),
        }
        for s in _stage_order(deal_rows, DEAL_STAGES)
    ]

    start, end = int(simulation.window_start.timestamp()), int(simulation.window_end.timestamp())
    edges = _edges(start, end, ACTIVITY_BINS)
    bin_of = Case(
        *(When(occurred_at__lt=from_epoch(int(e)), then=Value(i)) for i, e in enumerate(edges[1:-1])),
        default=Value(ACTIVITY_BINS - 1),
        output_field=IntegerField(),
    )
    mix = np.zeros((len(ACTIVITY_TYPES), ACTIVITY_BINS), dtype=np.int64)
    rows = (
        Activity.objects.filter(simulation=simulation)
        .annotate(bin=bin_of)
        .values("type", "bin")
        .annotate(n=Count("pk"))
        .values_list("type", "bin", "n")
        .order_by()
    )
    for kind, bin_index, n in rows:
        if kind in ACTIVITY_TYPES:
            mix[ACTIVITY_TYPES.index(kind), bin_index] = n
    return {
        "funnel": funnel,
        "pipeline": pipeline,
        "activities": {
            "edges": [_iso(e) for e in edges],
            "series": [{"type": t, "counts": [int(c) for c in mix[i]]} for i, t in enumerate(ACTIVITY_TYPES)],
        },
    }


def aggregate_ttl(seconds_taken: float, ended: bool) -> int:
    """How long computed aggregates are served from the cache: for good once ended, else 50x their cost."""
    return ENDED_TTL if ended else int(min(60.0, max(2.0, 50.0 * seconds_taken)))


def cached_aggregates(simulation: Simulation, now: dt.datetime) -> dict[str, Any]:
    """``aggregates`` through the cache (see the module docstring), with ``computedAt`` (when they were read)."""
    ended = simulation.status in ENDED
    key = f"charts:{simulation.pk}:{'ended' if ended else 'running'}"
    found: dict[str, Any] | None = cache.get(key)
    if found is None:
        began = time.perf_counter()
        found = {**aggregates(simulation), "computedAt": now}
        cache.set(key, found, aggregate_ttl(time.perf_counter() - began, ended))
    return found


def dashboard_charts(simulation: Simulation, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard's charts draw (docs/ui.md, "Dashboard charts")."""
    now = now or timezone.now()
    planning = simulation.status in (Simulation.Status.DRAFT, Simulation.Status.PLANNING)
    return {
        "id": simulation.pk,
        "status": simulation.status,
        "arrivals": arrivals(simulation),
        "lag": lag_series(simulation, now),
        **({"funnel": [], "pipeline": [], "activities": None, "computedAt": None} if planning else {}),
        **({} if planning else cached_aggregates(simulation, now)),
    }
