"""Reads over deliveries: per-sink progress of a simulation, and its open dead letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import Count, Sum
from django.utils import timezone

from simulations.delivery.models import DeadLetter, SimulationSink, SlotDelivery

LAG_WINDOW = dt.timedelta(minutes=1)


def delivery_progress(simulation: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per attached sink: delivered / failed (requests) / dead-lettered events, events written but not yet
    settled (``pending``: the backlog a slow sink builds up), and lag p50/p99 over the last minute (ms).

    Sums over the per-slot rows (one per slot and sink; no row per event)."""
    from simulations.reads.progress import processed_counts

    now = now or timezone.now()
    written = sum(processed_counts(simulation).values())
    out = []
    for link in SimulationSink.objects.filter(simulation=simulation).select_related("sink").order_by("sink_id"):
        rows = SlotDelivery.objects.filter(simulation=simulation, sink=link.sink)
        totals = rows.aggregate(delivered=Sum("delivered"), failed=Sum("failed"), dead=Sum("dead"), slots=Count("id"))
        lags = list(rows.filter(lag_at__gte=now - LAG_WINDOW).values_list("lag_p50_ms", "lag_max_ms"))
        delivered, dead = int(totals["delivered"] or 0), int(totals["dead"] or 0)
        errors = list(rows.exclude(last_error="").order_by("-lag_at").values_list("last_error", flat=True)[:3])
        out.append(
            {
                "sink": link.sink.pk,
                "name": link.sink.name,
                "kind": link.sink.kind,
                "enabled": link.sink.enabled,
                "disabledReason": link.sink.disabled_reason,
                "delivered": delivered,
                "failed": int(totals["failed"] or 0),
                "deadLettered": dead,
                "pending": max(written - delivered - dead, 0),
                "lag": {
                    "p50Ms": round(float(np.median([p for p, _ in lags])), 1) if lags else None,
                    "p99Ms": round(float(np.percentile([m for _, m in lags], 99)), 1) if lags else None,
                    "samples": len(lags),
                },
                "recentErrors": errors,
            }
        )
    return out


def open_dead_letters(simulation: Any, limit: int = 100) -> list[dict[str, Any]]:
    letters = DeadLetter.objects.filter(simulation=simulation, replayed_at__isnull=True).order_by("created_at")
    return [
        {"id": d.pk, "sink": d.sink_id, "slot": d.slot_id, "events": d.events, "error": d.error,
         "createdAt": d.created_at}
        for d in letters[:limit]
    ]  # fmt: skip
