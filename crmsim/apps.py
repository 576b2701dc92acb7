"""The crmsim app: the bottom layer's own tables and signals (it imports no other crmsim app)."""

from __future__ import annotations

from django.apps import AppConfig


class CrmsimConfig(AppConfig):
    name = "crmsim"
    verbose_name = "crmsim"

    def ready(self) -> None:
        from crmsim import tokens

        tokens.connect_signals()
