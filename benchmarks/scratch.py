"""Scratch PostgreSQL databases and measured child processes.

``template()`` migrates ``crmsim_bench_template`` once per suite run; ``scratch_database(label)`` clones it
(``CREATE DATABASE ... TEMPLATE``, a file copy: much faster than migrating each time) and drops it afterwards.
``run_child`` runs ``python -m <module>`` with its own ``DATABASE_URL`` and returns the JSON result the child
printed, its wall time and its peak RSS (``os.wait4``: the kernel's ru_maxrss of that one child).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
"""Any database on the server; scratch databases are created next to it (needs CREATEDB)."""
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
"""A Redis database of the benchmarks' own, so queues never mix with other Celery users of the same server."""
PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "crmsim_bench_")
"""Scratch database names start with this (set it to keep runs on a shared server apart)."""
TEMPLATE = f"{PREFIX}template"
RESULT_MARK = "BENCH_RESULT "


def database_url(name: str) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(sql: str) -> None:
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql.encode())


def drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version() -> str:
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def child_env(url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a child: this one minus any broker (embedded unless asked), plus DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("LOG_LEVEL", "WARNING")
    # Shared hosts restart Redis under us now and then; re-send lost slot messages after 30 s, not 120 s.
    env.setdefault("CRMSIM_SWEEP_AFTER_SECONDS", "30")
    # Embedded mode spawns `manage.py simulation_runner` at every start: a second writer racing the measured one
    # (the in-process backfill waited on its slot locks). The measured driver is the only one.
    env.setdefault("CRMSIM_RUNNER_AUTOSPAWN", "false")
    if url is not None:
        env["DATABASE_URL"] = url
    env.update(extra)
    return env


def template() -> str:
    """Create and migrate the template database once (dropping a stale one first)."""
    drop_database(TEMPLATE)
    _admin(f'CREATE DATABASE "{TEMPLATE}"')
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=child_env(database_url(TEMPLATE)),
        check=True,
    )
    return TEMPLATE


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A freshly migrated database ``crmsim_bench_<label>`` for one measurement; dropped afterwards."""
    name = f"{PREFIX}{label}"
    drop_database(name)
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    try:
        yield database_url(name)
    finally:
        drop_database(name)


@contextmanager
def migrated_database(label: str) -> Iterator[str]:
    """``crmsim_bench_<label>`` created and migrated on its own (no shared template: safe next to another suite
    run on the same server); dropped afterwards."""
    name = f"{PREFIX}{label}"
    drop_database(name)
    _admin(f'CREATE DATABASE "{name}"')
    try:
        url = database_url(name)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=child_env(url), check=True
        )
        yield url
    finally:
        drop_database(name)


@dataclass(frozen=True)
class ChildRun:
    result: dict[str, Any]
    seconds: float
    peak_rss_mb: float


def run_child(module: str, args: list[str], env: Mapping[str, str], timeout: float = 1800.0) -> ChildRun:
    """Run ``python -m module args``; its last ``BENCH_RESULT {json}`` line is the result.

    stderr goes to a temporary file and is shown only if the child fails.
    """
    with tempfile.TemporaryFile(mode="w+") as errors:
        began = time.perf_counter()
        process = subprocess.Popen(
            [PYTHON, "-m", module, *args], cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=errors, text=True
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - began
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{module} {' '.join(args)} failed ({process.returncode}):\n{errors.read()[-4000:]}")
    lines = [line[len(RESULT_MARK) :] for line in output.splitlines() if line.startswith(RESULT_MARK)]
    if not lines:
        raise RuntimeError(f"{module} printed no result:\n{output[-2000:]}")
    return ChildRun(json.loads(lines[-1]), seconds, usage.ru_maxrss / 1024.0)


def emit(result: Mapping[str, Any]) -> None:
    """Called by a child: print its result for ``run_child``."""
    print(RESULT_MARK + json.dumps(result), flush=True)


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set of a running process (VmHWM), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def child_pids(pid: int) -> list[int]:
    """Direct children of a running process (Linux /proc)."""
    pids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            pids.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU a running process has used (``/proc/<pid>/stat``), 0 if it is gone. PostgreSQL runs on
    this host in the benchmarks, so a backend's pid (``pg_backend_pid()``) can be read the same way."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds used so far by each server backend connected to ``database`` (those still connected)."""
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])]
    return {pid: cpu_seconds(pid) for pid in pids}
