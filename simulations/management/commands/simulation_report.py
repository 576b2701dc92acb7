"""Print a simulation's status, planned vs processed counts, calibration table and digest (or one JSON object).

A completed simulation's report is the one stored at completion (``lifecycle.results``); otherwise it is computed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crmsim.vocabulary import RECORD_TYPES
from simulations.cli import table, usage_error
from simulations.models import Simulation
from simulations.reads.report import calibration_report


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


CALIBRATION_COLUMNS = ("parameter", "configured", "expected", "realized", "tolerance", "verdict", "note")
REALISM_COLUMNS = ("measure", "expected", "realized", "tolerance", "sample", "verdict", "note")


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """A report section's rows under their own keys as headers; ``sample`` stays a number (right-aligned, 1,397)."""
    return table(list(columns), [[r[c] if c == "sample" else _cell(r[c]) for c in columns] for r in rows])


class Command(BaseCommand):
    help = "Show how a simulation's data compares with its configured parameters (calibration report)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", help="Simulation id.")
        parser.add_argument("--json", action="store_true", help="Print the report as one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        simulation = Simulation.objects.filter(pk=int(options["id"])).first() if options["id"].isdigit() else None
        if simulation is None:
            raise usage_error(f"No simulation with id {options['id']!r}.")
        # The stored report (computed once at completion) when there is one; a running simulation's is computed now.
        report = simulation.report if simulation.report is not None else calibration_report(simulation)
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        self.stdout.write(f"Simulation #{report['id']} {report['scenario']} x{report['records']}: {report['status']}")
        self.stdout.write(f"Window {report['window']['start']} .. {report['window']['end']}, seed {report['seed']}\n")
        progress = report["progress"]
        self.stdout.write(
            table(
                ["record type", "planned", "processed"],
                [[t, progress[t]["planned"], progress[t]["processed"]] for t in RECORD_TYPES],
            )
        )
        self.stdout.write("")
        rows = report["calibration"]
        self.stdout.write(_table(rows, CALIBRATION_COLUMNS))
        warnings = sum(r["verdict"] != "OK" for r in rows)
        self.stdout.write(f"\n{len(rows) - warnings} OK, {warnings} WARN")
        realism = report.get("realism") or []  # reports stored before engine 3 have none
        if realism:
            self.stdout.write("\nRealism")
            self.stdout.write(_table(realism, REALISM_COLUMNS))
        self.stdout.write(f"Digest {report['digest']}")
