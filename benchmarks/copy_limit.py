"""The write limit: raw COPY of crmsim's own rows into the crm_* tables, rendered in memory before timing.

Child process: ``python -m benchmarks.copy_limit --leads N [--streams 1|2]`` with DATABASE_URL set to a
scratch database. The simulation is created through the product's service (so the rows are exactly the ones a
backfill writes, each company once), every slot is generated and rendered to COPY text up front, then only
this is timed: per group of slots (about ``--rows-per-transaction`` rows) one transaction with one COPY per
table, ``synchronous_commit`` off like the product's writer. Same tables, indexes, foreign keys and sequences
as the product; no Python work inside the timer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import psycopg

from benchmarks.scratch import cpu_seconds, emit
from benchmarks.workload import END, create_simulation, setup_django

if TYPE_CHECKING:
    from simulations.materialize.batches import Columns
    from simulations.models import Simulation

CHUNK_BYTES = 1 << 20


def _drop_schema_parts(indexes: bool) -> None:
    """The what-if variants: not the product's schema (the API and deletes rely on what is dropped here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text LIKE 'crm\\_%%'"
        )
        for table, name in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        if indexes:
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid::regclass::text LIKE 'crm\\_%%' AND c.relname LIKE '%%simulation_id%%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')


def slot_batches(simulation: Simulation) -> Iterator[dict[str, Columns]]:
    """Per slot, the columns a backfill writes (``cut_batch``), each company and the team once."""
    from simulations import engine
    from simulations.lifecycle.requests import engine_inputs
    from simulations.materialize.batches import cut_batch

    inputs = engine_inputs(simulation)
    plan = engine.build_plan(inputs)
    for k in range(plan.slot_count):
        batch = cut_batch(engine.generate_slot(plan, k), inputs.start, inputs.end)
        owned_lo, owned_hi = plan.slot_companies(k)
        companies = batch.inserts["companies"]
        owned = (companies["key"] >= owned_lo) & (companies["key"] < owned_hi)
        batch.inserts["companies"] = {name: values[owned] for name, values in companies.items()}
        if k > 0:  # every slot offers the whole team; slot 0 owns it
            batch.inserts["owners"] = {name: values[:0] for name, values in batch.inserts["owners"].items()}
        yield batch.inserts


def sqlite_limit(simulation: Simulation) -> dict[str, Any]:
    """SQLite's limit: ``executemany`` of the same rows (rendered before timing, as the product's SQLite writer
    renders them) into the same tables, in one transaction."""
    from django.db import connection, transaction

    from crm.models import RECORD_MODELS
    from simulations.materialize.writers import _column_sql, _rows

    began = time.perf_counter()
    statements: list[tuple[str, list[tuple[str | None, ...]]]] = []
    for inserts in slot_batches(simulation):
        for record_type, columns in inserts.items():
            names = list(columns)
            if not names or len(columns[names[0]]) == 0:
                continue
            model = RECORD_MODELS[record_type]
            placeholders = ", ".join(["%s"] * (len(names) + 1))
            sql = " ".join(
                ["INSERT INTO", model._meta.db_table, f"({_column_sql(model, names)}) VALUES ({placeholders})"]
            )
            statements.append((sql, _rows(model, simulation.pk, columns, names, "sqlite")))
    render_seconds = time.perf_counter() - began
    rows = sum(len(values) for _, values in statements)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, values in statements:
            cursor.executemany(sql, values)
    seconds = time.perf_counter() - began
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "render_seconds": render_seconds,
            "bytes": 0, "transactions": 1, "streams": 1, "schema": "product", "wal_bytes": 0.0}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, required=True)
    parser.add_argument("--streams", type=int, default=1, help="concurrent COPY connections")
    parser.add_argument("--rows-per-transaction", type=int, default=100_000)
    parser.add_argument("--scenario", default="b2b")
    parser.add_argument("--distribution", default="linear")
    parser.add_argument("--end", default=END.date().isoformat(), help="window end (start 2026-01-01)")
    parser.add_argument(
        "--schema",
        choices=("product", "no-fk", "no-fk-no-sim-index"),
        default="product",
        help="what-if only: drop the simulation foreign keys (and Django's redundant simulation_id indexes) first",
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    from crm.models import RECORD_MODELS
    from simulations import engine
    from simulations.materialize.writers import copy_columns, copy_text

    end = dt.datetime.fromisoformat(args.end).replace(tzinfo=dt.UTC)
    simulation = create_simulation(args.leads, scenario=args.scenario, distribution=args.distribution, end=end)
    if connection.vendor == "sqlite":
        emit(sqlite_limit(simulation))
        return
    began = time.perf_counter()
    groups: list[list[tuple[str, str, str]]] = [[]]
    group_rows = rows = 0
    for inserts in slot_batches(simulation):
        for record_type in engine.RECORD_TYPES:
            model = RECORD_MODELS[record_type]
            columns = inserts[record_type]
            count = len(next(iter(columns.values()))) if columns else 0
            if count:
                text = copy_text(model, simulation.pk, columns)
                groups[-1].append((model._meta.db_table, copy_columns(model, columns), text))
                group_rows += count
        if group_rows >= args.rows_per_transaction:
            rows += group_rows
            groups.append([])
            group_rows = 0
    rows += group_rows
    render_seconds = time.perf_counter() - began
    text_bytes = sum(len(text) for group in groups for _, _, text in group)
    dsn = settings.DATABASES["default"]
    conninfo = f"host={dsn['HOST']} port={dsn['PORT'] or 5432} dbname={dsn['NAME']} user={dsn['USER']}"
    if args.schema != "product":
        _drop_schema_parts(args.schema == "no-fk-no-sim-index")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        wal_before = cursor.fetchone()[0]
    connection.close()

    failures: list[BaseException] = []
    backend_cpu: list[float] = []

    def stream(mine: list[list[tuple[str, str, str]]]) -> None:
        try:
            _copy(mine)
        except BaseException as error:  # a failed COPY must fail the measurement, not look fast
            failures.append(error)

    def _copy(mine: list[list[tuple[str, str, str]]]) -> None:
        with psycopg.connect(conninfo) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
            backend = int(row[0]) if row else 0
            cpu_before = cpu_seconds(backend)
            for group in mine:
                with conn.transaction():
                    conn.execute("SET LOCAL synchronous_commit TO OFF")
                    for table, column_sql, text in group:
                        with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                            for at in range(0, len(text), CHUNK_BYTES):
                                copy.write(text[at : at + CHUNK_BYTES])
            backend_cpu.append(cpu_seconds(backend) - cpu_before)  # read before the backend exits

    began = time.perf_counter()
    threads = [threading.Thread(target=stream, args=(groups[i :: args.streams],)) for i in range(args.streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if failures:
        raise failures[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [wal_before])
        wal_bytes = float(cursor.fetchone()[0])
    emit(
        {
            "rows": rows,
            "seconds": seconds,
            "rows_per_second": rows / seconds,
            "render_seconds": render_seconds,
            "bytes": text_bytes,
            "transactions": len(groups),
            "streams": args.streams,
            "schema": args.schema,
            "wal_bytes": wal_bytes,
            "postgres_cpu_seconds": sum(backend_cpu),
        }
    )


if __name__ == "__main__":
    main()
