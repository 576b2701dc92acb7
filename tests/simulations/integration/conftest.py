"""A real cluster for the integration tests: PostgreSQL, Redis, ``celery worker`` and ``celery beat`` processes.

Black box: the tests drive ``manage.py`` subprocesses and read the dedicated database with psycopg; they never
use pytest-django's test database. Each session gets its own database (``crmsim_it_<pid>``, migrated by a
``manage.py migrate`` subprocess) and a Redis db of its own (see REDIS_DBS; flushed per test).
Every process is started in its own process group and killed in teardown, whatever happens.

Without PostgreSQL or Redis the tests skip with the reason, unless CRMSIM_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from crm.models import RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.lifecycle.requests import engine_inputs
from simulations.models import Simulation

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
CONFIG_VARS = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")
SPAWNED = itertools.count(1)
"""Numbers the processes of the whole session, so every log file survives for a post-mortem."""
REDIS_SERVER = "redis://127.0.0.1:6379"
REDIS_DBS = range(6, 15)  # 15 is the API health test's probe db
OWNER_KEY = "crmsim-it-owner"
"""Concurrent sessions (several people run the suite on one machine) must not share a Redis db: each would
consume the other's messages. A session takes the first db in REDIS_DBS where it can set OWNER_KEY, unless
CRMSIM_IT_REDIS_URL names one."""


def unavailable(reason: str) -> None:
    if os.environ.get("CRMSIM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"CRMSIM_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _server_url() -> str:
    """The PostgreSQL server to create the dedicated database on: DATABASE_URL's when it is PostgreSQL."""
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return "postgres://postgres@127.0.0.1:5432"


