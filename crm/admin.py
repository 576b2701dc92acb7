"""Read-only admin over the simulated CRM: rows come from simulations only, so nothing is added or edited here.

The tables can hold millions of rows: changelists skip the full-table count, never join (rows refer to each
other by natural keys, and ``simulation`` is the only foreign key, fetched with ``list_select_related``), and
filter on indexed columns.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crm.models import Activity, Company, Contact, Deal, DealContact, DealStageEvent, LifecycleEvent, Owner


class SimulatedRowAdmin(admin.ModelAdmin):
    """Shared settings: read-only, paginated without a full count, simulation fetched in the same query."""

    list_select_related = ("simulation",)
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Owner)
class OwnerAdmin(SimulatedRowAdmin):
    list_display = ("key", "first_name", "last_name", "email", "team", "role", "timezone", "simulation")
    list_filter = ("simulation", "team", "role")
    search_fields = ("email", "last_name")


@admin.register(Company)
class CompanyAdmin(SimulatedRowAdmin):
    list_display = (
        "key",
        "kind",
        "name",
        "domain",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "city",
        "owner_key",
        "created_at",
        "simulation",
    )
    list_filter = ("simulation", "kind", "country", "industry")
    search_fields = ("name", "domain")


@admin.register(Contact)
class ContactAdmin(SimulatedRowAdmin):
    list_display = (
        "key",
        "first_name",
        "last_name",
        "email",
        "job_title",
        "company_key",
        "owner_key",
        "country",
        "lifecycle_stage",
        "lead_status",
        "source",
        "created_at",
        "simulation",
    )
    list_filter = ("simulation", "lifecycle_stage", "lead_status", "source", "country")
    search_fields = ("email", "first_name", "last_name")


@admin.register(Deal)
class DealAdmin(SimulatedRowAdmin):
    list_display = (
        "key",
        "name",
        "amount",
        "pipeline",
        "dealstage",
        "deal_type",
        "probability",
        "close_date",
        "lost_reason",
        "owner_key",
        "is_won",
        "created_at",
        "closed_at",
        "simulation",
    )
    list_filter = ("simulation", "pipeline", "dealstage", "deal_type", "is_won")
    search_fields = ("name",)


@admin.register(DealContact)
class DealContactAdmin(SimulatedRowAdmin):
    list_display = ("deal_key", "contact_key", "role", "is_primary", "simulation")
    list_filter = ("simulation", "role", "is_primary")


@admin.register(Activity)
class ActivityAdmin(SimulatedRowAdmin):
    list_display = (
        "key",
        "type",
        "subject",
        "direction",
        "status",
        "duration_seconds",
        "due_at",
        "contact_key",
        "deal_key",
        "owner_key",
        "occurred_at",
        "simulation",
    )
    list_filter = ("simulation", "type", "direction", "status")
    search_fields = ("subject", "body")


@admin.register(LifecycleEvent)
class LifecycleEventAdmin(SimulatedRowAdmin):
    list_display = ("contact_key", "seq", "from_stage", "to_stage", "occurred_at", "simulation")
    list_filter = ("simulation", "to_stage")


@admin.register(DealStageEvent)
class DealStageEventAdmin(SimulatedRowAdmin):
    list_display = ("deal_key", "seq", "from_stage", "to_stage", "occurred_at", "simulation")
    list_filter = ("simulation", "to_stage")
