"""Heavy requests against the real web role: two users hammering preview / create / report at the maximum size while
a simulation is being written, and a third client timing ``/healthz`` (issue 12, finding 2).

``python -m benchmarks.request_load [--scratch] [--records 2000000] [--scenario b2c] [--seconds 30]
[--max-requests 200] [--run-leads 300000] [--report-leads 20000] [--operations preview,create,report]`` on the
configured database (``DATABASE_URL``); ``--scratch`` runs it in a scratch PostgreSQL database of its own
(``crmsim_bench_load``, migrated, dropped afterwards).

What runs, all on 127.0.0.1:

* the Procfile's ``web`` command (gunicorn, gthread workers, DEBUG off, the default 30 s worker timeout), its log
  kept to count ``WORKER TIMEOUT`` and worker boots (a killed worker is replaced: one boot more than workers);
* a writer process running a backfill of ``--run-leads`` leads with the in-process runner (as
  ``manage.py start_simulation`` does), started just before the hammering;
* two users, one thread each, looping until ``--seconds`` pass or ``--max-requests`` requests in all: preview at
  ``--records`` (a new seed each time, so no answer comes from the preview cache: the worst case), create at
  ``--records`` (then delete what was created, so the per-user limit never answers instead), and the report of a
  completed simulation of ``--report-leads`` leads;
* a third client sending ``GET /healthz`` every ``--healthz-interval`` seconds throughout.

The create throttle is lifted (``THROTTLE_CREATE``) so the server, not the throttle, bounds the load. Afterwards it
waits (at most ``--run-timeout`` seconds) for the run to complete and checks the targets: ``/healthz`` p99 under
200 ms, no worker timeout, the run completed. It prints a summary and one ``BENCH_RESULT`` JSON line; it exits 0
whatever the figures (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.scratch import ROOT, child_env, emit, migrated_database, run_child
from benchmarks.web_role import web_command, web_role
from benchmarks.workload import END, START, create_simulation, setup_django

HEALTHZ_P99_TARGET_MS = 200.0
USERS = ("load-a", "load-b")


@dataclass
class Timings:
    """Latencies (seconds) and status counts of one kind of request."""

    seconds: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, took: float, status: int | str) -> None:
        with self.lock:
            self.seconds.append(took)
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def summary(self) -> dict[str, Any]:
        import numpy as np

        if not self.seconds:
            return {"requests": 0, "statuses": self.statuses}
        ms = np.array(self.seconds) * 1000.0
        return {
            "requests": int(ms.size),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1),
            "statuses": self.statuses,
        }


def _request(port: int, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    payload = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        payload = json.dumps(body)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data.startswith(b"{") else None)
    finally:
        conn.close()


def _timed(timings: Timings, port: int, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    began = time.perf_counter()
    try:
        status, data = _request(port, method, path, token, body)
    except (OSError, http.client.HTTPException) as exc:
        timings.add(time.perf_counter() - began, type(exc).__name__)
        return None
    timings.add(time.perf_counter() - began, status)
    return data if 200 <= status < 300 else None


def _hammer(port: int, token: str, user: int, args: argparse.Namespace, stop: float, budget: Any, out: dict) -> None:
    """One user: preview, create (then delete), report, in a loop until ``stop`` or the shared budget is spent."""
    window = {"start": START.date().isoformat(), "end": END.date().isoformat(), "records": args.records}
    i = 0
    while time.perf_counter() < stop and budget():
        i += 1
        seed = 1000 * (user + 1) + i  # a new seed each time: the preview cache never answers
        if "preview" in args.operations:
            body = window | {"seed": seed}
            _timed(out["preview"], port, "POST", f"/api/scenarios/{args.scenario}/preview/", token, body)
        if "create" in args.operations and time.perf_counter() < stop and budget():
            created = _timed(out["create"], port, "POST", "/api/simulations/", token,
                             window | {"scenario": args.scenario, "seed": seed})  # fmt: skip
            if created is not None:
                _timed(out["delete"], port, "DELETE", f"/api/simulations/{created['id']}/", token)
        if "report" in args.operations:
            _timed(out["report"], port, "GET", f"/api/simulations/{args.report_ids[user]}/report/", token)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    from rest_framework.authtoken.models import Token

    from simulations.drivers.in_process import run_in_process
    from simulations.lifecycle.control import delete_simulation, start_simulation
    from simulations.models import Simulation, User

    accounts = [User.objects.get_or_create(username=name)[0] for name in USERS]
    tokens = [Token.objects.get_or_create(user=account)[0].key for account in accounts]
    args.report_ids = []
    for account in accounts:  # each reports on a completed simulation of their own (its report stored at completion)
        reported = run_in_process(start_simulation(simulation=create_simulation(args.report_leads)))
        Simulation.objects.filter(pk=reported.pk).update(owner=account)
        args.report_ids.append(reported.pk)
    run = start_simulation(simulation=create_simulation(args.run_leads))

    out = {name: Timings() for name in ("preview", "create", "delete", "report", "healthz")}
    result: dict[str, Any] = {
        "records": args.records,
        "scenario": args.scenario,
        "run_leads": args.run_leads,
        "report_leads": args.report_leads,
        "seconds": args.seconds,
        "operations": args.operations,
        "web": web_command(),
    }
    with tempfile.NamedTemporaryFile(suffix=".log", delete=False) as log_file:
        log_path = log_file.name
    with web_role(log_path, THROTTLE_CREATE="100000/min") as port:
        writer = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.request_load", "--drive", str(run.pk)], cwd=ROOT, env=os.environ
        )
        run_began = time.perf_counter()
        done = threading.Event()

        def healthz() -> None:
            while not done.is_set():
                began = time.perf_counter()
                _timed(out["healthz"], port, "GET", "/healthz")
                time.sleep(max(0.0, args.healthz_interval - (time.perf_counter() - began)))

        sent = [0]
        lock = threading.Lock()

        def budget() -> bool:
            with lock:
                sent[0] += 1
                return sent[0] <= args.max_requests

        stop = time.perf_counter() + args.seconds
        prober = threading.Thread(target=healthz)
        prober.start()
        time.sleep(1.0)  # a baseline before the users start, and the writer is going
        users = [threading.Thread(target=_hammer, args=(port, tokens[i], i, args, stop, budget, out)) for i in range(2)]
        for thread in users:
            thread.start()
        for thread in users:
            thread.join()
        result["hammer_seconds"] = round(time.perf_counter() - run_began - 1.0, 1)
        run_status = Simulation.objects.get(pk=run.pk).status
        result["run_status_when_hammering_ended"] = run_status
        done.set()
        prober.join()
        try:
            writer.wait(timeout=args.run_timeout)
        except subprocess.TimeoutExpired:
            writer.terminate()
            writer.wait()
        result["run_status"] = Simulation.objects.get(pk=run.pk).status
        result["run_wall_seconds"] = round(time.perf_counter() - run_began, 1)
    log = Path(log_path).read_text(errors="replace")
    os.unlink(log_path)
    workers = int(re.search(r"--workers \$\{WEB_WORKERS:-(\d+)\}", web_command()).group(1))  # type: ignore[union-attr]
    result["worker_timeouts"] = log.count("WORKER TIMEOUT")
    result["workers_booted"] = len(re.findall(r"Booting worker with pid", log))
    result["workers_replaced"] = max(0, result["workers_booted"] - workers)
    for name, timings in out.items():
        result[name] = timings.summary()
    result["targets"] = {
        "healthz_p99_under_200_ms": result["healthz"].get("p99_ms", 1e9) < HEALTHZ_P99_TARGET_MS,
        "no_worker_killed": result["worker_timeouts"] == 0 and result["workers_replaced"] == 0,
        "run_completed": result["run_status"] == Simulation.Status.COMPLETED,
    }
    for simulation in Simulation.objects.filter(owner__in=accounts):
        with contextlib.suppress(Exception):
            delete_simulation(simulation=simulation, force=True)
    return result


def _print(result: dict[str, Any]) -> None:
    print(f"{result['scenario']} x{result['records']:,} while a {result['run_leads']:,}-lead backfill is written; "
          f"{result['hammer_seconds']} s of {result['operations']} by two users")  # fmt: skip
    for name in ("preview", "create", "delete", "report", "healthz"):
        s = result[name]
        if s["requests"]:
            print(f"  {name:<8} {s['requests']:>4} requests, p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, "
                  f"max {s['max_ms']:.0f} ms, statuses {s['statuses']}")  # fmt: skip
    print(f"  gunicorn: {result['worker_timeouts']} WORKER TIMEOUT, {result['workers_replaced']} worker(s) replaced")
    print(f"  run: {result['run_status_when_hammering_ended']} when the hammering ended, {result['run_status']} "
          f"after {result['run_wall_seconds']} s")  # fmt: skip
    print("  targets: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in result["targets"].items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.request_load", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--scratch", action="store_true", help="run in a scratch PostgreSQL database of its own")
    parser.add_argument("--records", type=int, default=2_000_000, help="preview and create size (the maximum)")
    parser.add_argument("--scenario", default="b2c", help="b2c: 1.8 leads per record, the heaviest built-in")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the two users hammer")
    parser.add_argument("--max-requests", type=int, default=200, help="preview + create requests, both users")
    parser.add_argument("--run-leads", type=int, default=300_000, help="the backfill written meanwhile")
    parser.add_argument("--report-leads", type=int, default=20_000, help="the completed simulation reported on")
    parser.add_argument(
        "--operations", default="preview,create,report", help="what the users send, in this order each round"
    )
    parser.add_argument("--healthz-interval", type=float, default=0.05)
    parser.add_argument("--run-timeout", type=float, default=600.0, help="wait at most this for the run to end")
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)  # internal: the writer process
    args = parser.parse_args(argv)
    if args.drive is not None:
        setup_django()
        from simulations.drivers.in_process import run_in_process
        from simulations.models import Simulation

        run_in_process(Simulation.objects.get(pk=args.drive))
        return
    if args.scratch:
        with migrated_database("load") as url:
            forwarded = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--scratch"]
            child = run_child("benchmarks.request_load", forwarded, child_env(url), timeout=args.run_timeout + 600)
        _print(child.result)
        emit(child.result)
        return
    result = measure(args)
    _print(result)
    emit(result)


if __name__ == "__main__":
    main()
