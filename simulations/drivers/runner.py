"""Embedded mode's runner: one supervised process that plans and drives every simulation, never a web worker.

Without a broker nothing else moves a simulation forward, and a web worker is the wrong place to do it (a killed
gunicorn worker used to orphan the run it carried; heavy planning held a request for seconds). So the web side
only *submits* work (``ensure_runner`` after a create, start or resume, and at its start-up) and this process,
``manage.py simulation_runner``, does it:

- plans ``planning`` simulations (``lifecycle.control.plan_submitted_simulation``), oldest first, one per round;
- drives every ``running`` simulation round-robin, at most SLOTS_PER_TURN slots of one simulation per turn, so a
  long backfill does not starve a live run; when nothing is due it sleeps until the next slot falls due (live
  pace), at most MAX_SLEEP_SECONDS, so new work is noticed quickly;
- on start-up simply drives what is ``running``: a simulation whose previous runner died resumes from its slots'
  watermarks (each slot is one transaction, so what was written stays and nothing is written twice).

Single instance per database: the process holds an exclusive ``flock`` on a lock file (``runner_files``); the OS
releases it when the process dies, however it dies. ``ensure_runner`` takes that lock itself when it is free and
hands its file descriptor to the spawned process (``pass_fds``), so there is no moment in which a second caller
could find the lock free and spawn a second runner. A runner run by hand takes the lock itself or exits.

A runner idle for CRMSIM_RUNNER_IDLE_EXIT_SECONDS exits; before it does, it releases the lock and looks for work
once more, so a submission racing with its exit is either seen by it or finds the lock free and spawns a new one.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.conf import settings
from django.db import DatabaseError, InterfaceError, close_old_connections, connection

from simulations.drivers.in_process import seconds_until_next_due
from simulations.lifecycle.control import complete_if_done, fail_simulation, plan_submitted_simulation
from simulations.materialize.slot import apply_due_events
from simulations.models import Simulation, SimulationSink

logger = logging.getLogger(__name__)

SLOTS_PER_TURN = 4
"""Slots of one simulation written per turn before the next simulation's turn (a slot is ~1,000 leads)."""
MAX_SLEEP_SECONDS = 0.5
"""Longest sleep when nothing is due: how soon a new planning or running simulation is noticed."""
LOCK_FD_VARIABLE = "CRMSIM_RUNNER_LOCK_FD"
"""Set by ``ensure_runner`` for the spawned process: the inherited descriptor that holds the lock."""
COMMAND = "simulation_runner"


# --- the lock ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerFiles:
    """Where one database's runner keeps its lock (its pid is written in it) and its log."""

    lock: Path
    log: Path


def runner_files(database: dict[str, Any] | None = None) -> RunnerFiles:
    """The runner's files for a database (default: this process's ``default`` connection, the test database in
    tests). Beside a SQLite file (``crmsim.sqlite3.runner.lock`` and ``.log``); for another database in
    CRMSIM_RUNNER_DIR (default: the system's temporary directory), named after its host, port and name."""
    database = database or connection.settings_dict
    name = str(database["NAME"])
    if database["ENGINE"] == "django.db.backends.sqlite3" and settings.CRMSIM_RUNNER_DIR == "":
        stem = Path(name).resolve()
        return RunnerFiles(Path(f"{stem}.runner.lock"), Path(f"{stem}.runner.log"))
    identity = f"{database['ENGINE']}|{database.get('HOST', '')}|{database.get('PORT', '')}|{name}"
    label = f"crmsim-runner-{Path(name).name[:40]}-{hashlib.sha256(identity.encode()).hexdigest()[:12]}"
    directory = Path(settings.CRMSIM_RUNNER_DIR or tempfile.gettempdir())
    return RunnerFiles(directory / f"{label}.lock", directory / f"{label}.log")


def _in_memory(database: dict[str, Any]) -> bool:
    name = str(database["NAME"])
    return database["ENGINE"] == "django.db.backends.sqlite3" and (name == ":memory:" or "mode=memory" in name)


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding the exclusive lock on ``path``, or None when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def lock_is_held(path: Path) -> bool:
    """True while a runner (or an ``ensure_runner`` handing over to one) holds the lock."""
    fd = _try_lock(path)
    if fd is None:
        return True
    os.close(fd)
    return False


