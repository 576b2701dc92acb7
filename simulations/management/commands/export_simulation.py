"""Export a simulation's CRM rows to one CSV or NDJSON file per record type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crmsim.vocabulary import RECORD_TYPES
from simulations.cli import usage_error
from simulations.models import Simulation
from simulations.reads.export import FORMATS, ExportError, export_simulation, parse_record_types


class Command(BaseCommand):
    help = "Write <type>.csv or <type>.ndjson for each record type of a simulation into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", help="Simulation id.")
        parser.add_argument("--format", dest="fmt", default="csv", help=f"One of {', '.join(FORMATS)}.")
        parser.add_argument("--out", required=True, help="Directory to write into (created if missing).")
        parser.add_argument("--types", default="", help=f"Comma-separated subset of {','.join(RECORD_TYPES)}.")

    def handle(self, *args: Any, **options: Any) -> None:
        simulation = Simulation.objects.filter(pk=int(options["id"])).first() if options["id"].isdigit() else None
        if simulation is None:
            raise usage_error(f"No simulation with id {options['id']!r}.")
        try:
            record_types = parse_record_types(options["types"])
            written = export_simulation(
                simulation=simulation, out_dir=Path(options["out"]), fmt=options["fmt"], record_types=record_types
            )
        except ExportError as exc:
            raise usage_error(str(exc)) from None
        for path in written.values():
            self.stdout.write(str(path))
