"""Peers on the Django ORM: one ``create()`` per row, or ``bulk_create``, with Faker values per row.

Child process: ``python -m benchmarks.orm_peer --leads N --mode create|bulk`` with DATABASE_URL set. Rows go
into the same crm_* tables (with their indexes and foreign key) as crmsim's; counts per table are those of a
crmsim backfill of N leads. The timer covers value generation and inserts, as in a seed script.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.scratch import emit
from benchmarks.workload import create_simulation, setup_django

BULK_BATCH = 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, required=True)
    parser.add_argument("--mode", choices=("create", "bulk"), required=True)
    args = parser.parse_args(argv)
    setup_django()
    from faker import Faker

    from benchmarks.fake_rows import PEER_TYPES, fields, model_of, peer_counts

    simulation = create_simulation(args.leads)
    counts = peer_counts(simulation.planned)
    fake = Faker("en_US")
    Faker.seed(1)
    began = time.perf_counter()
    for kind in PEER_TYPES:
        model = model_of(kind)
        if args.mode == "create":
            for key in range(counts[kind]):
                model.objects.create(**fields(kind, key, simulation.pk, fake, counts))
        else:
            for lo in range(0, counts[kind], BULK_BATCH):
                keys = range(lo, min(lo + BULK_BATCH, counts[kind]))
                objects = [model(**fields(kind, key, simulation.pk, fake, counts)) for key in keys]
                model.objects.bulk_create(objects)
    seconds = time.perf_counter() - began
    rows = sum(counts.values())
    emit({"leads": args.leads, "rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "counts": counts})


if __name__ == "__main__":
    main()
