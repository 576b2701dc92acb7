"""crmsim's benchmarks, all of them (docs/performance.md has the method and the figures).

The suite, ``python -m benchmarks [--quick] [--json PATH] [--plot PNG] [--only GROUPS]`` (``make bench``,
``make bench-quick`` in CI), runs every measurement in its own subprocess against its own scratch PostgreSQL
database (``crmsim_bench_*``, cloned from a migrated template), so settings, caches and peak RSS never leak from
one measurement into the next. Figures depend on the host; compare ratios taken in the same run, not absolute
numbers across runs. Every module answers ``--help``.

Run on their own (the suite's group for the same measurement in brackets):

    python -m benchmarks.engine [--leads 1000000] [--scenario b2b|b2c]   # engine alone, no database [planning]
    python -m benchmarks.distributed [--leads 75000] [--workers 2]       # Celery backfill, digest check [celery]
    python -m benchmarks.progress_api [--transport http|client] [--writer process|thread]   # progress latency [api]
    python -m benchmarks.request_load --scratch [--operations preview,create,report]   # heavy requests vs /healthz
    python -m benchmarks.whole_command [--leads 10000] [--backends postgresql,sqlite]   # the command [command]
    python -m benchmarks.plot RESULTS.json OUT.png                       # rows/s vs N from a results file
    DATABASE_URL=... python -m benchmarks.sinks [--leads 20000]          # webhook vs plain client, HubSpot [sinks]

Children the suite starts (each prints one ``BENCH_RESULT`` JSON line; run alone, they need ``DATABASE_URL`` on
a migrated PostgreSQL database they may fill): ``copy_limit`` (the write limit: raw COPY; on SQLite
``executemany`` in one transaction), ``backfill`` (crmsim
end to end, in-process or with Celery workers), ``live`` (live pacing lag), ``orm_peer``, ``orm_peer_counts``,
``snowfakery_peer`` and ``per_record`` (the peers). The rest is shared plumbing: ``scratch`` (scratch databases,
``run_child``, CPU of a process or a database's backends), ``workers`` (Celery worker processes),
``web_role`` (the Procfile's web role on a loopback port), ``workload`` (the dataset shape), ``fake_rows``,
``suite`` (the measurements as rows) and ``report`` (the table and the targets).
"""
