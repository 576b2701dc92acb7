"""A simulation's CRM records over HTTP: cursor-paginated, filterable lists and one contact's timeline.

Records are scoped by their simulation, which ``SimulationEndpoint`` resolves (404 when not visible). Lists
are ordered by their time, then key, and paginated with an opaque cursor, so paging through millions of rows
costs the same on the last page as on the first. Keys are the engine's integers, amounts decimal strings,
times UTC with Z.
"""

from __future__ import annotations

import hashlib
from typing import Any

import django_filters as filters
from django import forms
from django.core.cache import cache
from django.db.models import Model, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crm.models import Activity, Company, Contact, Deal, Owner
from crmsim.api import (
    MOMENT_SCHEMA,
    OBJECT_ERRORS,
    VALIDATION_ERROR,
    MomentField,
    MomentFormField,
    TimeOrderedCursor,
)
from crmsim.vocabulary import (
    ACTIVITY_TYPES,
    DEAL_STAGES,
    DEAL_TYPES,
    LEAD_STATUSES,
    LIFECYCLE_STAGES,
    PIPELINES,
    SOURCES,
)
from simulations.api.endpoint import SimulationEndpoint
from simulations.engine import format_amount
from simulations.models import Simulation
from simulations.reads.progress import processed_counts

# --- serializers -------------------------------------------------------------------------------------------


class OwnerSerializer(serializers.Serializer):
    key = serializers.IntegerField()
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    email = serializers.CharField()
    team = serializers.CharField()
    role = serializers.CharField()
    timezone = serializers.CharField()


class CompanySerializer(serializers.Serializer):
    key = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["company", "household"])
    name = serializers.CharField()
    domain = serializers.CharField(help_text="Empty when unknown (and for households).")
    industry = serializers.CharField(help_text="HubSpot's industry value; empty when unknown.")
    employees = serializers.IntegerField(allow_null=True)
    annualRevenue = serializers.IntegerField(source="annual_revenue", allow_null=True)
    country = serializers.CharField()
    city = serializers.CharField()
    timezone = serializers.CharField()
    ownerKey = serializers.IntegerField(source="owner_key")
    createdAt = MomentField(source="created_at")


class ContactSerializer(serializers.Serializer):
    key = serializers.IntegerField()
    companyKey = serializers.IntegerField(source="company_key")
    ownerKey = serializers.IntegerField(source="owner_key")
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    email = serializers.CharField()
    phone = serializers.CharField()
    jobTitle = serializers.CharField(source="job_title")
    country = serializers.CharField()
    timezone = serializers.CharField()
    lifecycleStage = serializers.ChoiceField(source="lifecycle_stage", choices=LIFECYCLE_STAGES)
    leadStatus = serializers.CharField(source="lead_status", help_text="HubSpot's lead status; empty when unset.")
    source = serializers.CharField(help_text="Original source (HubSpot's hs_analytics_source).")  # type: ignore[assignment]  # DRF pops declared fields
    createdAt = MomentField(source="created_at")


class AmountField(serializers.Field):
    """Integer cents -> a decimal string with two places."""

    def to_representation(self, value: int) -> str:
        return format_amount(value)


@extend_schema_field({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "1234.56"})
class DocumentedAmountField(AmountField):
    pass


class DealSerializer(serializers.Serializer):
    key = serializers.IntegerField()
    contactKey = serializers.IntegerField(source="contact_key", help_text="The primary contact.")
    companyKey = serializers.IntegerField(source="company_key")
    ownerKey = serializers.IntegerField(source="owner_key")
    name = serializers.CharField()
    pipeline = serializers.CharField()
    amount = DocumentedAmountField(source="amount_cents")
    dealstage = serializers.ChoiceField(choices=DEAL_STAGES)
    dealType = serializers.ChoiceField(source="deal_type", choices=DEAL_TYPES)
    probability = serializers.FloatField()
    closeDate = MomentField(source="close_date", allow_null=True, help_text="Expected while open, actual once closed.")
    lostReason = serializers.CharField(source="lost_reason")
    isWon = serializers.BooleanField(source="is_won", allow_null=True, help_text="null while the deal is open.")
    createdAt = MomentField(source="created_at")
    closedAt = MomentField(source="closed_at", allow_null=True)


