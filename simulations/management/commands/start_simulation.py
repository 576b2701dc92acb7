"""Create, plan and run a simulation from the shell; print a summary (or one JSON object with --json)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from crmsim.errors import InvalidInput
from crmsim.vocabulary import RECORD_TYPES
from simulations.cli import parse_distribution_params, parse_overrides, parse_utc, table, usage_error
from simulations.delivery.cli import cli_webhook_sink, sink_table
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import create_simulation, resume_simulation
from simulations.lifecycle.requests import SimulationRequest, validate_request
from simulations.models import Simulation, User
from simulations.reads.digest import database_digest
from simulations.reads.progress import progress as simulation_progress

TERMINAL = {Simulation.Status.COMPLETED, Simulation.Status.CANCELLED, Simulation.Status.FAILED}
STALL_SECONDS = 30
"""A followed backfill that has not moved for this long gets one hint on stderr (no worker? no beat?)."""


class Command(BaseCommand):
    help = "Create a simulation from a scenario, run it to completion, and print what it made."
    # The system checks import the whole URL conf (the API schema, the admin: ~1.5 s of a short run's wall time,
    # docs/performance.md); they check the web configuration, which this command never uses. `migrate` and the
    # web server still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", help="Preset slug, e.g. b2b or b2c.")
        parser.add_argument("--records", type=int, help="Requested records N (leads = round(N x multiplier)).")
        parser.add_argument("--start", help="Window start, ISO date or datetime (UTC).")
        parser.add_argument("--end", help="Window end (exclusive), ISO date or datetime (UTC).")
        parser.add_argument("--distribution", default="linear", help="Arrival distribution method.")
        parser.add_argument("--distribution-param", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--seed", type=int, help="Seed; generated and stored when omitted.")
        parser.add_argument("--override", action="append", default=[], metavar="PATH=VALUE")
        parser.add_argument("--pace", choices=Simulation.Pace.values, default=Simulation.Pace.BACKFILL)
        parser.add_argument("--time-scale", type=float, default=1.0, help="Live pace: simulated seconds per second.")
        parser.add_argument("--user", default=settings.CRMSIM_DEMO_USERNAME, help="Owner (created if missing).")
        parser.add_argument("--no-wait", action="store_true", help="With a broker: enqueue and return at once.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object last instead of tables.")
        parser.add_argument(
            "--resume",
            type=int,
            metavar="ID",
            help="Continue a paused (or interrupted) simulation; follow a running one; summarize a completed one.",
        )
        parser.add_argument("--sink", type=int, action="append", default=[], metavar="ID", help="Stream to this sink.")
        parser.add_argument("--webhook", metavar="URL", help="Stream to a webhook (a sink is created for it).")
        parser.add_argument("--webhook-secret", metavar="whsec_...", help="The webhook's signing secret.")

    def handle(self, *args: Any, **options: Any) -> None:
        resume = options["resume"]
        simulation = self._create(options) if resume is None else self._resume(resume)
        began = time.monotonic()
        if not options["no_wait"]:
            simulation = self._follow(simulation, quiet=options["json"])
        self._report(simulation, time.monotonic() - began, as_json=options["json"])
        if simulation.status == Simulation.Status.FAILED:
            sys.exit(1)

    def _create(self, options: dict[str, Any]) -> Simulation:
        missing = [f"--{name}" for name in ("scenario", "records", "start", "end") if options[name] is None]
        if missing:
            raise usage_error(f"Missing required option(s): {', '.join(missing)}.")
        if options["no_wait"] and settings.CRMSIM_EMBEDDED:
            raise usage_error("--no-wait needs a broker (CELERY_BROKER_URL); embedded runs happen in this process.")
        request = SimulationRequest(
            scenario=options["scenario"],
            start=parse_utc(options["start"], "start"),
            end=parse_utc(options["end"], "end"),
            records=options["records"],
            distribution=options["distribution"],
            distribution_params=parse_distribution_params(options["distribution_param"]),
            overrides=parse_overrides(options["override"]),
            seed=options["seed"],
            pace=options["pace"],
            time_scale=options["time_scale"],
        )
        if bool(options["webhook"]) != bool(options["webhook_secret"]):
            raise usage_error("--webhook and --webhook-secret go together.")
        try:
            validate_request(request)
            with transaction.atomic():
                owner, _ = User.objects.get_or_create(username=options["user"])
                sink_ids = list(options["sink"])
                if options["webhook"]:
                    sink_ids.append(
                        cli_webhook_sink(owner=owner, url=options["webhook"], secret=options["webhook_secret"]).pk
                    )
                return create_simulation(owner=owner, request=request, sink_ids=sink_ids, start=True)
        except InvalidInput as exc:
            raise usage_error(str(exc)) from None

    def _resume(self, simulation_id: int) -> Simulation:
        simulation = Simulation.objects.filter(pk=simulation_id).first()
        if simulation is None:
            raise usage_error(f"No simulation with id {simulation_id}.")
        if simulation.status == Simulation.Status.PAUSED:
            return resume_simulation(simulation=simulation)
        # Running: follow it to the end. Completed (workers may finish it between a look and this command):
        # nothing to resume, and the summary is what the caller wanted.
        if simulation.status not in (Simulation.Status.RUNNING, Simulation.Status.COMPLETED):
            raise usage_error(
                f"Simulation {simulation_id} is {simulation.status}; only a paused, running or completed one can "
                "be resumed or followed."
            )
        return simulation

    def _follow(self, simulation: Simulation, *, quiet: bool) -> Simulation:
        bar = _ProgressBar(sum(simulation.planned.values()), enabled=not quiet and sys.stderr.isatty())
        try:
            if settings.CRMSIM_EMBEDDED:
                # Without a bar (--json, no terminal) no progress is read: it costs queries after every slot.
                return run_in_process(simulation, on_progress=bar.update if bar.enabled else None)
            stalled = _StallWatch(simulation, self.stderr)
            while simulation.status not in TERMINAL:
                progress = simulation_progress(simulation)
                bar.update(progress)
                stalled.observe(simulation, sum(progress["processed"].values()))
                time.sleep(0.5)
                simulation.refresh_from_db()
            bar.update(simulation_progress(simulation))
            return simulation
        except KeyboardInterrupt:
            simulation.refresh_from_db()
            self.stderr.write(
                f"\nInterrupted: simulation {simulation.pk} is {simulation.status}. "
                f"Continue with: manage.py start_simulation --resume {simulation.pk}"
            )
            sys.exit(130)
        finally:
            bar.close()

    def _report(self, simulation: Simulation, seconds: float, *, as_json: bool) -> None:
        simulation.refresh_from_db()
        progress = simulation_progress(simulation)
        done = simulation.status == Simulation.Status.COMPLETED
        # Stored at completion from the rows (lifecycle.results); computed here when the workers have not yet.
        digest = (simulation.digest or database_digest(simulation)) if done else None
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "id": simulation.pk,
                        "status": simulation.status,
                        "seed": simulation.seed,
                        "planned": progress["planned"],
                        "processed": progress["processed"],
                        "digest": digest,
                        "sinks": progress["sinks"],
                    },
                    default=str,
                )
            )
            return
        rows = [[t, progress["planned"][t], progress["processed"][t]] for t in RECORD_TYPES]
        total = sum(progress["processed"].values())
        rows.append(["total", sum(progress["planned"].values()), total])
        self.stdout.write(
            f"Simulation {simulation.pk}: {simulation.status} (scenario {simulation.scenario}, "
            f"seed {simulation.seed}, {simulation.distribution}, {simulation.pace})"
        )
        self.stdout.write(table(["record type", "planned", "processed"], rows))
        rate = total / seconds if seconds > 0 else 0.0
        self.stdout.write(f"duration {seconds:.2f} s, {rate:,.0f} rows/s")
        if digest:
            self.stdout.write(f"digest {digest}")
        if progress["sinks"]:
            self.stdout.write(sink_table(progress["sinks"]))
        if simulation.error:
            self.stderr.write(f"error: {simulation.error}")


class _StallWatch:
    """Says once, on stderr, when a followed backfill (or its planning) has not moved for STALL_SECONDS: with a
    broker configured and no worker or beat running, the command would otherwise wait in silence."""

    def __init__(self, simulation: Simulation, stderr: Any, clock: Callable[[], float] = time.monotonic):
        self._stderr = stderr
        self._clock = clock
        self._state: tuple[str, int] | None = None
        self._since = clock()
        self._said = simulation.pace == Simulation.Pace.LIVE  # a live run waits for its due times by design

    def observe(self, simulation: Simulation, processed: int) -> None:
        state = (simulation.status, processed)
        if state != self._state:
            self._state, self._since = state, self._clock()
        elif not self._said and self._clock() - self._since >= STALL_SECONDS:
            self._said = True
            self._stderr.write(
                f"Simulation {simulation.pk} has not moved for {STALL_SECONDS} s ({simulation.status}, {processed:,} "
                "rows written). With CELERY_BROKER_URL set, runs need a Celery worker on the queues "
                "materialize,dispatch,plan,deliver and celery beat (`make run-all`, docs/operations.md); unset "
                "CELERY_BROKER_URL to run in this process. Ctrl-C stops following; the run continues when workers "
                f"come, and `manage.py start_simulation --resume {simulation.pk}` follows it again."
            )


class _ProgressBar:
    """A tqdm bar over total rows, only on a terminal."""

    def __init__(self, total: int, *, enabled: bool):
        self._bar = None
        self.enabled = enabled
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="rows", unit_scale=True, file=sys.stderr, dynamic_ncols=True)

    def update(self, progress: dict[str, Any]) -> None:
        if self._bar is not None:
            self._bar.n = sum(progress["processed"].values())
            self._bar.set_postfix_str(progress["status"])
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
