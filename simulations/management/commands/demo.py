"""`make demo`: a real B2B backfill of half a year on the embedded default, then its report and what to open.

20,000 records over half a year: the smallest run in which every calibration row can be measured (a quarter of
5,000 left three rows without enough closed deals, reps or customers to judge, shown as WARN), and a few seconds
on SQLite."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from simulations.demo_account import ensure_demo_account
from simulations.models import User


class Command(BaseCommand):
    help = "Run a demo simulation (B2B, half a year, backfill) and print its summary and calibration table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--records", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        username = settings.CRMSIM_DEMO_USERNAME
        if settings.DEBUG:
            ensure_demo_account()
        else:  # the simulation's owner, without a published password
            User.objects.get_or_create(username=username, defaults={"is_staff": True, "is_superuser": True})
        out = StringIO()
        call_command(
            "start_simulation",
            scenario="b2b",
            records=options["records"],
            start="2026-01-01",
            end="2026-07-01",
            distribution="business_hours",
            seed=options["seed"],
            user=username,
            json=True,
            stdout=out,
        )
        summary = json.loads(out.getvalue().strip().splitlines()[-1])
        call_command("simulation_report", str(summary["id"]), stdout=self.stdout)
        login = (
            f"user {username!r}, password {settings.CRMSIM_DEMO_PASSWORD!r}" if settings.DEBUG else f"user {username!r}"
        )
        self.stdout.write(
            "\nNext:\n"
            "  make run                      # then open http://127.0.0.1:8000/ (UI) and /admin/ "
            f"({login})\n"
            f"  .venv/bin/python manage.py export_simulation {summary['id']} --format csv --out exports/\n"
            "  .venv/bin/python manage.py start_simulation --help\n"
        )
