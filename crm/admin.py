"""Read-only admin over the simulated CRM: rows come from simulations only, so nothing is added or edited here.

The tables can hold millions of rows: changelists skip the full-table count, never join (rows refer to each
other by natural keys, and ``simulation`` is the only foreign key, fetched with ``list_select_related``), and
filter on indexed columns.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crm.models import Activity, Company, Contact, Deal, DealStageEvent, LifecycleEvent


class SimulatedRowAdmin(admin.ModelAdmin):
    """Shared settings: read-only, paginated without a full count, simulation fetched in the same query."""

    list_select_related = ("simulation",)
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Company)
class CompanyAdmin(SimulatedRowAdmin):
    list_display = ("key", "name", "domain", "industry", "employees", "created_at", "simulation")
    list_filter = ("simulation", "industry")
    search_fields = ("name", "domain")


@admin.register(Contact)
class ContactAdmin(SimulatedRowAdmin):
    list_display = (
        "key",
        "first_name",
        "last_name",
        "email",
        "company_key",
        "lifecycle_stage",
        "created_at",
        "simulation",
    )
    list_filter = ("simulation", "lifecycle_stage")
    search_fields = ("email", "first_name", "last_name")


@admin.register(Deal)
class DealAdmin(SimulatedRowAdmin):
    list_display = ("key", "name", "amount", "dealstage", "is_won", "created_at", "closed_at", "simulation")
    list_filter = ("simulation", "dealstage", "is_won")
    search_fields = ("name",)


@admin.register(Activity)
class ActivityAdmin(SimulatedRowAdmin):
    list_display = ("key", "type", "subject", "contact_key", "deal_key", "occurred_at", "simulation")
    list_filter = ("simulation", "type")
    search_fields = ("subject",)


@admin.register(LifecycleEvent)
class LifecycleEventAdmin(SimulatedRowAdmin):
    list_display = ("contact_key", "seq", "from_stage", "to_stage", "occurred_at", "simulation")
    list_filter = ("simulation", "to_stage")


@admin.register(DealStageEvent)
class DealStageEventAdmin(SimulatedRowAdmin):
    list_display = ("deal_key", "seq", "from_stage", "to_stage", "occurred_at", "simulation")
    list_filter = ("simulation", "to_stage")
