"""Running the Procfile's roles as real processes in tests: the command line, a free port, start and stop."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = str(Path(sys.executable).parent)


def procfile_command(role: str) -> str:
    """The shell command of ``role`` in the Procfile, as honcho would run it."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(f"{role}:"))
    return line.split(":", 1)[1].strip()


def database_for_subprocesses(tmp_path: Path) -> str:
    """A DATABASE_URL other processes can open: the test database on PostgreSQL (use a transactional test, so
    what they commit is flushed afterwards), a file migrated by ``manage.py migrate`` in ``tmp_path`` on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    url = f"sqlite:///{tmp_path}/served.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env={**env, "DATABASE_URL": url},
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return url


@contextmanager
def running(role: str, env: dict[str, str], ready: Callable[[], bool], timeout: float = 60) -> Iterator[None]:
    """Run the role with ``env`` (the venv's tools first on PATH) until ``ready()``; stop it afterwards.

    Fails the test with the role's stderr if it exits or is not ready within ``timeout`` seconds.
    """
    # An embedded web role spawns the simulation runner process at start-up: only where the test asks for it.
    env = {
        "CRMSIM_RUNNER_AUTOSPAWN": "false",
        **env,
        "PATH": f"{VENV_BIN}:{env.get('PATH', os.environ.get('PATH', ''))}",
    }
    with tempfile.TemporaryFile() as log:  # not a pipe: a chatty process must never block on a full one
        process = subprocess.Popen(
            ["sh", "-c", f"exec {procfile_command(role)}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    pytest.fail(f"the Procfile's {role} role did not come up: {output[-3000:]}")
                time.sleep(0.2)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
