"""Real Celery worker processes for the measurements that need them (on the benchmarks' own Redis database)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.scratch import PYTHON, REDIS_URL, ROOT, backend_cpu, child_env, child_pids, cpu_seconds, vm_hwm_mb


@dataclass
class WorkerGroup:
    """A running ``celery worker`` (prefork): the parent and its pool processes' peak RSS, read from /proc."""

    process: subprocess.Popen[bytes]
    log: Path
    peaks: dict[int, float] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)
    """Last CPU seconds read per process (a process's CPU only grows, so the last reading is the most)."""
    database: str = ""
    backends: dict[int, float] = field(default_factory=dict)
    """The same for the PostgreSQL backends connected to ``database`` (sampled, so one that exits between two
    samples loses at most an interval's CPU)."""
    history: list[tuple[float, float, float]] = field(default_factory=list)
    """(wall time, pool CPU, backend CPU) after each sample, to read the CPU used up to a moment."""

    def sample(self) -> None:
        for pid in (self.process.pid, *child_pids(self.process.pid)):
            self.peaks[pid] = max(self.peaks.get(pid, 0.0), vm_hwm_mb(pid))
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))
        if self.database:
            for pid, seconds in backend_cpu(self.database).items():
                self.backends[pid] = max(self.backends.get(pid, 0.0), seconds)
        self.history.append((time.time(), self.pool_cpu_seconds(), self.backend_cpu_seconds()))

    def cpu_at(self, moment: float) -> tuple[float, float]:
        """(pool CPU, backend CPU) as of the last sample taken at or before ``moment`` (wall time)."""
        before = [(pool, backend) for at, pool, backend in self.history if at <= moment]
        return before[-1] if before else (0.0, 0.0)

    def pool_cpu_seconds(self) -> float:
        """CPU the pool processes used so far (the parent excluded)."""
        return sum(seconds for pid, seconds in self.cpu.items() if pid != self.process.pid)

    def backend_cpu_seconds(self) -> float:
        """CPU the database's backends used so far (the workers', the dispatcher's)."""
        return sum(self.backends.values())

    def pool_peaks_mb(self) -> list[float]:
        """Peak RSS of each pool (worker) process, largest first (the parent excluded)."""
        return sorted((mb for pid, mb in self.peaks.items() if pid != self.process.pid), reverse=True)

    def parent_peak_mb(self) -> float:
        return self.peaks.get(self.process.pid, 0.0)


def purge_queues(*queues: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*queues)
    client.close()


@contextmanager
def celery_workers(
    app: str, queues: str, database_url: str, concurrency: int = 2, ready_timeout: float = 60.0
) -> Iterator[WorkerGroup]:
    """``celery -A app worker -c concurrency`` on ``database_url``; yields once it is ready, stops it after."""
    purge_queues(*queues.split(","))
    log = Path(tempfile.mkstemp(prefix="crmsim-bench-worker-", suffix=".log")[1])
    command = [
        PYTHON, "-m", "celery", "-A", app, "worker", "--loglevel", "INFO", "--queues", queues,
        "--concurrency", str(concurrency), "--hostname", f"bench-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--logfile", str(log),
    ]  # fmt: skip
    env = child_env(database_url, CELERY_BROKER_URL=REDIS_URL)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    group = WorkerGroup(process, log, database=database_url.rsplit("/", 1)[1])
    try:
        deadline = time.monotonic() + ready_timeout
        while " ready." not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        group.sample()
        yield group
        group.sample()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


@contextmanager
def sampling(group: WorkerGroup, interval: float = 0.25) -> Iterator[None]:
    """Sample the workers' peak RSS in a background thread while the block runs."""
    import threading

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            group.sample()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        group.sample()
