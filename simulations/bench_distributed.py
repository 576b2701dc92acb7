"""Distributed backfill benchmark: one ``celery worker -c N`` + beat against PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crmsim_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python -m simulations.bench_distributed --records 100000 --concurrency 2

Migrates the database, starts the worker and beat (own process groups, killed at the end), runs
``manage.py start_simulation`` (B2B, one year, backfill) and prints rows/s over the simulation's own
started_at..finished_at, plus the digest check. Not a test: figures depend on the host.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "celery"), "-A", "crmsim", *args], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--scenario", default="b2b")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "crmsim-bench-distributed")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL database")
    if not os.environ.get("CELERY_BROKER_URL"):
        parser.error("set CELERY_BROKER_URL (a Redis db of its own: the bench does not purge it)")
    args.logs.mkdir(parents=True, exist_ok=True)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True)

    processes = [
        _spawn(["worker", "-Q", "materialize,dispatch", "-c", str(args.concurrency), "--loglevel", "INFO",
                "--without-gossip", "--without-mingle"], args.logs / "worker.log"),
        _spawn(["beat", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "--loglevel", "INFO",
                "--schedule", str(args.logs / "beat.schedule")], args.logs / "beat.log"),
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while " ready." not in (args.logs / "worker.log").read_text():
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not start; see " + str(args.logs / "worker.log"))
            time.sleep(0.2)
        run = subprocess.run(
            [*manage, "start_simulation", "--scenario", args.scenario, "--records", str(args.records),
             "--start", "2025-01-01", "--end", "2026-01-01", "--seed", str(args.seed), "--json"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    _report(summary, args)


def _report(summary: dict, args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
    django.setup()
    from simulations import engine
    from simulations.models import Simulation
    from simulations.services import engine_inputs

    simulation = Simulation.objects.get(pk=summary["id"])
    assert simulation.started_at is not None and simulation.finished_at is not None
    seconds = (simulation.finished_at - simulation.started_at).total_seconds()
    rows = sum(summary["processed"].values())
    exact = summary["processed"] == summary["planned"]
    digest_ok = summary["digest"] == engine.engine_digest(engine_inputs(simulation))
    print(
        f"crmsim distributed bench: {args.scenario} records={args.records:,} leads={simulation.planned['contacts']:,} "
        f"slots={simulation.slots.count()} worker processes={args.concurrency}\n"
        f"  {summary['status']}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
        f"(started_at..finished_at)\n"
        f"  processed == planned: {exact}; digest == engine digest: {digest_ok}"
    )


if __name__ == "__main__":
    main()
