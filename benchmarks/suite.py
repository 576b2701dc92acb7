"""The measurements, run from the parent process: each one in child processes on scratch databases.

Every function returns result rows (plain dicts, JSON-ready): ``measurement``, ``system``, ``leads``, ``rows``,
``seconds``, ``rows_per_second``, ``peak_rss_mb`` and measurement-specific extras.
"""

from __future__ import annotations

from typing import Any

from benchmarks.scratch import REDIS_URL, child_env, run_child, scratch_database
from benchmarks.workers import celery_workers, sampling

Row = dict[str, Any]


def copy_limit(leads: int, streams: int = 1, schema: str = "product", rows_per_transaction: int = 100_000) -> Row:
    args = ["--leads", str(leads), "--streams", str(streams), "--schema", schema]
    args += ["--rows-per-transaction", str(rows_per_transaction)]
    with scratch_database(f"copy_{leads}_{streams}") as url:
        run = run_child("benchmarks.copy_limit", args, child_env(url))
    r = run.result
    label = "write limit: raw COPY" + (f", {streams} streams" if streams > 1 else "")
    system = "copy" if streams == 1 else f"copy_{streams}"
    if schema != "product":
        label, system = f"what-if: raw COPY, schema {schema}", f"copy_{schema}"
    if rows_per_transaction != 100_000:
        label, system = f"{label}, {rows_per_transaction:,} rows/tx", f"{system}_{rows_per_transaction}"
    return {
        "measurement": label,
        "system": system,
        "streams": streams,
        "leads": leads,
        "rows": r["rows"],
        "seconds": r["seconds"],
        "rows_per_second": r["rows_per_second"],
        "peak_rss_mb": run.peak_rss_mb,
        "wal_bytes_per_row": r["wal_bytes"] / r["rows"],
        "postgres_cpu_us_per_row": 1e6 * r["postgres_cpu_seconds"] / r["rows"],
        "notes": f"{r['transactions']} tx, {r['bytes'] / 1e6:.0f} MB text rendered before timing "
        f"({r['render_seconds']:.1f} s); WAL {r['wal_bytes'] / r['rows']:.0f} B/row; "
        f"PostgreSQL CPU {1e6 * r['postgres_cpu_seconds'] / r['rows']:.1f} us/row",
    }


def backfill_in_process(leads: int) -> Row:
    with scratch_database(f"inprocess_{leads}") as url:
        run = run_child("benchmarks.backfill", ["--leads", str(leads), "--driver", "inprocess"], child_env(url))
    r = run.result
    return {
        "measurement": "crmsim backfill, in-process",
        "system": "crmsim_inprocess",
        "leads": leads,
        "rows": r["rows"],
        "seconds": r["seconds"],
        "rows_per_second": r["rows_per_second"],
        "peak_rss_mb": run.peak_rss_mb,
        "plan_seconds": r["plan_seconds"],
        "process_cpu_us_per_row": 1e6 * r["process_cpu_seconds"] / r["rows"],
        "postgres_cpu_us_per_row": None
        if r["postgres_cpu_seconds"] is None
        else 1e6 * r["postgres_cpu_seconds"] / r["rows"],
        "digest_seconds": r["digest_seconds"],
        "results_seconds": r["results_seconds"],
        # The run as it was timed before the results moved inside it (issue 13's and 14's "today's" ratio).
        "rows_per_second_without_results": r["rows"] / (r["seconds"] - r["results_seconds"]),
        "notes": f"plan {r['plan_seconds']:.2f} s, {r['slots']} slots; results at completion (inside the time): "
        f"{r['results_seconds']:.2f} s ({r['results_seconds'] / r['seconds']:.0%}; digest "
        f"{r['digest_seconds']:.2f} s, {r['digest_seconds'] / r['seconds']:.0%}); without them "
        f"{r['rows'] / (r['seconds'] - r['results_seconds']):,.0f} rows/s; CPU per row: crmsim "
        f"{1e6 * r['process_cpu_seconds'] / r['rows']:.1f} us, PostgreSQL "
        + ("?" if r["postgres_cpu_seconds"] is None else f"{1e6 * r['postgres_cpu_seconds'] / r['rows']:.1f} us"),
    }


