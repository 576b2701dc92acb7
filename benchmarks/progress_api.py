"""Progress endpoint latency: 50 concurrent clients on GET /api/simulations/{id}/progress/ while a run goes on.

Child process: ``python -m benchmarks.progress_api --leads N --clients 50 --seconds S`` with DATABASE_URL. It
creates a user and a backfill simulation of N leads, starts a driver subprocess writing it (in-process runner),
serves the API with gunicorn as the Procfile does (2 sync workers, 127.0.0.1 only, DEBUG off), gets a token
(POST /api/auth/token/) and then runs two bounded phases with one thread per client:

* ``poll``: every client polls once per ``--interval`` seconds (a dashboard), for ``--seconds``;
* ``saturate``: every client sends requests back to back (a stress test), for ``--seconds`` or
  ``--max-requests`` requests in all;
* ``idle``: ``poll`` again after the driver is stopped, to separate the endpoint's own cost from CPU contention
  with the run (on a 2-core host the run's writer and PostgreSQL take both cores).

Latency is measured per request on the client (connect + request + full response).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from benchmarks.scratch import ROOT, emit
from benchmarks.workload import OWNER, create_simulation, setup_django

PASSWORD = "bench-password-not-secret"  # noqa: S105 -- a throwaway user in a scratch database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
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


def _phase(port: int, path: str, token: str, clients: int, seconds: float, interval: float, limit: int) -> dict:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: float) -> None:
        time.sleep(offset)
        while time.perf_counter() < deadline:
            with lock:
                if len(latencies) + len(errors) >= limit:
                    return
            began = time.perf_counter()
            status, _ = _request(port, "GET", path, headers)
            took = time.perf_counter() - began
            with lock:
                (latencies.append(took) if status == 200 else errors.append(status))
            if interval:
                time.sleep(max(0.0, interval - took))

    threads = [threading.Thread(target=client, args=(interval * i / clients,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {**_percentiles(latencies), "errors": len(errors), "requests_per_second": len(latencies) / wall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=1.0, help="poll phase: seconds between a client's polls")
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--drive", type=int, help="internal: run simulation ID in-process and exit")
    args = parser.parse_args(argv)
    setup_django()
    from simulations.runner import run_in_process
    from simulations.services import start_simulation

    from simulations.models import Simulation, User

    if args.drive is not None:
        run_in_process(Simulation.objects.get(pk=args.drive))
        return

    simulation = create_simulation(args.leads)
    assert isinstance(simulation, Simulation)
    user = User.objects.get(username=OWNER)
    user.set_password(PASSWORD)
    user.save()
    start_simulation(simulation=simulation)
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "crmsim-benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "crmsim.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    driver = None
    try:
        for _ in range(150):
            try:
                if _request(port, "GET", "/healthz", {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        status, body = _request(
            port, "POST", "/api/auth/token/", {"Content-Type": "application/json"},
            json.dumps({"username": OWNER, "password": PASSWORD}),
        )  # fmt: skip
        if status != 200:
            raise SystemExit(f"token request failed: {status} {body[:300]!r}")
        token = json.loads(body)["token"]
        path = f"/api/simulations/{simulation.pk}/progress/"
        driver = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.progress_api", "--drive", str(simulation.pk)], cwd=ROOT, env=os.environ
        )
        time.sleep(1.0)  # the run is going
        result: dict[str, Any] = {"leads": args.leads, "clients": args.clients}
        result["poll"] = _phase(port, path, token, args.clients, args.seconds, args.interval, args.max_requests)
        result["saturate"] = _phase(port, path, token, args.clients, args.seconds, 0.0, args.max_requests)
        simulation.refresh_from_db()
        result["run_status_after"] = simulation.status
        driver.terminate()
        driver.wait()
        result["idle"] = _phase(port, path, token, args.clients, args.seconds, args.interval, args.max_requests)
        emit(result)
    finally:
        if driver is not None and driver.poll() is None:
            driver.terminate()
            driver.wait()
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
