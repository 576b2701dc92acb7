"""`manage.py demo_user`: make sure the local demo account exists (``make run`` calls it before the server)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crmsim.errors import NotAllowed
from simulations.demo_account import ensure_demo_account


class Command(BaseCommand):
    help = "Create the local demo account (user demo, password demo) if it is missing; DEBUG only."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, created = ensure_demo_account()
        except NotAllowed as exc:
            raise CommandError(str(exc)) from exc
        what = "Created the demo account" if created else "The demo account exists"
        password = f", password {settings.CRMSIM_DEMO_PASSWORD!r}" if created else " (its password is unchanged)"
        self.stdout.write(f"{what}: user {user.username!r}{password}.")
