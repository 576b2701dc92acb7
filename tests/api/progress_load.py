"""Latency of GET /api/simulations/{id}/progress/ while a simulation is being written.

Not a test: a load script that prints percentiles. It creates a backfill simulation on the configured
database (DATABASE_URL, or the embedded SQLite file), has the in-process runner write it, and meanwhile polls
the progress endpoint through the full Django stack (URL routing, token authentication, the view, the
selector, JSON rendering) with the test Client. The simulation is deleted at the end. Only samples taken
while the simulation was still running count.

``--writer process`` (default) writes from another process, as a Celery worker or ``manage.py
start_simulation`` does; ``--writer thread`` writes from a thread of the polling process, as the embedded web
server's background runner does (the writer's numpy and row building then compete for the same interpreter).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crmsim .venv/bin/python -m tests.api.progress_load
    .venv/bin/python -m tests.api.progress_load --records 100000 --requests 300     # SQLite
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import subprocess
import sys
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000, help="size of the backfill being written")
    parser.add_argument("--requests", type=int, default=500, help="progress requests to time")
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between requests")
    parser.add_argument("--writer", choices=["process", "thread"], default="process")
    parser.add_argument("--write-only", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
    import django

    django.setup()

    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from simulations.runner import run_in_process
    from simulations.services import (
        SimulationRequest,
        SimulationStateError,
        cancel_simulation,
        create_simulation,
        delete_simulation,
        start_simulation,
    )

    from simulations.models import Simulation, User

    if args.write_only is not None:
        run_in_process(Simulation.objects.get(pk=args.write_only))
        return

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = User.objects.get_or_create(username="progress-load")
    token, _ = Token.objects.get_or_create(user=user)
    window = {"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "end": dt.datetime(2026, 7, 1, tzinfo=dt.UTC)}
    request = SimulationRequest(scenario="b2c", records=args.records, seed=11, **window)
    simulation = start_simulation(simulation=create_simulation(owner=user, request=request))
    print(f"{settings.DATABASES['default']['ENGINE']}: simulation {simulation.pk}, planned {simulation.planned}")

    def write() -> None:
        try:
            if args.writer == "process":
                subprocess.run([sys.executable, "-m", "tests.api.progress_load", "--write-only", str(simulation.pk)])
            else:
                run_in_process(Simulation.objects.get(pk=simulation.pk))
        finally:
            connections.close_all()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    time.sleep(1.0)  # let the writer get going
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    url = f"/api/simulations/{simulation.pk}/progress/"
    client.get(url)  # warm up: imports, URL resolver, first connection
    timings: list[float] = []
    percents: list[float] = []
    try:
        for _ in range(args.requests):
            began = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - began) * 1000.0
            body = response.json()
            assert response.status_code == 200, body
            if body["status"] != "running":
                break
            timings.append(elapsed)
            percents.append(body["percent"])
            time.sleep(args.interval)
    finally:
        with contextlib.suppress(SimulationStateError):  # it may have completed already
            cancel_simulation(simulation=simulation)
        writer.join()
        delete_simulation(simulation=Simulation.objects.get(pk=simulation.pk))

    if len(timings) < 20:
        raise SystemExit(f"only {len(timings)} samples while running: use more --records")
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"{args.writer} writer; progress while writing ({percents[0]:.1f}% -> {percents[-1]:.1f}% done): "
        f"{len(timings)} requests, p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms, "
        f"max {max(timings):.1f} ms"
    )


if __name__ == "__main__":
    main()
