"""Distributed backfill: ``python -m benchmarks.distributed [--leads 75000] [--workers 2] [--compare-streams]``.

The suite's "crmsim backfill, N Celery workers" measurement on its own (``benchmarks.suite.backfill_celery``):
a scratch PostgreSQL database cloned from a freshly migrated template, a real ``celery -A crmsim worker -c N``
(prefork, the Procfile's worker line) on the benchmarks' Redis database (``BENCH_REDIS_URL``), the measuring
process playing beat's part, the suite's dataset shape (B2B, one quarter, seed 42). Prints rows/s from
``create_simulation`` to ``completed``, the workers' peak RSS and CPU per row (theirs and PostgreSQL's backends'),
and -- untimed, after the run -- whether the rows written are the rows planned and the database's digest equals
the engine's. Exits 1 if either check fails. ``--compare-streams`` first runs the write limit with as many COPY
streams as workers (``suite.copy_limit``), side by side, and prints workers / streams. Needs PostgreSQL
(``BENCH_DATABASE_URL``, a role that may CREATE DATABASE) and Redis; figures depend on the host.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks import suite
from benchmarks.report import format_table
from benchmarks.scratch import TEMPLATE, drop_database, template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.distributed", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--leads", type=int, default=75_000, help="leads N' of the backfill (~9.7 rows each)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (celery --concurrency)")
    parser.add_argument(
        "--compare-streams", action="store_true",
        help="first measure as many raw COPY streams of the same rows (the write limit), and print the ratio",
    )  # fmt: skip
    args = parser.parse_args(argv)
    template()
    rows = []
    try:
        if args.compare_streams:
            rows.append(suite.copy_limit(args.leads, streams=args.workers))
        rows.append(suite.backfill_celery(args.leads, args.workers, verify=True))
    finally:
        drop_database(TEMPLATE)
    print(format_table(rows))
    row = rows[-1]
    if args.compare_streams:
        ratio = row["rows_per_second"] / rows[0]["rows_per_second"]
        print(f"{args.workers} workers / {args.workers} COPY streams: {ratio:.2f}")
    return 0 if row["processed_equals_planned"] and row["digest_equals_engine"] else 1


if __name__ == "__main__":
    sys.exit(main())
