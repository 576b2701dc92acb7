"""GET /api/vocabulary/: the words and limits the web UI shows, served so the SPA spells none of them itself.

A stand-in: issue 11 moves the vocabulary to one module, and the engineer doing that replaces this file with
the real view. Values come from where the back end defines them today; labels are the ones the UI always
showed. The response shape is the contract the SPA's js/vocabulary.js reads.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crm.models import ACTIVITY_TYPES
from crmsim.api import READ_ERRORS, ApiView
from scenarios.parameters import DEAL_STAGES, LIFECYCLE_STAGES
from simulations.api import MAX_SEED
from simulations.models import RECORD_TYPES, Simulation
from simulations.services import MAX_TIME_SCALE

LABELS = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "MQL",
    "salesqualifiedlead": "SQL",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "appointmentscheduled": "Appointment scheduled",
    "qualifiedtobuy": "Qualified to buy",
    "presentationscheduled": "Presentation scheduled",
    "decisionmakerboughtin": "Decision maker bought in",
    "contractsent": "Contract sent",
    "closedwon": "Closed won",
    "closedlost": "Closed lost",
    "lifecycle_events": "Lifecycle events",
    "deal_stage_events": "Deal stage events",
}
"""Display labels where capitalizing the value is not enough."""


def _choices(values: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"value": value, "label": LABELS.get(value, value.capitalize())} for value in values]


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="As the API spells it.")
    label = serializers.CharField(help_text="As the UI shows it.")  # type: ignore[assignment]  # DRF pops declared fields


class LimitsSerializer(serializers.Serializer):
    maxSeed = serializers.CharField(help_text="The largest seed, as a decimal string (it exceeds 2^53).")
    maxRecords = serializers.IntegerField()
    maxWindowDays = serializers.IntegerField()
    maxTimeScale = serializers.FloatField()


class VocabularySerializer(serializers.Serializer):
    lifecycleStages = ChoiceSerializer(many=True)
    dealStages = ChoiceSerializer(many=True)
    recordTypes = ChoiceSerializer(many=True)
    activityTypes = ChoiceSerializer(many=True)
    paces = ChoiceSerializer(many=True)
    limits = LimitsSerializer()


def vocabulary() -> dict[str, Any]:
    """The payload: every list in its back-end order, limits from settings and the services."""
    return {
        "lifecycleStages": _choices(LIFECYCLE_STAGES),
        "dealStages": _choices(DEAL_STAGES),
        "recordTypes": _choices(RECORD_TYPES),
        "activityTypes": _choices(ACTIVITY_TYPES),
        "paces": _choices(Simulation.Pace.values),
        "limits": {
            "maxSeed": str(MAX_SEED),
            "maxRecords": settings.CRMSIM_MAX_RECORDS,
            "maxWindowDays": settings.CRMSIM_MAX_WINDOW_DAYS,
            "maxTimeScale": MAX_TIME_SCALE,
        },
    }


class VocabularyView(ApiView):
    @extend_schema(
        operation_id="vocabulary_retrieve",
        tags=["vocabulary"],
        responses={200: VocabularySerializer, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        """Stage names and labels, record, activity and pace types, and the input limits, for the web UI."""
        return Response(VocabularySerializer(vocabulary()).data)