class ActivitySerializer(serializers.Serializer):
    key = serializers.IntegerField()
    contactKey = serializers.IntegerField(source="contact_key")
    dealKey = serializers.IntegerField(source="deal_key", allow_null=True)
    companyKey = serializers.IntegerField(source="company_key")
    ownerKey = serializers.IntegerField(source="owner_key")
    type = serializers.ChoiceField(choices=ACTIVITY_TYPES)
    subject = serializers.CharField()
    body = serializers.CharField()
    direction = serializers.CharField(help_text="Calls: OUTBOUND/INBOUND; e-mails: EMAIL/INCOMING_EMAIL.")
    status = serializers.CharField(help_text="Task status, call disposition, meeting outcome or e-mail status.")
    priority = serializers.CharField(help_text="Tasks.")
    durationSeconds = serializers.IntegerField(source="duration_seconds", allow_null=True)
    dueAt = MomentField(source="due_at", allow_null=True)
    occurredAt = MomentField(source="occurred_at")


# --- filters -----------------------------------------------------------------------------------------------


@extend_schema_field(MOMENT_SCHEMA)
class MomentFilter(filters.Filter):
    field_class = MomentFormField


class KeyFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=-(2**63), max_value=2**63 - 1, **kwargs)


@extend_schema_field({"type": "integer", "format": "int64"})
class KeyFilter(filters.NumberFilter):
    field_class = KeyFormField


class CompanyFilter(filters.FilterSet):
    ownerKey = KeyFilter(field_name="owner_key")
    createdAfter = MomentFilter(field_name="created_at", lookup_expr="gte", label="Created at or after.")
    createdBefore = MomentFilter(field_name="created_at", lookup_expr="lt", label="Created before.")

    class Meta:
        model = Company
        fields: list[str] = []


class ContactFilter(filters.FilterSet):
    lifecycleStage = filters.ChoiceFilter(field_name="lifecycle_stage", choices=[(s, s) for s in LIFECYCLE_STAGES])
    leadStatus = filters.ChoiceFilter(field_name="lead_status", choices=[(s, s) for s in LEAD_STATUSES])
    source = filters.ChoiceFilter(choices=[(s, s) for s in SOURCES])
    companyKey = KeyFilter(field_name="company_key")
    ownerKey = KeyFilter(field_name="owner_key")
    createdAfter = MomentFilter(field_name="created_at", lookup_expr="gte", label="Created at or after.")
    createdBefore = MomentFilter(field_name="created_at", lookup_expr="lt", label="Created before.")

    class Meta:
        model = Contact
        fields: list[str] = []