def _conninfo(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _claim_redis_db() -> tuple[redis.Redis, str]:
    """This session's Redis db: a client and its URL."""
    if "CRMSIM_IT_REDIS_URL" in os.environ:
        url = os.environ["CRMSIM_IT_REDIS_URL"]
        broker = redis.Redis.from_url(url, socket_timeout=5)
        reset_broker(broker)
        return broker, url
    for db in REDIS_DBS:
        url = f"{REDIS_SERVER}/{db}"
        broker = redis.Redis.from_url(url, socket_timeout=5)
        if broker.set(OWNER_KEY, os.getpid(), nx=True, ex=3600):
            reset_broker(broker)
            return broker, url
    unavailable(f"every Redis db in {REDIS_DBS} is taken by another test session ({OWNER_KEY})")
    raise AssertionError("unreachable")


def reset_broker(broker: redis.Redis) -> None:
    """Empty the session's Redis db (queued messages and all) and keep it marked as this session's."""
    broker.flushdb()
    broker.set(OWNER_KEY, os.getpid(), ex=3600)


@dataclass
class Database:
    url: str

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(_conninfo(self.url), autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def value(self, sql: str, *params: Any) -> Any:
        return self.rows(sql, *params)[0][0]

    def status(self, simulation_id: int) -> str:
        return self.value("SELECT status FROM simulations_simulation WHERE id = %s", simulation_id)

    def processed(self, simulation_id: int) -> int:
        columns = " + ".join(f"COALESCE(SUM(processed_{t}), 0)" for t in RECORD_TYPES)
        return int(self.value(f"SELECT {columns} FROM simulations_slot WHERE simulation_id = %s", simulation_id))

    def row_counts(self, simulation_id: int) -> dict[str, int]:
        return {
            t: self.value(f"SELECT COUNT(*) FROM {RECORD_MODELS[t]._meta.db_table} WHERE simulation_id = %s",
                          simulation_id)
            for t in RECORD_TYPES
        }  # fmt: skip

    def expected_digest(self, simulation_id: int) -> str:
        """The pure engine's digest for the simulation's snapshot (nothing here reads the CRM rows)."""
        fields = ("parameters", "distribution", "distribution_params", "window_start", "window_end", "records", "seed")
        values = self.rows(f"SELECT {', '.join(fields)} FROM simulations_simulation WHERE id = %s", simulation_id)[0]
        return engine.engine_digest(engine_inputs(Simulation(**dict(zip(fields, values, strict=True)))))

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float, every: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(every)


@dataclass
class Services:
    env: dict[str, str]
    db: Database
    broker: redis.Redis
    logs: Path

    def manage(self, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> str:
        """Run ``manage.py`` and return its stdout; fail with its stderr when it exits non-zero."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env or self.env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        return result.stdout

    def start_simulation(self, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> dict:
        """``manage.py start_simulation ... --json``: the summary it prints last."""
        out = self.manage("start_simulation", *args, "--json", env=env, timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def shell(self, code: str) -> str:
        return self.manage("shell", "--no-imports", "-c", code)

    def progress(self, simulation_id: int) -> dict:
        """``reads.progress.progress`` as the web UI shows it (lag included), read in a subprocess."""
        code = (
            "import json; from simulations.reads.progress import progress; from simulations.models import Simulation; "
            f"print(json.dumps(progress(Simulation.objects.get(pk={simulation_id})), default=str))"
        )
        return json.loads(self.shell(code).strip().splitlines()[-1])

    def summary(self, simulation_id: int, timeout: float = 180) -> dict:
        """Wait for a terminal status, then the same summary as ``start_simulation --json`` (digest included)."""
        terminal = ("completed", "cancelled", "failed")
        self.db.wait_for("the end of the run", lambda: self.db.status(simulation_id) in terminal, timeout=timeout)
        code = (
            "import json; from simulations.reads.progress import progress; "
            "from simulations.reads.digest import database_digest; from simulations.models import Simulation; "
            f"s = Simulation.objects.get(pk={simulation_id}); p = progress(s); "
            "print(json.dumps({'id': s.pk, 'status': s.status, 'seed': s.seed, 'planned': p['planned'], "
            "'processed': p['processed'], "
            "'digest': database_digest(s) if s.status == 'completed' else None}))"
        )
        return json.loads(self.shell(code).strip().splitlines()[-1])

    def control(self, action: str, simulation_id: int) -> None:
        """pause / resume / cancel through the services, as the API would."""
        self.shell(
            f"from simulations.lifecycle import control; from simulations.models import Simulation; "
            f"control.{action}_simulation(simulation=Simulation.objects.get(pk={simulation_id}))"
        )

    def send_materialize(self, deliveries: list[tuple[int, int | None]]) -> None:
        """Publish materialize_slot messages by hand, as a redelivery would."""
        self.shell(
            "from simulations.tasks import materialize_slot\n"
            f"for slot_id, attempt in {deliveries!r}:\n"
            "    materialize_slot.apply_async(args=(slot_id, attempt))\n"
        )


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    server = _server_url()
    try:
        admin = psycopg.connect(_conninfo(server + "/postgres"), autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL is unreachable at {server}: {exc}")
    try:
        broker, broker_url = _claim_redis_db()
    except redis.RedisError as exc:
        admin.close()
        unavailable(f"Redis is unreachable at {REDIS_SERVER}: {exc}")
    name = f"crmsim_it_{os.getpid()}"
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {name}")
    logs = tmp_path_factory.mktemp("cluster")
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="crmsim.settings",
        DATABASE_URL=f"{server}/{name}",
        CELERY_BROKER_URL=broker_url,
        CRMSIM_DISPATCH_INTERVAL_SECONDS="1",
        CRMSIM_SWEEP_AFTER_SECONDS="5",
        PYTHONUNBUFFERED="1",
    )
    found = Services(env=env, db=Database(env["DATABASE_URL"]), broker=broker, logs=logs)
    try:
        found.manage("migrate", "--no-input", "-v", "0")
        yield found
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
        with contextlib.suppress(redis.RedisError):
            broker.flushdb()


@dataclass
class Cluster:
    """celery worker / beat subprocesses, each in its own process group."""

    services: Services
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    log_paths: list[Path] = field(default_factory=list)
    """Every process's log, in start order (killed ones too)."""

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = (self.services.logs / f"{name}-{next(SPAWNED)}.log").open("w")
        process = subprocess.Popen(
            [str(BIN / "celery"), "-A", "crmsim", *args], cwd=ROOT, env=self.services.env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        process.log_path = Path(log.name)  # type: ignore[attr-defined]
        self.log_paths.append(Path(log.name))
        self.processes[name] = process
        return process

    def start_worker(self, concurrency: int, name: str = "worker") -> subprocess.Popen:
        process = self._spawn(name, [
            "worker", "-Q", "materialize,dispatch,plan,deliver", "-c", str(concurrency), "--pool", "prefork",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@%h",
        ])  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in self.log(name):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the worker did not start:\n{self.log(name)[-3000:]}")
            time.sleep(0.1)
        return process

    def start_beat(self) -> subprocess.Popen:
        return self.start_beat_named("beat")

    def start_beat_named(self, name: str) -> subprocess.Popen:
        schedule = self.services.logs / f"{name}.schedule"
        return self._spawn(name, [
            "beat", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "--loglevel", "INFO",
            "--schedule", str(schedule),
        ])  # fmt: skip

    def log(self, name: str) -> str:
        return self.processes[name].log_path.read_text()  # type: ignore[attr-defined]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the worker's pool processes too) and reap it."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # pool processes that outlived their parent
            os.killpg(process.pid, signal.SIGKILL)

    def print_log_tails(self, lines: int) -> None:
        for path in self.log_paths:
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            print(f"----- last {len(tail)} lines of {path.name} -----", *tail, sep="\n")

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the item, so a fixture's teardown knows whether the test failed."""
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
LOG_TAIL_LINES = 80


@pytest.fixture
def cluster(services: Services, request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """Beat running; the test starts the workers it needs. Teardown kills everything, cancels what is still
    running (so it cannot eat the next test's workers) and empties the broker. When the test failed, the tail of
    every process's log is printed (pytest shows it under "Captured stdout teardown"): a failure in CI must be
    explainable from its output alone."""
    reset_broker(services.broker)
    running = Cluster(services)
    try:
        running.start_beat()
        yield running
    finally:
        running.stop_all()
        call = request.node.stash.get(PHASE_REPORTS, {}).get("call")
        if call is None or call.failed:
            running.print_log_tails(LOG_TAIL_LINES)
        services.db.rows(
            "UPDATE simulations_simulation SET status = 'cancelled', finished_at = now() "
            "WHERE status IN ('planning', 'scheduled', 'running', 'paused') RETURNING id"
        )
        with contextlib.suppress(redis.RedisError):
            reset_broker(services.broker)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
