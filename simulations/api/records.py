"""A simulation's CRM records over HTTP: cursor-paginated, filterable lists and one contact's timeline.

Records are scoped by their simulation, which ``SimulationEndpoint`` resolves (404 when not visible). Lists
are ordered by their time, then key, and paginated with an opaque cursor, so paging through millions of rows
costs the same on the last page as on the first. Keys are the engine's integers, amounts decimal strings,
times UTC with Z.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crm.models import Activity, Company, Contact, Deal, DealStageEvent, LifecycleEvent
from crmsim.api import (
    MOMENT_SCHEMA,
    OBJECT_ERRORS,
    VALIDATION_ERROR,
    MomentField,
    MomentFormField,
    TimeOrderedCursor,
)
from crmsim.vocabulary import ACTIVITY_TYPES, DEAL_STAGES, LIFECYCLE_STAGES
from simulations.api.endpoint import SimulationEndpoint
from simulations.engine import format_amount
from simulations.models import Simulation

# --- serializers -------------------------------------------------------------------------------------------


class CompanySerializer(serializers.Serializer):
    key = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    industry = serializers.CharField()
    employees = serializers.IntegerField()
    createdAt = MomentField(source="created_at")


class ContactSerializer(serializers.Serializer):
    key = serializers.IntegerField()
    companyKey = serializers.IntegerField(source="company_key")
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    email = serializers.CharField()
    phone = serializers.CharField()
    jobTitle = serializers.CharField(source="job_title")
    lifecycleStage = serializers.ChoiceField(source="lifecycle_stage", choices=LIFECYCLE_STAGES)
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
    contactKey = serializers.IntegerField(source="contact_key")
    companyKey = serializers.IntegerField(source="company_key")
    name = serializers.CharField()
    amount = DocumentedAmountField(source="amount_cents")
    dealstage = serializers.ChoiceField(choices=DEAL_STAGES)
    isWon = serializers.BooleanField(source="is_won", allow_null=True, help_text="null while the deal is open.")
    createdAt = MomentField(source="created_at")
    closedAt = MomentField(source="closed_at", allow_null=True)


class ActivitySerializer(serializers.Serializer):
    key = serializers.IntegerField()
    contactKey = serializers.IntegerField(source="contact_key")
    dealKey = serializers.IntegerField(source="deal_key", allow_null=True)
    type = serializers.ChoiceField(choices=ACTIVITY_TYPES)
    subject = serializers.CharField()
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
    createdAfter = MomentFilter(field_name="created_at", lookup_expr="gte", label="Created at or after.")
    createdBefore = MomentFilter(field_name="created_at", lookup_expr="lt", label="Created before.")

    class Meta:
        model = Company
        fields: list[str] = []


class ContactFilter(filters.FilterSet):
    lifecycleStage = filters.ChoiceFilter(field_name="lifecycle_stage", choices=[(s, s) for s in LIFECYCLE_STAGES])
    companyKey = KeyFilter(field_name="company_key")
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
    companyKey = KeyFilter(field_name="company_key")
    contactKey = KeyFilter(field_name="contact_key")
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
    occurredAfter = MomentFilter(field_name="occurred_at", lookup_expr="gte", label="Occurred at or after.")
    occurredBefore = MomentFilter(field_name="occurred_at", lookup_expr="lt", label="Occurred before.")

    class Meta:
        model = Activity
        fields: list[str] = []


# --- lists -------------------------------------------------------------------------------------------------


class ByCreatedCursor(TimeOrderedCursor):
    ordering = ("created_at", "key")


class ByOccurredCursor(ByCreatedCursor):
    ordering = ("occurred_at", "key")


class RecordListView(SimulationEndpoint, generics.ListAPIView):
    model: type[Model]
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


class CompanyListView(RecordListView):
    """A simulation's companies, by creation time then key."""

    model = Company
    serializer_class = CompanySerializer
    filterset_class = CompanyFilter

    @_list_schema(CompanySerializer, "companies")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ContactListView(RecordListView):
    """A simulation's contacts, by creation time then key."""

    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    @_list_schema(ContactSerializer, "contacts")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DealListView(RecordListView):
    """A simulation's deals, by creation time then key."""

    model = Deal
    serializer_class = DealSerializer
    filterset_class = DealFilter

    @_list_schema(DealSerializer, "deals")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ActivityListView(RecordListView):
    """A simulation's activities, by time then key."""

    model = Activity
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    pagination_class = ByOccurredCursor

    @_list_schema(ActivitySerializer, "activities")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- one contact's story -----------------------------------------------------------------------------------

