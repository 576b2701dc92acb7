"""Admin for users (with their simulation profile) and simulations (read-only snapshot, progress, control)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from crmsim.errors import StateConflict
from crmsim.vocabulary import RECORD_TYPES
from simulations.lifecycle.control import cancel_simulation, delete_simulation
from simulations.models import Simulation, User
from simulations.reads.progress import progress as simulation_progress


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Simulation profile", {"fields": ("simulation_profile",)}))


SNAPSHOT_FIELDS = (
    "owner",
    "scenario",
    "preset_version",
    "parameters_json",
    "overrides_json",
    "distribution",
    "distribution_params_json",
    "window_start",
    "window_end",
    "records",
    "seed",
    "pace",
    "time_scale",
    "engine_version",
    "slot_size",
)
STATE_FIELDS = ("status", "progress_table", "digest", "error", "created_at", "started_at", "finished_at")


def _pretty(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


@admin.register(Simulation)
class SimulationAdmin(admin.ModelAdmin):
    """Simulations are created through the wizard, API or command; here they are inspected, cancelled, deleted.

    Every field is read-only (the snapshot never changes); deleting goes through ``lifecycle.control.delete_simulation``
    so the CRM rows go with one DELETE per table.
    """

    list_display = ("id", "scenario", "owner", "status", "records", "window_start", "window_end", "created_at")
    list_filter = ("status", "scenario", "pace")
    search_fields = ("owner__username", "owner__email")
    list_select_related = ("owner",)
    actions = ("cancel_selected",)
    fieldsets = (("State", {"fields": STATE_FIELDS}), ("Snapshot", {"fields": SNAPSHOT_FIELDS}))
    readonly_fields = (*SNAPSHOT_FIELDS, *STATE_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="parameters")
    def parameters_json(self, obj: Simulation) -> str:
        return _pretty(obj.parameters)

    @admin.display(description="overrides")
    def overrides_json(self, obj: Simulation) -> str:
        return _pretty(obj.overrides)

    @admin.display(description="distribution params")
    def distribution_params_json(self, obj: Simulation) -> str:
        return _pretty(obj.distribution_params)

    @admin.display(description="progress")
    def progress_table(self, obj: Simulation) -> str:
        progress = simulation_progress(obj)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((t, progress["planned"][t], progress["processed"][t]) for t in RECORD_TYPES),
        )
        return format_html(
            "<table><thead><tr><th>record type</th><th>planned</th><th>processed</th></tr></thead>"
            "<tbody>{}</tbody></table><p>{}% done</p>",
            rows,
            progress["percent"],
        )

    @admin.action(description="Cancel selected simulations")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Simulation]) -> None:
        cancelled, skipped = 0, []
        for simulation in queryset:
            try:
                cancel_simulation(simulation=simulation)
            except StateConflict as exc:
                skipped.append(f"#{simulation.pk}: {exc}")
            else:
                cancelled += 1
        if cancelled:
            self.message_user(request, f"Cancelled {cancelled} simulation(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, "Skipped " + "; ".join(skipped), messages.WARNING)

    def delete_model(self, request: HttpRequest, obj: Simulation) -> None:
        delete_simulation(simulation=obj, force=True)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Simulation]) -> None:
        for simulation in queryset:
            delete_simulation(simulation=simulation, force=True)


from simulations.delivery import admin as delivery_admin  # noqa: E402,F401  (registers the sink admins)
