"""``python -m benchmarks.charts_api N``: what the dashboard's chart poll costs next to the progress poll.

Runs (once; later calls reuse it) a completed one-year B2B backfill of N records in the database of
``DATABASE_URL`` as the user "measure", then times, best and median in ms: the progress poll, the charts'
arrivals (slot bookkeeping), the charts' aggregates counted afresh (funnel, pipeline, activity mix) and a whole
charts answer with the aggregates cached. docs/ui.md quotes the figures.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from typing import Any


def _timed(fn: Callable[[], Any], repeat: int) -> str:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return f"{min(times) * 1000:.1f} / {sorted(times)[len(times) // 2] * 1000:.1f}"


def main(records: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
    django.setup()
    from django.core.cache import cache

    from scenarios.builtin import install_builtin_presets
    from scenarios.models import ScenarioPreset
    from simulations.drivers.in_process import run_in_process
    from simulations.lifecycle.control import create_simulation, start_simulation
    from simulations.lifecycle.requests import SimulationRequest
    from simulations.models import Simulation, User
    from simulations.reads import charts
    from simulations.reads.progress import progress

    install_builtin_presets(ScenarioPreset)
    user, _ = User.objects.get_or_create(username="measure")
    simulation = Simulation.objects.filter(owner=user, records=records, status="completed").first()
    if simulation is None:
        start, end = dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        request = SimulationRequest(scenario="b2b", start=start, end=end, records=records, seed=3)
        simulation = run_in_process(start_simulation(simulation=create_simulation(owner=user, request=request)))
    print(f"contacts {simulation.planned['contacts']:,}, activities {simulation.planned['activities']:,}")
    charts.arrivals(simulation)  # the plan's arrivals, kept per process
    print("progress poll                       best / median ms:", _timed(lambda: progress(simulation), 7))
    print("charts: arrivals                    best / median ms:", _timed(lambda: charts.arrivals(simulation), 7))
    print("charts: aggregates, counted afresh  best / median ms:", _timed(lambda: charts.aggregates(simulation), 3))
    cache.clear()
    charts.dashboard_charts(simulation)
    cached = _timed(lambda: charts.dashboard_charts(simulation), 7)
    print("charts, aggregates cached           best / median ms:", cached)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