KIND_ORDER = {"lifecycle": 0, "dealStage": 1, "activity": 2}


def contact_timeline(simulation: Simulation, contact: Contact) -> list[dict[str, Any]]:
    """Lifecycle changes, the contact's deals' stage changes and activities, in time order.

    Ties keep a stable, meaningful order: stage changes before activities, then by sequence or key.
    """
    items: list[tuple[Any, ...]] = []
    for event in LifecycleEvent.objects.filter(simulation=simulation, contact_key=contact.key):
        item: dict[str, Any] = {"kind": "lifecycle", "fromStage": event.from_stage or None, "toStage": event.to_stage}
        items.append((event.occurred_at, KIND_ORDER["lifecycle"], (event.seq,), item))
    deals = {deal.key: deal for deal in Deal.objects.filter(simulation=simulation, contact_key=contact.key)}
    for change in DealStageEvent.objects.filter(simulation=simulation, deal_key__in=list(deals)):
        deal = deals[change.deal_key]
        item = {
            "kind": "dealStage",
            "dealKey": deal.key,
            "dealName": deal.name,
            "amount": format_amount(deal.amount_cents),
            "fromStage": change.from_stage or None,
            "toStage": change.to_stage,
        }
        items.append((change.occurred_at, KIND_ORDER["dealStage"], (change.deal_key, change.seq), item))
    for activity in Activity.objects.filter(simulation=simulation, contact_key=contact.key):
        item = {
            "kind": "activity",
            "key": activity.key,
            "type": activity.type,
            "subject": activity.subject,
            "dealKey": activity.deal_key,
        }
        items.append((activity.occurred_at, KIND_ORDER["activity"], (activity.key,), item))
    items.sort(key=lambda entry: entry[:3])
    return [{"at": at, **item} for at, _, _, item in items]


class TimelineItemSerializer(serializers.Serializer):
    """One entry; which optional fields are present depends on ``kind``."""

    at = MomentField()
    kind = serializers.ChoiceField(choices=list(KIND_ORDER))
    fromStage = serializers.CharField(required=False, allow_null=True, help_text="lifecycle, dealStage.")
    toStage = serializers.CharField(required=False, help_text="lifecycle, dealStage.")
    dealKey = serializers.IntegerField(required=False, allow_null=True, help_text="dealStage, activity.")
    dealName = serializers.CharField(required=False, help_text="dealStage.")
    amount = serializers.CharField(required=False, help_text="dealStage: the deal's amount, a decimal string.")
    key = serializers.IntegerField(required=False, help_text="activity.")
    type = serializers.ChoiceField(choices=ACTIVITY_TYPES, required=False, help_text="activity.")
    subject = serializers.CharField(required=False, help_text="activity.")


class TimelineSerializer(serializers.Serializer):
    contact = ContactSerializer()
    items = serializers.SerializerMethodField()

    @extend_schema_field(TimelineItemSerializer(many=True))
    def get_items(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        return [{**item, "at": MomentField().to_representation(item["at"])} for item in data["items"]]


class ContactTimelineView(SimulationEndpoint):
    @extend_schema(
        operation_id="simulations_contacts_timeline",
        tags=["records"],
        responses={200: TimelineSerializer, **OBJECT_ERRORS},
    )
    def get(self, request: Request, pk: int, key: int) -> Response:
        """One contact's story in time order: lifecycle changes, deal stage changes and activities."""
        contact = get_object_or_404(Contact, simulation=self.simulation, key=key)
        items = contact_timeline(self.simulation, contact)
        return Response(TimelineSerializer({"contact": contact, "items": items}).data)
