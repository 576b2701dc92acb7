"""What a user waits for: ``manage.py start_simulation ... --json``, process start to exit, against the write limit
of the same rows, on every workload shape (issue 16, target 1: >= 0.5x).

``python -m benchmarks.whole_command [--leads 10000] [--quick] [--backends postgresql,sqlite] [--json PATH]``

Shapes: {b2b, b2c} x {quarter, year} (2026-01-01 .. 04-01 / .. 2027-01-01) x {linear, business_hours,
random_bursts} x {PostgreSQL, SQLite}, seed 42, ``--leads`` leads (N' = contacts) each. Per shape, back to back:

* **crmsim**: the command on a fresh database (PostgreSQL: a scratch database cloned from the migrated template;
  SQLite: a copy of a migrated file), embedded mode (no broker): Django setup, value pools, planning, the
  in-process backfill, the calibration report and the digest stored at completion, the JSON summary. Timed from
  ``Popen`` to exit; it must end ``completed`` with processed == planned.
* **the limit**: ``benchmarks.copy_limit`` on another fresh database: the same simulation's rows (created through
  the product's service, every slot cut as the backfill cuts it, each company once), rendered before the timer;
  timed is only the write: PostgreSQL ``COPY ... FROM STDIN`` (one transaction per ~100k rows), SQLite
  ``executemany`` into the same tables in one transaction.

ratio = command rows/s / limit rows/s, on the same rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.scratch import PYTHON, ROOT, TEMPLATE, child_env, drop_database, run_child, scratch_database, template

SCENARIOS = ("b2b", "b2c")
PERIODS = {"quarter": "2026-04-01", "year": "2027-01-01"}
DISTRIBUTIONS = ("linear", "business_hours", "random_bursts")
BACKENDS = ("postgresql", "sqlite")
START = "2026-01-01"
SEED = 42
TARGET = 0.5

Row = dict[str, Any]


@contextmanager
def _sqlite_databases() -> Iterator[Any]:
    """A factory of fresh SQLite databases: one migrated file, copied per measurement."""
    with tempfile.TemporaryDirectory(prefix="crmsim-bench-") as directory:
        migrated = Path(directory) / "template.sqlite3"
        url = f"sqlite:///{migrated}"
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=child_env(url), check=True
        )
        count = 0

        @contextmanager
        def fresh(label: str) -> Iterator[str]:
            nonlocal count
            count += 1
            path = Path(directory) / f"{label}-{count}.sqlite3"
            shutil.copyfile(migrated, path)
            try:
                yield f"sqlite:///{path}"
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)

        yield fresh


def _command(url: str, leads: int, scenario: str, end: str, distribution: str) -> tuple[float, int]:
    """Run start_simulation; (wall seconds from Popen to exit, rows written)."""
    from benchmarks.workload import records_for_leads

    args = ["--scenario", scenario, "--records", str(records_for_leads(leads, scenario)), "--start", START,
            "--end", end, "--distribution", distribution, "--seed", str(SEED), "--json"]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "manage.py", "start_simulation", *args], cwd=ROOT, env=child_env(url), capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"start_simulation {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    if summary["status"] != "completed" or summary["processed"] != summary["planned"] or not summary["digest"]:
        raise RuntimeError(f"start_simulation {' '.join(args)} did not complete: {summary}")
    return seconds, sum(summary["planned"].values())


def measure_shape(fresh: Any, backend: str, leads: int, scenario: str, period: str, distribution: str) -> Row:
    """One shape: the limit, then the command, each on a fresh database."""
    end = PERIODS[period]
    label = f"cmd_{scenario}_{period}_{distribution}"
    with fresh(f"{label}_limit") as url:
        limit_args = ["--leads", str(leads), "--scenario", scenario, "--distribution", distribution, "--end", end]
        limit = run_child("benchmarks.copy_limit", limit_args, child_env(url)).result
    with fresh(label) as url:
        seconds, rows = _command(url, leads, scenario, end, distribution)
    if rows != limit["rows"]:
        raise RuntimeError(f"{label}: the command wrote {rows} rows, the limit {limit['rows']}")
    ratio = (rows / seconds) / limit["rows_per_second"]
    name = "PostgreSQL" if backend == "postgresql" else "SQLite"
    method = "COPY" if backend == "postgresql" else "executemany, one transaction"
    return {
        "measurement": f"whole command: {scenario} {period} {distribution}, {name}",
        "system": f"command_{backend}_{scenario}_{period}_{distribution}",
        "leads": leads,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "peak_rss_mb": None,
        "limit_seconds": limit["seconds"],
        "limit_rows_per_second": limit["rows_per_second"],
        "ratio": ratio,
        "backend": backend,
        "notes": f"limit ({method}) {limit['seconds']:.2f} s = {limit['rows_per_second']:,.0f} rows/s; "
        f"ratio {ratio:.2f} ({'met' if ratio >= TARGET else 'MISS'} vs {TARGET})",
    }


def shapes(quick: bool) -> list[tuple[str, str, str]]:
    if quick:
        return [("b2b", "quarter", "linear")]
    return [(s, p, d) for s in SCENARIOS for p in PERIODS for d in DISTRIBUTIONS]


def matrix(leads: int, *, quick: bool = False, backends: tuple[str, ...] = BACKENDS) -> list[Row]:
    """Every shape on every backend (quick: b2b quarter linear only). PostgreSQL needs ``template()`` done."""
    rows: list[Row] = []
    for backend in backends:
        if backend == "postgresql":
            databases: Any = _postgres_databases()
        else:
            databases = _sqlite_databases()
        with databases as fresh:
            for scenario, period, distribution in shapes(quick):
                row = measure_shape(fresh, backend, leads, scenario, period, distribution)
                print(f"  {row['measurement']}: {row['rows']:,} rows, command {row['seconds']:.2f} s, "
                      f"limit {row['limit_seconds']:.2f} s, ratio {row['ratio']:.2f}", flush=True)  # fmt: skip
                rows.append(row)
    return rows


@contextmanager
def _postgres_databases() -> Iterator[Any]:
    yield scratch_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.whole_command", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--leads", type=int, default=10_000, help="leads per shape (default 10,000)")
    parser.add_argument("--quick", action="store_true", help="b2b quarter linear only")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="postgresql,sqlite")
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args(argv)
    backends = tuple(args.backends.split(","))
    if "postgresql" in backends:
        template()
    try:
        rows = matrix(args.leads, quick=args.quick, backends=backends)
    finally:
        if "postgresql" in backends:
            drop_database(TEMPLATE)
    met = sum(row["ratio"] >= TARGET for row in rows)
    print(f"{met} of {len(rows)} shapes >= {TARGET}x the limit")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