class DealFilter(filters.FilterSet):
    dealstage = filters.ChoiceFilter(choices=[(s, s) for s in DEAL_STAGES])
    isWon = filters.ChoiceFilter(
        choices=[("true", "won"), ("false", "lost"), ("open", "open")], method="filter_outcome", label="Outcome."
    )
    pipeline = filters.ChoiceFilter(choices=[(p, p) for p in PIPELINES])
    dealType = filters.ChoiceFilter(field_name="deal_type", choices=[(t, t) for t in DEAL_TYPES])
    companyKey = KeyFilter(field_name="company_key")
    contactKey = KeyFilter(field_name="contact_key")
    ownerKey = KeyFilter(field_name="owner_key")
    createdAfter = MomentFilter(field_name="created_at", lookup_expr="gte", label="Created at or after.")
    createdBefore = MomentFilter(field_name="created_at", lookup_expr="lt", label="Created before.")
    closedAfter = MomentFilter(field_name="closed_at", lookup_expr="gte", label="Closed at or after.")
    closedBefore = MomentFilter(field_name="closed_at", lookup_expr="lt", label="Closed before.")

    class Meta:
        model = Deal
        fields: list[str] = []

    def filter_outcome(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        if value == "open":
            return queryset.filter(is_won__isnull=True)
        return queryset.filter(is_won=value == "true")


class ActivityFilter(filters.FilterSet):
    type = filters.ChoiceFilter(choices=[(t, t) for t in ACTIVITY_TYPES])
    contactKey = KeyFilter(field_name="contact_key")
    dealKey = KeyFilter(field_name="deal_key")
    companyKey = KeyFilter(field_name="company_key")
    ownerKey = KeyFilter(field_name="owner_key")
    occurredAfter = MomentFilter(field_name="occurred_at", lookup_expr="gte", label="Occurred at or after.")
    occurredBefore = MomentFilter(field_name="occurred_at", lookup_expr="lt", label="Occurred before.")

    class Meta:
        model = Activity
        fields: list[str] = []


# --- lists -------------------------------------------------------------------------------------------------


COUNT_CACHE_SECONDS = 3600


class ByCreatedCursor(TimeOrderedCursor):
    ordering = ("created_at", "key")

    def total(self, queryset: Any, request: Request, view: Any) -> int:
        """An unfiltered list's length is the simulation's processed count of that record type (kept in the same
        transaction as the rows, so exact at any moment, and read from the slots' counters, not by counting
        rows). A filtered list is counted: afresh while the simulation may still write; once it has completed
        its rows never change, so the count is kept (per simulation, list and filters) and paging on does not
        count again."""
        simulation = getattr(view, "simulation", None)
        filters = sorted((k, v) for k, v in request.query_params.items() if k not in ("cursor", "pageSize"))
        record_type = getattr(view, "record_type", None)
        if simulation is not None and record_type is not None and not filters:
            return processed_counts(simulation)[record_type]
        if simulation is None or simulation.status != Simulation.Status.COMPLETED:
            return super().total(queryset, request, view)
        digest = hashlib.sha256(repr(filters).encode()).hexdigest()
        # The creation time too: SQLite may give a deleted simulation's id to the next one.
        key = f"records-count:{simulation.pk}:{simulation.created_at.timestamp()}:{type(view).__name__}:{digest}"
        counted = cache.get(key)
        if counted is None:
            counted = super().total(queryset, request, view)
            cache.set(key, counted, COUNT_CACHE_SECONDS)
        return int(counted)


class ByOccurredCursor(ByCreatedCursor):
    ordering = ("occurred_at", "key")


class RecordListView(SimulationEndpoint, generics.ListAPIView):
    model: type[Model]
    record_type: str | None = None  # its key in the processed counts (RECORD_TYPES), for the unfiltered total
    pagination_class = ByCreatedCursor
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user, no simulation
            return self.model._default_manager.none()
        return self.model._default_manager.filter(simulation=self.simulation)


def _list_schema(serializer: type[serializers.Serializer], what: str) -> Any:
    return extend_schema(
        operation_id=f"simulations_{what}_list",
        tags=["records"],
        responses={200: serializer(many=True), **OBJECT_ERRORS, 400: VALIDATION_ERROR},
    )


class OwnerListView(RecordListView):
    """A simulation's owners (its sales team), by key; small, so one page."""

    model = Owner
    serializer_class = OwnerSerializer
    pagination_class = None  # type: ignore[assignment]  # one page: a team is small

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("key")

    @_list_schema(OwnerSerializer, "owners")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CompanyListView(RecordListView):
    """A simulation's companies, by creation time then key."""

    model = Company
    record_type = "companies"
    serializer_class = CompanySerializer
    filterset_class = CompanyFilter

    @_list_schema(CompanySerializer, "companies")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ContactListView(RecordListView):
    """A simulation's contacts, by creation time then key."""

    model = Contact
    record_type = "contacts"
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    @_list_schema(ContactSerializer, "contacts")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DealListView(RecordListView):
    """A simulation's deals, by creation time then key."""

    model = Deal
    record_type = "deals"
    serializer_class = DealSerializer
    filterset_class = DealFilter

    @_list_schema(DealSerializer, "deals")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ActivityListView(RecordListView):
    """A simulation's activities, by time then key."""

    model = Activity
    record_type = "activities"
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    pagination_class = ByOccurredCursor

    @_list_schema(ActivitySerializer, "activities")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