def runner_pid(path: Path) -> int | None:
    """The pid the running runner wrote into its lock file (None if no runner holds it)."""
    if not lock_is_held(path):
        return None
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text.isdigit() else None


class RunnerLock:
    """The runner's hold on its lock file, for as long as the process (or this object) lives."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self.fd = fd

    @classmethod
    def acquire(cls, path: Path) -> RunnerLock | None:
        """The lock inherited from ``ensure_runner`` (LOCK_FD_VARIABLE) if it is this file's, else a fresh one;
        None when another runner holds it."""
        inherited = os.environ.pop(LOCK_FD_VARIABLE, "")
        if inherited.isdigit():
            fd = int(inherited)
            try:
                same = os.path.exists(path) and os.path.samestat(os.fstat(fd), os.stat(path))
                if same:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # already ours: the descriptor is shared
                    return cls(path, fd)._write_pid()
                os.close(fd)  # another file's lock: not this runner's to keep
            except OSError:
                pass
        fd_or_none = _try_lock(path)
        return None if fd_or_none is None else cls(path, fd_or_none)._write_pid()

    def _write_pid(self) -> RunnerLock:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def release(self) -> None:
        if self.fd >= 0:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = -1

    def reacquire(self) -> bool:
        fd = _try_lock(self.path)
        if fd is None:
            return False
        self.fd = fd
        self._write_pid()
        return True


# --- the web side ------------------------------------------------------------------------------------------------


def _child_environment(database: dict[str, Any], lock_fd: int, database_url: str | None) -> dict[str, str]:
    """This process's environment for the runner: same settings module and runner directory, embedded (no
    broker), and the database this process really uses (in tests, the test database rather than DATABASE_URL's)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "crmsim.settings")
    env["CRMSIM_RUNNER_DIR"] = settings.CRMSIM_RUNNER_DIR
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    elif dj_database_url.parse(settings.DATABASE_URL)["NAME"] != database["NAME"]:
        env["DATABASE_URL"] = _with_name(settings.DATABASE_URL, str(database["NAME"]), database["ENGINE"])
    env[LOCK_FD_VARIABLE] = str(lock_fd)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _with_name(url: str, name: str, engine: str) -> str:
    """``url`` pointing at database ``name`` (a file path for SQLite)."""
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def ensure_runner(*, database: dict[str, Any] | None = None, database_url: str | None = None) -> int | None:
    """Make sure a runner process serves this process's database (embedded mode); the pid spawned, or None.

    ``database`` (a settings dict) and ``database_url`` name another database than this process's connection
    (tests); the web side passes neither.

    None when there is nothing to do: distributed mode (Celery does the work), CRMSIM_RUNNER_AUTOSPAWN off (tests,
    unless a test asks), an in-memory database no other process can open, or a runner already holds the lock.
    Spawns ``manage.py simulation_runner`` detached (its own session, so a web server's Ctrl-C or restart does not
    take it down), output appended to the log beside the lock. Safe to call from any number of threads and
    processes at once: at most one runner results.
    """
    if not settings.CRMSIM_EMBEDDED or not settings.CRMSIM_RUNNER_AUTOSPAWN:
        return None
    database = database or connection.settings_dict
    if _in_memory(database):
        logger.warning("Not starting the simulation runner: the database is in memory, no other process can see it")
        return None
    files = runner_files(database)
    fd = _try_lock(files.lock)
    if fd is None:
        return None
    try:
        with files.log.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), COMMAND],
                cwd=settings.BASE_DIR,
                env=_child_environment(database, fd, database_url),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
                start_new_session=True,
            )
    finally:
        os.close(fd)  # the child holds the lock through its copy of the descriptor
    logger.info("Started the simulation runner (pid %s, log %s)", process.pid, files.log)
    return process.pid


def ensure_runner_or_log() -> None:
    """``ensure_runner`` for callers that must not fail because of it: the web server's start-up hook
    (CRMSIM_WEB_STARTUP_HOOKS, a runner for orphaned or pending work) and a submission's on-commit callback (the
    simulation is stored; the next ensure or start-up picks it up). A failure is logged."""
    try:
        ensure_runner()
    except Exception:
        logger.exception("Could not start the simulation runner")


# --- the runner ------------------------------------------------------------------------------------------------


@dataclass
class Round:
    """What one pass did: simulations planned, slots written, deliveries that settled a range, and whether any
    work is left."""

    planned: int = 0
    slots: int = 0
    deliveries: int = 0
    active: bool = False


