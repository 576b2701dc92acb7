"""Peer: Celery with one task per record (the "one eta job per record" shape), each inserting one ORM row.

This module is both the Celery app the parent starts a real worker on (``celery -A benchmarks.per_record
worker``, concurrency 2, on the benchmarks' Redis database) and the driver child (``python -m
benchmarks.per_record --leads N``) that sends one task with an eta per row of crmsim's dataset shape for N
leads and waits until every row is in the database. Timed: from the first send to the last row committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from typing import Any

from celery import Celery

from benchmarks.scratch import emit
from benchmarks.workload import setup_django

QUEUE = "bench_per_record"

setup_django()
app = Celery("crmsim_bench_per_record")
app.conf.update(
    broker_url=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13"),
    task_ignore_result=True,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_default_queue=QUEUE,
    broker_connection_retry_on_startup=True,
)
_fake: Any = None


@app.task(name="bench.insert_row")
def insert_row(kind: str, key: int, simulation_id: int, counts: dict[str, int]) -> None:
    global _fake
    from faker import Faker

    from benchmarks.fake_rows import fields, model_of

    if _fake is None:
        _fake = Faker("en_US")
    model_of(kind).objects.create(**fields(kind, key, simulation_id, _fake, counts))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    from benchmarks.fake_rows import PEER_TYPES, model_of, peer_counts
    from benchmarks.workload import create_simulation

    simulation = create_simulation(args.leads)
    counts = peer_counts(simulation.planned)
    rows = sum(counts.values())
    began = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    for kind in PEER_TYPES:
        for key in range(counts[kind]):
            insert_row.apply_async(args=(kind, key, simulation.pk, counts), eta=now)
    sent = time.perf_counter() - began
    written = 0
    while written < rows and time.perf_counter() - began < args.timeout:
        time.sleep(0.1)
        written = sum(model_of(kind).objects.filter(simulation_id=simulation.pk).count() for kind in PEER_TYPES)
    seconds = time.perf_counter() - began
    if written < rows:
        raise SystemExit(f"only {written} of {rows} rows after {seconds:.0f} s")
    emit({"leads": args.leads, "rows": rows, "seconds": seconds, "rows_per_second": rows / seconds,
          "send_seconds": sent, "counts": counts})  # fmt: skip


if __name__ == "__main__":
    main()