def backfill_celery(leads: int, workers: int = 2, *, verify: bool = False) -> Row:
    """crmsim backfill with ``workers`` Celery worker processes; ``verify`` adds the (untimed) digest check."""
    with (
        scratch_database(f"celery_{leads}") as url,
        celery_workers("crmsim", "materialize,dispatch", url, concurrency=workers) as group,
        sampling(group),
    ):
        group.sample()
        run = run_child(
            "benchmarks.backfill",
            ["--leads", str(leads), "--driver", "celery", "--warmup-leads", "2000", *(["--verify"] if verify else [])],
            child_env(url, CELERY_BROKER_URL=REDIS_URL),
        )
    r = run.result
    # From the timer's start to completion: not the warm-up, nor the report and digest the workers then compute,
    # nor --verify's digest (within one sampling interval, 0.25 s, at each end).
    pool_began, backend_began = group.cpu_at(r["began_at"])
    pool_done, backend_done = group.cpu_at(r["completed_at"])
    pool_cpu, backend_cpu = pool_done - pool_began, backend_done - backend_began
    pool = group.pool_peaks_mb()
    checks = ""
    if verify:
        checks = (f"; processed == planned: {r['processed_equals_planned']}, "
                  f"digest == engine digest: {r['digest_equals_engine']}")  # fmt: skip
    return {
        "measurement": f"crmsim backfill, {workers} Celery workers",
        "system": "crmsim_celery" if workers == 2 else f"crmsim_celery_{workers}",
        "workers": workers,
        "leads": leads,
        "rows": r["rows"],
        "seconds": r["seconds"],
        "rows_per_second": r["rows_per_second"],
        "peak_rss_mb": max(pool) if pool else 0.0,
        "worker_rss_mb": pool,
        "celery_parent_rss_mb": group.parent_peak_mb(),
        "dispatcher_rss_mb": run.peak_rss_mb,
        "plan_seconds": r["plan_seconds"],
        "processed_equals_planned": r.get("processed_equals_planned"),
        "digest_equals_engine": r.get("digest_equals_engine"),
        "worker_cpu_us_per_row": 1e6 * pool_cpu / r["rows"],
        "postgres_cpu_us_per_row": 1e6 * backend_cpu / r["rows"],
        "notes": f"worker pool RSS {'/'.join(f'{mb:.0f}' for mb in pool)} MB; dispatcher {run.peak_rss_mb:.0f} MB; "
        f"CPU per row: workers {1e6 * pool_cpu / r['rows']:.1f} us, PostgreSQL {1e6 * backend_cpu / r['rows']:.1f} us"
        + checks,
    }


def orm_peer(leads: int, mode: str) -> Row:
    with scratch_database(f"orm_{mode}") as url:
        run = run_child("benchmarks.orm_peer", ["--leads", str(leads), "--mode", mode], child_env(url))
    r = run.result
    label = "Django ORM create() per row" if mode == "create" else "Django bulk_create"
    return {
        "measurement": f"peer: {label} + Faker per row",
        "system": f"orm_{mode}",
        "leads": leads,
        "rows": r["rows"],
        "seconds": r["seconds"],
        "rows_per_second": r["rows_per_second"],
        "peak_rss_mb": run.peak_rss_mb,
        "notes": "companies/contacts/deals/activities only",
    }


def snowfakery_peer(leads: int) -> Row:
    from benchmarks.scratch import _admin, database_url, drop_database

    with scratch_database("snowfakery_counts") as url:
        run = run_child("benchmarks.orm_peer_counts", ["--leads", str(leads)], child_env(url))
    counts = run.result["counts"]
    name = "crmsim_bench_snowfakery"
    drop_database(name)
    _admin(f'CREATE DATABASE "{name}"')
    try:
        args = ["--database-url", database_url(name)]
        for kind, count in counts.items():
            args += [f"--{kind}", str(count)]
        run = run_child("benchmarks.snowfakery_peer", args, child_env())
    finally:
        drop_database(name)
    r = run.result
    return {
        "measurement": "peer: Snowfakery generate_data",
        "system": "snowfakery",
        "leads": leads,
        "rows": r["rows"],
        "seconds": r["seconds"],
        "rows_per_second": r["rows_per_second"],
        "peak_rss_mb": run.peak_rss_mb,
        "notes": "own tables, same four tables and counts",
    }


def celery_per_record(leads: int) -> Row:
    with (
        scratch_database("per_record") as url,
        celery_workers("benchmarks.per_record", "bench_per_record", url) as group,
        sampling(group),
    ):
        env = child_env(url, CELERY_BROKER_URL=REDIS_URL)
        run = run_child("benchmarks.per_record", ["--leads", str(leads)], env)
    r = run.result
    pool = group.pool_peaks_mb()
    return {
        "measurement": "peer: Celery, one eta task per record (2 workers)",
        "system": "celery_per_record",
        "leads": leads,
        "rows": r["rows"],
        "seconds": r["seconds"],
        "rows_per_second": r["rows_per_second"],
        "peak_rss_mb": max(pool) if pool else 0.0,
        "notes": f"sending took {r['send_seconds']:.1f} s; ORM create() + Faker in each task",
    }


def planning(leads: int) -> Row:
    run = run_child("benchmarks.engine", ["--leads", str(leads), "--write-slots", "50", "--emit"], child_env())
    r = run.result
    return {
        "measurement": "planning: count-mode plan (benchmarks.engine)",
        "system": "planning",
        "leads": leads,
        "rows": None,
        "seconds": r["count_plan_seconds"],
        "rows_per_second": None,
        "peak_rss_mb": run.peak_rss_mb,
        "build_plan_seconds": r["build_plan_seconds"],
        "generate_rows_per_second": r["generate_rows_per_second"],
        "notes": f"build_plan {r['build_plan_seconds']} s; generate_slot "
        f"{(r['generate_rows_per_second'] or 0):,.0f} rows/s",
        "output": r["output"],
    }