def run_round() -> Round:
    """One pass: plan the oldest planning simulation, then give every running one a turn (SLOTS_PER_TURN slots).

    A simulation whose slot fails for a reason other than the database (e.g. an engine error) is marked failed;
    database errors propagate (the loop waits and tries again: the slot's transaction rolled back).
    """
    done = Round()
    planning = Simulation.objects.filter(status=Simulation.Status.PLANNING).order_by("created_at", "pk")
    first = planning.values_list("pk", flat=True).first()
    if first is not None:
        plan_submitted_simulation(simulation_id=first)
        done.planned = 1
    for simulation in Simulation.objects.filter(status=Simulation.Status.RUNNING).order_by("started_at", "pk"):
        try:
            done.slots += apply_due_events(simulation=simulation, limit=SLOTS_PER_TURN)
        except (DatabaseError, InterfaceError):
            raise
        except Exception as exc:
            logger.exception("Simulation %s failed in the runner", simulation.pk)
            fail_simulation(simulation=simulation, error=f"{type(exc).__name__}: {exc}")
            continue
        complete_if_done(simulation_id=simulation.pk)
    # Sinks, as run_in_process does: a bounded share of each pass per simulation with deliveries behind, running
    # or ended (an ended run's sinks are settled after it, like drain_deliveries), so generation never waits.
    from simulations.delivery.drivers import behind, deliver_due, delivery_budget  # only with sinks linked

    delivering = set(behind().values_list("simulation_id", flat=True)) if _has_sinks() else set()
    for simulation_id in sorted(delivering):
        results = deliver_due(simulation_id=simulation_id, budget_seconds=delivery_budget())
        done.deliveries += sum(1 for result in results if result.delivered or result.dead)
    done.active = _has_work()
    return done


def _has_work() -> bool:
    """Is any simulation waiting for this runner (planning, running, or a sink behind on its rows)?"""
    active = (Simulation.Status.PLANNING, Simulation.Status.RUNNING)
    if Simulation.objects.filter(status__in=active).exists():
        return True
    from simulations.delivery.drivers import behind

    return _has_sinks() and behind().exists()


def _has_sinks() -> bool:
    """Is any simulation linked to a sink? (Skips the delivery queries on installations without sinks.)"""
    return SimulationSink.objects.exists()


def _idle_wait() -> float:
    """Seconds until the first running simulation has a slot due (live pace), at most MAX_SLEEP_SECONDS."""
    waits = [
        seconds_until_next_due(simulation) for simulation in Simulation.objects.filter(status=Simulation.Status.RUNNING)
    ]
    return min([MAX_SLEEP_SECONDS, *waits])


def run_runner(
    *,
    lock: RunnerLock | None,
    stop: threading.Event,
    idle_exit_seconds: float | None,
    sleep: Callable[[float], Any] | None = None,
) -> None:
    """Plan and drive simulations until ``stop`` is set or, with ``idle_exit_seconds``, nothing was left to do
    for that long. ``lock`` (the process's) is released before an idle exit and taken back if work turned up."""
    wait = sleep or stop.wait
    idle_since = time.monotonic()
    while not stop.is_set():
        try:
            if not connection.in_atomic_block:  # a caller's transaction (a test's) keeps its connection
                close_old_connections()  # a long-lived process: renew the connection per CONN_MAX_AGE/health
            done = run_round()
        except (DatabaseError, InterfaceError):
            if connection.in_atomic_block:
                raise
            logger.exception("Database error in the simulation runner; retrying in 1 s")
            connection.close()
            wait(1.0)
            continue
        if done.active:
            idle_since = time.monotonic()
        elif idle_exit_seconds is not None and time.monotonic() - idle_since >= idle_exit_seconds:
            if lock is None or _leave(lock):
                return
            idle_since = time.monotonic()
        if done.planned == 0 and done.slots == 0 and done.deliveries == 0:
            wait(_idle_wait() if done.active else MAX_SLEEP_SECONDS)


def _leave(lock: RunnerLock) -> bool:
    """Release the lock, then look for work once more: True to exit, False when work arrived and the lock was
    taken back (a submitter that committed before this look sees the lock held; after it, it sees it free and
    spawns a new runner, which is then the one that holds the lock, and this one exits)."""
    lock.release()
    if not _has_work():
        return True
    return not lock.reacquire()
