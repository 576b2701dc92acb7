"""Stories of one record: a contact's timeline, and a deal's page (its buying committee, stage history and
engagements). Split from ``records`` (the lists); both are scoped by the URL's simulation like the lists."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crm.models import Activity, Contact, Deal, DealContact, DealStageEvent, LifecycleEvent
from crmsim.api import OBJECT_ERRORS, MomentField
from crmsim.vocabulary import ACTIVITY_TYPES, COMMITTEE_ROLES, LIFECYCLE_STAGES
from simulations.api.endpoint import SimulationEndpoint
from simulations.api.records import ActivitySerializer, ContactSerializer, DealSerializer
from simulations.engine import format_amount
from simulations.models import Simulation

# --- a deal's buying committee -----------------------------------------------------------------------------


class DealContactSerializer(serializers.Serializer):
    contactKey = serializers.IntegerField(source="contact_key")
    role = serializers.ChoiceField(choices=COMMITTEE_ROLES)
    isPrimary = serializers.BooleanField(source="is_primary")


class DealContactsView(SimulationEndpoint):
    @extend_schema(
        operation_id="simulations_deals_contacts",
        tags=["records"],
        responses={200: DealContactSerializer(many=True), **OBJECT_ERRORS},
    )
    def get(self, request: Request, pk: int, key: int) -> Response:
        """A deal's buying committee: its contacts with their roles, the primary contact first."""
        get_object_or_404(Deal, simulation=self.simulation, key=key)
        rows = DealContact.objects.filter(simulation=self.simulation, deal_key=key).order_by(
            "-is_primary", "contact_key"
        )
        return Response(DealContactSerializer(rows, many=True).data)


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
    # The deals the contact sits on (as primary contact or committee member), with its role on each.
    roles = dict(
        DealContact.objects.filter(simulation=simulation, contact_key=contact.key).values_list("deal_key", "role")
    )
    deals = {deal.key: deal for deal in Deal.objects.filter(simulation=simulation, key__in=list(roles))}
    for change in DealStageEvent.objects.filter(simulation=simulation, deal_key__in=list(deals)):
        deal = deals[change.deal_key]
        item = {
            "kind": "dealStage",
            "dealKey": deal.key,
            "dealName": deal.name,
            "amount": format_amount(deal.amount_cents),
            "role": roles[deal.key],
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
            "body": activity.body,
            "direction": activity.direction,
            "status": activity.status,
            "durationSeconds": activity.duration_seconds,
            "dueAt": activity.due_at,
            "ownerKey": activity.owner_key,
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
    body = serializers.CharField(required=False, help_text="activity.")
    direction = serializers.CharField(required=False, help_text="activity: calls and e-mails.")
    status = serializers.CharField(required=False, help_text="activity: task status, call disposition, ...")
    durationSeconds = serializers.IntegerField(required=False, allow_null=True, help_text="activity.")
    dueAt = MomentField(required=False, allow_null=True, help_text="activity: tasks.")
    ownerKey = serializers.IntegerField(required=False, help_text="activity.")
    role = serializers.ChoiceField(choices=COMMITTEE_ROLES, required=False, help_text="dealStage: the contact's role.")


class TimelineSerializer(serializers.Serializer):
    contact = ContactSerializer()
    items = serializers.SerializerMethodField()

    @extend_schema_field(TimelineItemSerializer(many=True))
    def get_items(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        moment = MomentField()
        return [
            {
                **item,
                "at": moment.to_representation(item["at"]),
                **({"dueAt": moment.to_representation(item["dueAt"])} if item.get("dueAt") else {}),
            }
            for item in data["items"]
        ]


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


# --- one deal's page ---------------------------------------------------------------------------------------


class CommitteeMemberSerializer(serializers.Serializer):
    contactKey = serializers.IntegerField(source="contact_key")
    role = serializers.ChoiceField(choices=COMMITTEE_ROLES)
    isPrimary = serializers.BooleanField(source="is_primary")
    firstName = serializers.CharField(source="contact.first_name")
    lastName = serializers.CharField(source="contact.last_name")
    email = serializers.CharField(source="contact.email")
    jobTitle = serializers.CharField(source="contact.job_title")
    lifecycleStage = serializers.ChoiceField(source="contact.lifecycle_stage", choices=LIFECYCLE_STAGES)


class DealStageChangeSerializer(serializers.Serializer):
    at = MomentField(source="occurred_at")
    fromStage = serializers.CharField(source="from_stage", allow_null=True, help_text="null for the opening.")
    toStage = serializers.CharField(source="to_stage")

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["fromStage"] = data["fromStage"] or None
        return data


class DealPageSerializer(serializers.Serializer):
    deal = DealSerializer()
    committee = CommitteeMemberSerializer(many=True, help_text="The buying committee, the primary contact first.")
    stages = DealStageChangeSerializer(many=True, help_text="Stage changes in time order.")
    engagements = ActivitySerializer(many=True, help_text="The activities logged on the deal, in time order.")


class DealPageView(SimulationEndpoint):
    @extend_schema(
        operation_id="simulations_deals_retrieve",
        tags=["records"],
        responses={200: DealPageSerializer, **OBJECT_ERRORS},
    )
    def get(self, request: Request, pk: int, key: int) -> Response:
        """One deal with its buying committee (roles, the primary first), stage history and engagements."""
        deal = get_object_or_404(Deal, simulation=self.simulation, key=key)
        members = list(
            DealContact.objects.filter(simulation=self.simulation, deal_key=key).order_by("-is_primary", "contact_key")
        )
        contacts = {
            contact.key: contact
            for contact in Contact.objects.filter(
                simulation=self.simulation, key__in=[member.contact_key for member in members]
            )
        }
        committee = [
            {
                "contact_key": m.contact_key,
                "role": m.role,
                "is_primary": m.is_primary,
                "contact": contacts[m.contact_key],
            }
            for m in members
            if m.contact_key in contacts  # a live run may not have written every member's slot yet
        ]
        stages = DealStageEvent.objects.filter(simulation=self.simulation, deal_key=key).order_by("occurred_at", "seq")
        engagements = Activity.objects.filter(simulation=self.simulation, deal_key=key).order_by("occurred_at", "key")
        page = {"deal": deal, "committee": committee, "stages": stages, "engagements": engagements}
        return Response(DealPageSerializer(page).data)
