"""Embedded mode's runner process: plan ``planning`` simulations and drive every ``running`` one.

The web side spawns it (``drivers.runner.ensure_runner``); run by hand it does the same. One per database: a
second one exits at once (exit code 0, saying which process holds the lock). Stops on SIGTERM or Ctrl-C after the
slot being written; running simulations stay ``running`` and the next runner continues them.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from simulations.cli import usage_error
from simulations.drivers.runner import RunnerLock, run_runner, runner_files, runner_pid


class Command(BaseCommand):
    help = "Embedded mode: plan submitted simulations and drive running ones until idle (single instance)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--idle-exit",
            type=float,
            default=settings.CRMSIM_RUNNER_IDLE_EXIT_SECONDS,
            metavar="SECONDS",
            help="Exit after this long with nothing planning or running (0: never).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CRMSIM_EMBEDDED:
            raise usage_error("A broker is configured (distributed mode): Celery workers run simulations, not this.")
        files = runner_files()
        lock = RunnerLock.acquire(files.lock)
        if lock is None:
            self.stdout.write(f"A simulation runner already runs (pid {runner_pid(files.lock)}, lock {files.lock}).")
            return
        stop = threading.Event()

        def request_stop(signum: int, _: FrameType | None) -> None:
            self.stdout.write(f"Signal {signum}: stopping after the current slot.")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        idle_exit = options["idle_exit"] or None
        self.stdout.write(f"Simulation runner started (lock {files.lock}, idle exit {idle_exit or 'never'}).")
        try:
            run_runner(lock=lock, stop=stop, idle_exit_seconds=idle_exit)
        finally:
            lock.release()
        self.stdout.write("Simulation runner stopped.")
