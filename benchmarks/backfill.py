"""crmsim backfill end to end: plan (count mode + slot rows), dispatch and materialize, until completed.

Child process: ``python -m benchmarks.backfill --leads N --driver inprocess|celery`` with DATABASE_URL set.

* ``inprocess``: the embedded driver (``simulations.drivers.in_process.run_in_process``), one process, one connection.
* ``celery``: this process plays beat's part -- it runs the dispatcher tick (``simulations.tasks.dispatch``'s
  body: sweep, claim due slots, send them) every CRMSIM_DISPATCH_INTERVAL_SECONDS -- while real Celery worker
  processes, started by the parent on the same database and broker, materialize the slots.

The timer starts before ``create_simulation`` (planning is part of the job) and stops when the simulation is
completed. Peak RSS of this process is measured by the parent. ``--verify`` then checks, untimed, that the rows
written are the rows planned and that the database's digest equals the engine's (``python -m
benchmarks.distributed`` asks for it).
"""

from __future__ import annotations

import argparse
import resource
import time

from benchmarks.scratch import cpu_seconds, emit
from benchmarks.workload import create_simulation, setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, required=True)
    parser.add_argument("--driver", choices=("inprocess", "celery"), required=True)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--warmup-leads", type=int, default=0, help="run a small simulation first, untimed (warms worker processes)"
    )
    parser.add_argument("--verify", action="store_true", help="after timing: processed == planned, digests equal")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    from simulations import engine
    from simulations.drivers.in_process import run_in_process
    from simulations.engine.pools import pools
    from simulations.lifecycle.control import start_simulation
    from simulations.lifecycle.requests import engine_inputs
    from simulations.models import Simulation
    from simulations.reads.digest import database_digest
    from simulations.reads.progress import processed_counts

    pools()  # the value pools are built once per process (Faker, ~0.5 s): not part of any N

    def drive(simulation: Simulation, deadline: float) -> Simulation:
        simulation = start_simulation(simulation=simulation)
        if args.driver == "inprocess":
            return run_in_process(simulation)
        from simulations.drivers import dispatcher
        from simulations.tasks import send_claim

        next_tick = 0.0
        while simulation.status == Simulation.Status.RUNNING and time.perf_counter() < deadline:
            if time.perf_counter() >= next_tick:
                dispatcher.dispatch_tick(send=send_claim)
                next_tick = time.perf_counter() + settings.CRMSIM_DISPATCH_INTERVAL_SECONDS
            time.sleep(0.05)  # workers complete the simulation themselves (complete_if_done after each slot)
            simulation.refresh_from_db()
        return simulation

    if args.warmup_leads:
        warmup = create_simulation(args.warmup_leads)
        assert isinstance(warmup, Simulation)
        drive(warmup, time.perf_counter() + 300)

    def backend() -> tuple[int, float]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = int(cursor.fetchone()[0])
        return pid, cpu_seconds(pid)

    backend_before, process_before = backend(), resource.getrusage(resource.RUSAGE_SELF)
    began, began_at = time.perf_counter(), time.time()
    simulation = create_simulation(args.leads)
    assert isinstance(simulation, Simulation)
    planned_at = time.perf_counter()
    simulation = drive(simulation, began + args.timeout)
    seconds, completed_at = time.perf_counter() - began, time.time()
    backend_after, process_after = backend(), resource.getrusage(resource.RUSAGE_SELF)
    if simulation.status != Simulation.Status.COMPLETED:
        raise SystemExit(f"simulation ended {simulation.status}: {simulation.error}")
    rows = sum(simulation.planned.values())
    result = {
        "leads": args.leads,
        "rows": rows,
        "seconds": seconds,
        "plan_seconds": planned_at - began,
        "rows_per_second": rows / seconds,
        "slots": simulation.slots.count(),
        "began_at": began_at,
        "completed_at": completed_at,
        "process_cpu_seconds": (process_after.ru_utime + process_after.ru_stime)
        - (process_before.ru_utime + process_before.ru_stime),
        # One connection for the whole run in-process (CONN_MAX_AGE); None if it was replaced meanwhile.
        "postgres_cpu_seconds": backend_after[1] - backend_before[1] if backend_after[0] == backend_before[0] else None,
    }
    if args.driver == "inprocess":
        # In-process, the run above includes storing the results (the report with its digest, lifecycle.results);
        # computed again here, untimed, so the table can say what share of the run they are.
        from simulations.reads.report import calibration_report

        began = time.perf_counter()
        database_digest(simulation)
        result["digest_seconds"] = time.perf_counter() - began
        began = time.perf_counter()
        calibration_report(simulation)
        result["results_seconds"] = time.perf_counter() - began
    if args.verify:
        processed = processed_counts(simulation)
        result["processed_equals_planned"] = processed == {t: int(simulation.planned.get(t, 0)) for t in processed}
        result["digest_equals_engine"] = database_digest(simulation) == engine.engine_digest(engine_inputs(simulation))
    emit(result)


if __name__ == "__main__":
    main()
