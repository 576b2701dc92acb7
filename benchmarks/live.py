"""Live pacing: a live simulation compressed so that rows fall due at a few hundred per second; its lag.

Child process: ``python -m benchmarks.live --leads N --seconds S --driver inprocess|celery`` with DATABASE_URL.
The standard quarter is played in S wall seconds (time_scale = quarter / S), so the rate is rows / S on
average. Lag comes from the LagSample rows the product records (per written batch: its median row lag and its
worst row's lag against the row's due wall time), summarised over the whole run like ``reads.progress.lag_summary``
(p50 weighted by rows, p99 over the batches' worst rows).
"""

from __future__ import annotations

import argparse
import time

from benchmarks.scratch import emit
from benchmarks.workload import END, START, create_simulation, setup_django


def _summary(samples: list[tuple[int, float, float]]) -> tuple[float | None, float | None]:
    """(p50, p99) in ms: p50 of the batches' medians weighted by rows, p99 of the batches' worst rows."""
    import numpy as np

    if not samples:
        return None, None
    rows = np.array([s[0] for s in samples], dtype=float)
    medians = np.array([s[1] for s in samples])
    worst = np.array([s[2] for s in samples])
    order = np.argsort(medians)
    cumulative = np.cumsum(rows[order]) / rows.sum()
    p50 = float(medians[order][min(int(np.searchsorted(cumulative, 0.5)), len(order) - 1)])
    return round(p50, 1), round(float(np.percentile(worst, 99)), 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True, help="wall time the window is played in")
    parser.add_argument("--driver", choices=("inprocess", "celery"), default="inprocess")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings

    from simulations.drivers.in_process import run_in_process
    from simulations.engine.pools import pools
    from simulations.lifecycle.control import start_simulation
    from simulations.models import LagSample, Simulation

    pools()
    time_scale = (END - START).total_seconds() / args.seconds
    simulation = create_simulation(args.leads, pace="live", time_scale=time_scale)
    assert isinstance(simulation, Simulation)
    began = time.perf_counter()
    simulation = start_simulation(simulation=simulation)
    if args.driver == "inprocess":
        simulation = run_in_process(simulation)
    else:
        from simulations.drivers import dispatcher
        from simulations.tasks import send_claim

        next_tick = 0.0
        while simulation.status == Simulation.Status.RUNNING and time.perf_counter() - began < 3 * args.seconds + 10:
            if time.perf_counter() >= next_tick:
                dispatcher.dispatch_tick(send=send_claim)
                next_tick = time.perf_counter() + settings.CRMSIM_DISPATCH_INTERVAL_SECONDS
            time.sleep(0.05)
            simulation.refresh_from_db()
    seconds = time.perf_counter() - began
    rows = sum(simulation.planned.values())
    samples = list(LagSample.objects.filter(simulation=simulation).values_list("rows", "lag_p50_ms", "lag_max_ms"))
    lag_p50_ms, lag_p99_ms = _summary(samples)
    emit(
        {
            "leads": args.leads,
            "rows": rows,
            "seconds": seconds,
            "events_per_second": rows / args.seconds,
            "time_scale": time_scale,
            "lag_p50_ms": lag_p50_ms,
            "lag_p99_ms": lag_p99_ms,
            "batches": len(samples),
            "status": simulation.status,
        }
    )


if __name__ == "__main__":
    main()
