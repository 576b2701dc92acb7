"""Progress endpoint latency: clients on GET /api/simulations/{id}/progress/ while a simulation is being written.

``python -m benchmarks.progress_api [--leads N] [--clients 50] [--seconds S] [--transport http|client]
[--writer process|thread]`` on the configured database (``DATABASE_URL``, or the embedded SQLite file; the
suite gives it a scratch PostgreSQL database). It creates a backfill simulation of N leads (the suite's
dataset shape, owner ``bench``), starts a writer (the in-process runner), gets the owner's API token and runs
three bounded phases with one thread per client:

* ``poll``: every client polls once per ``--interval`` seconds (a dashboard), for ``--seconds``;
* ``saturate``: every client sends requests back to back (a stress test), for ``--seconds`` or
  ``--max-requests`` requests in all;
* ``floor``: ``saturate`` on an unknown URL (a 404 from Django, no view, no query), still while the run is
  written: the most requests per second this web role answers on this host, whatever the endpoint does;
* ``idle``: ``poll`` again after the writer is stopped, to separate the endpoint's own cost from CPU contention
  with the run (on a 2-core host the run's writer and the database take both cores).

Transports: ``http`` (default, what the suite runs) serves the API with the Procfile's web role (gunicorn, gthread
workers, 127.0.0.1 only, DEBUG off; ``--web-workers`` / ``--web-threads`` override its defaults) and times each
request on the client (a new connection per request: connect + request + full response).
``client`` calls the full Django stack (URL routing, token authentication, view, selector, JSON rendering) in
this process through the test ``Client``, with no server in between; it is the one that can also run the writer
as a thread of the serving process (``--writer thread``), as the embedded web server's background runner does,
so the writer's numpy and row building compete for the same interpreter. ``--writer process`` (default) writes
from another process, as a Celery worker or ``manage.py start_simulation`` does.

Example, one client on SQLite with the embedded runner's thread writer:

    .venv/bin/python -m benchmarks.progress_api --transport client --writer thread --clients 1 --interval 0.01

The simulation is deleted at the end unless ``--keep`` (the suite passes it: its scratch database is dropped).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks.scratch import ROOT, emit
from benchmarks.web_role import web_role
from benchmarks.workload import OWNER, create_simulation, setup_django

FLOOR_PATH = "/api/no-such-endpoint/"
"""The cheapest response of the web role (Django's 404 after the middleware): what any endpoint would get."""

Request = Callable[[], int]
"""One timed GET of the progress URL; returns the HTTP status."""


def _http_get(port: int, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _percentiles(samples: list[float]) -> dict[str, float | int]:
    import numpy as np

    values = np.array(samples) * 1000.0
    if len(values) == 0:
        return {"requests": 0}
    return {
        "requests": len(values),
        "p50_ms": float(np.percentile(values, 50)),
        "p95_ms": float(np.percentile(values, 95)),
        "p99_ms": float(np.percentile(values, 99)),
    }


def _phase(
    new_client: Callable[[], Request], clients: int, seconds: float, interval: float, limit: int, expect: int = 200
) -> dict:
    """``clients`` threads, each with its own ``new_client()``, until ``seconds`` pass or ``limit`` requests;
    a status other than ``expect`` counts as an error."""
    from django.db import connections

    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: float) -> None:
        get = new_client()
        try:
            time.sleep(offset)
            while time.perf_counter() < deadline:
                with lock:
                    if len(latencies) + len(errors) >= limit:
                        return
                began = time.perf_counter()
                status = get()
                took = time.perf_counter() - began
                with lock:
                    (latencies.append(took) if status == expect else errors.append(status))
                if interval:
                    time.sleep(max(0.0, interval - took))
        finally:
            connections.close_all()  # the client transport opened this thread's own connection

    threads = [threading.Thread(target=client, args=(interval * i / clients,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {**_percentiles(latencies), "errors": len(errors), "requests_per_second": len(latencies) / wall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.progress_api", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--leads", type=int, default=100_000, help="size of the backfill being written")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument("--interval", type=float, default=1.0, help="poll phase: seconds between a client's polls")
    parser.add_argument("--max-requests", type=int, default=5000, help="per phase, all clients together")
    parser.add_argument("--transport", choices=("http", "client"), default="http")
    parser.add_argument("--writer", choices=("process", "thread"), default="process")
    parser.add_argument("--web-workers", type=int, help="http: WEB_WORKERS for the web role (default: the Procfile's)")
    parser.add_argument("--web-threads", type=int, help="http: WEB_THREADS for the web role (default: the Procfile's)")
    parser.add_argument("--keep", action="store_true", help="leave the simulation in the database")
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)  # internal: the writer process
    args = parser.parse_args(argv)
    # The benchmark's writer is the one writer: no embedded runner spawned by the start below or the web role.
    os.environ["CRMSIM_RUNNER_AUTOSPAWN"] = "false"
    if args.writer == "thread" and args.transport != "client":
        parser.error("--writer thread needs --transport client (the writer thread must share the serving process)")
    setup_django()
    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from crmsim.errors import StateConflict
    from simulations.drivers.in_process import run_in_process
    from simulations.lifecycle.control import cancel_simulation, delete_simulation, start_simulation
    from simulations.models import Simulation, User

    if args.drive is not None:
        run_in_process(Simulation.objects.get(pk=args.drive))
        return

    simulation = start_simulation(simulation=create_simulation(args.leads))
    token = Token.objects.get_or_create(user=User.objects.get(username=OWNER))[0].key
    path = f"/api/simulations/{simulation.pk}/progress/"
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    print(f"{settings.DATABASES['default']['ENGINE']}: simulation {simulation.pk}, planned {simulation.planned}")

    def write() -> None:
        try:
            run_in_process(Simulation.objects.get(pk=simulation.pk))
        finally:
            connections.close_all()

    with contextlib.ExitStack() as stack:
        if args.transport == "http":
            log = stack.enter_context(tempfile.NamedTemporaryFile(prefix="crmsim-progress-web-", suffix=".log"))
            sizes = (("WEB_WORKERS", args.web_workers), ("WEB_THREADS", args.web_threads))
            web_env = {name: str(value) for name, value in sizes if value}
            port = stack.enter_context(web_role(log.name, **web_env))

            def new_client(url: str = path) -> Request:
                return lambda: _http_get(port, url, headers)
        else:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

            def new_client(url: str = path) -> Request:
                client = Client(HTTP_AUTHORIZATION=headers["Authorization"], HTTP_ACCEPT=headers["Accept"])
                return lambda: client.get(url).status_code

        new_client()()  # warm up before timing: imports, URL resolver, first connection

        driver: subprocess.Popen[bytes] | None = None
        writer: threading.Thread | None = None
        try:
            if args.writer == "process":
                command = [sys.executable, "-m", "benchmarks.progress_api", "--drive", str(simulation.pk)]
                driver = subprocess.Popen(command, cwd=ROOT, env=os.environ)
            else:
                writer = threading.Thread(target=write, daemon=True)
                writer.start()
            time.sleep(1.0)  # the run is going
            result: dict[str, Any] = {"leads": args.leads, "clients": args.clients, "transport": args.transport,
                                      "writer": args.writer}  # fmt: skip
            phase = (args.clients, args.seconds)
            result["poll"] = _phase(new_client, *phase, args.interval, args.max_requests)
            result["saturate"] = _phase(new_client, *phase, 0.0, args.max_requests)
            floor = functools.partial(new_client, FLOOR_PATH)
            result["floor"] = _phase(floor, *phase, 0.0, args.max_requests, expect=404)
            simulation.refresh_from_db()
            result["run_status_after"] = simulation.status
        finally:
            if driver is not None:
                driver.terminate()
                driver.wait()
            if writer is not None:  # a thread cannot be killed: stop the run, the runner then returns
                with contextlib.suppress(StateConflict):
                    cancel_simulation(simulation=simulation)
                writer.join()
        result["idle"] = _phase(new_client, *phase, args.interval, args.max_requests)
    for name in ("poll", "saturate", "floor", "idle"):
        p = result[name]
        cuts = ", ".join(f"{q} {p.get(f'{q}_ms', 0):.1f} ms" for q in ("p50", "p95", "p99"))
        rate = f"{p['requests_per_second']:.0f} req/s"
        print(f"  {name:<8} {p['requests']:>5} requests, {cuts}, {rate}, {p['errors']} errors")
    print(f"  run {result['run_status_after']} after poll and saturate")
    if result["run_status_after"] != Simulation.Status.RUNNING:
        print("  (the run ended before the timed phases did: poll and saturate partly measured an idle server; "
              "use more --leads)")  # fmt: skip
    if not args.keep:
        delete_simulation(simulation=Simulation.objects.get(pk=simulation.pk), force=True)
    emit(result)


if __name__ == "__main__":
    main()