def live(leads: int, seconds: float, driver: str = "inprocess") -> Row:
    with scratch_database(f"live_{driver}") as url:
        args = ["--leads", str(leads), "--seconds", str(seconds), "--driver", driver]
        if driver == "celery":
            with celery_workers("crmsim", "materialize,dispatch", url) as group, sampling(group):
                run = run_child("benchmarks.live", args, child_env(url, CELERY_BROKER_URL=REDIS_URL))
        else:
            run = run_child("benchmarks.live", args, child_env(url))
    r = run.result
    return {
        "measurement": "live pacing, " + ("in-process" if driver == "inprocess" else "2 Celery workers"),
        "system": f"live_{driver}",
        "leads": leads,
        "rows": r["rows"],
        "seconds": r["seconds"],
        "rows_per_second": r["rows"] / r["seconds"],
        "peak_rss_mb": run.peak_rss_mb,
        "events_per_second": r["events_per_second"],
        "lag_p50_ms": r["lag_p50_ms"],
        "lag_p99_ms": r["lag_p99_ms"],
        "status": r["status"],
        "notes": f"{r['events_per_second']:.0f} events/s due; lag p50 {r['lag_p50_ms']} ms, p99 {r['lag_p99_ms']} ms "
        f"over {r['batches']} batches" + ("" if r["status"] == "completed" else f"; run {r['status']} at the deadline"),
    }


def progress_api(leads: int, clients: int, seconds: float) -> list[Row]:
    with scratch_database("api") as url:
        args = ["--leads", str(leads), "--clients", str(clients), "--seconds", str(seconds)]
        # The Procfile's web role runs distributed: the broker's Redis is also the shared cache.
        run = run_child("benchmarks.progress_api", [*args, "--keep"], child_env(url, CELERY_BROKER_URL=REDIS_URL))
    r = run.result
    rows = []
    phases = (
        ("poll", f"API progress, {clients} clients, each polls 1/s"),
        ("saturate", f"API progress, {clients} clients, back to back"),
        ("floor", f"API floor: {clients} clients back to back on an unknown URL (404)"),
        ("idle", f"API progress, {clients} clients, each polls 1/s, no run going"),
    )
    for phase, label in phases:
        p = r[phase]
        rows.append(
            {
                "measurement": label,
                "system": f"api_{phase}",
                "leads": leads,
                "rows": None,
                "seconds": None,
                "rows_per_second": None,
                "peak_rss_mb": None,
                **{k: p.get(k) for k in ("requests", "p50_ms", "p95_ms", "p99_ms", "errors", "requests_per_second")},
                "run_status_after": r.get("run_status_after"),
                "notes": f"p50 {p.get('p50_ms', 0):.1f} ms, p95 {p.get('p95_ms', 0):.1f} ms, p99 "
                f"{p.get('p99_ms', 0):.1f} ms; {p.get('requests_per_second', 0):.0f} req/s, {p.get('errors')} errors"
                + ("" if phase == "idle" else f"; run {r.get('run_status_after')} after the phases"),
            }
        )
    return rows


def sinks(leads: int) -> list[Row]:
    """Webhook delivery vs a plain HTTP client to the same acknowledging receiver; HubSpot requests per record."""
    with scratch_database(f"sinks_{leads}") as url:
        run = run_child("benchmarks.sinks", ["--leads", str(leads)], child_env(url))
    r = run.result
    return [
        {
            "measurement": "sinks: webhook delivery to a local receiver (vs a plain client, same batches)",
            "system": "sink_webhook",
            "leads": leads,
            "rows": r["events"],
            "seconds": r["crmsim_seconds"],
            "rows_per_second": r["crmsim_events_per_second"],
            "peak_rss_mb": run.peak_rss_mb,
            "ratio": r["ratio"],
            "ratio_vs_requests": r["ratio_vs_requests"],
            "round_ratios": r["round_ratios"],
            "notes": f"plain urllib3 {r['plain_events_per_second']:,} events/s, ratio {r['ratio']:.2f}; "
            f"plain requests {r['plain_requests_events_per_second']:,} events/s, ratio {r['ratio_vs_requests']:.2f}; "
            f"best of {r['rounds']} rounds; {r['requests']} requests of {r['batch_size']}",
        },
        {
            "measurement": "sinks: HubSpot sink requests per record (local HubSpot-compatible server)",
            "system": "sink_hubspot",
            "leads": leads,
            "rows": r["hubspot_records"],
            "seconds": None,
            "rows_per_second": None,
            "peak_rss_mb": run.peak_rss_mb,
            "requests_per_record": r["hubspot_requests_per_record"],
            "notes": f"{r['hubspot_requests']} requests, largest batch {r['hubspot_max_batch']}",
        },
    ]


def whole_command(leads: int, quick: bool) -> list[Row]:
    """``start_simulation --json`` process start to exit vs the write limit of the same rows, every shape
    (``benchmarks.whole_command``; the template database must exist)."""
    from benchmarks.whole_command import matrix

    return matrix(leads, quick=quick)
