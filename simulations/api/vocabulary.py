"""``GET /api/vocabulary/``: crmsim's vocabulary (crmsim.vocabulary) and input limits, for the SPA and clients.

Every list is ``[{"value": ..., "label": ...}]`` in the vocabulary's order; labels are what the web UI shows.
Record types are given in the API's camelCase (``lifecycleEvents``), as in counts and ``?type=`` of the export.
``maxSeed`` is a string: 2^63 - 1 is beyond JavaScript's exact integers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import READ_ERRORS, ApiView
from crmsim.vocabulary import (
    ACTIVITY_TYPE_TERMS,
    DEAL_STAGE_TERMS,
    LIFECYCLE_STAGE_TERMS,
    MAX_SEED,
    MAX_TIME_SCALE,
    MIN_TIME_SCALE,
    PACE_TERMS,
    RECORD_TYPE_TERMS,
    Term,
)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class TermSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class LimitsSerializer(serializers.Serializer):
    maxSeed = serializers.CharField(help_text="2^63 - 1, as a string (beyond JavaScript's exact integers).")
    maxRecords = serializers.IntegerField(help_text="CRMSIM_MAX_RECORDS.")
    maxWindowDays = serializers.IntegerField(help_text="CRMSIM_MAX_WINDOW_DAYS.")
    minTimeScale = serializers.FloatField(help_text="Live pace: simulated seconds per wall second, at least.")
    maxTimeScale = serializers.FloatField(help_text="Live pace: simulated seconds per wall second, at most.")


class VocabularySerializer(serializers.Serializer):
    lifecycleStages = TermSerializer(many=True, help_text="HubSpot lifecycle stages, in order.")
    dealStages = TermSerializer(many=True, help_text="HubSpot's default sales pipeline, in order.")
    recordTypes = TermSerializer(many=True, help_text="Record types, camelCased as in counts.")
    activityTypes = TermSerializer(many=True)
    paces = TermSerializer(many=True)
    limits = LimitsSerializer()


def _terms(terms: tuple[Term, ...], spell: Any = str) -> list[dict[str, str]]:
    return [{"value": spell(term.value), "label": term.label} for term in terms]


def vocabulary() -> dict[str, Any]:
    """The endpoint's body (limits from this deployment's settings)."""
    return {
        "lifecycleStages": _terms(LIFECYCLE_STAGE_TERMS),
        "dealStages": _terms(DEAL_STAGE_TERMS),
        "recordTypes": _terms(RECORD_TYPE_TERMS, camel),
        "activityTypes": _terms(ACTIVITY_TYPE_TERMS),
        "paces": _terms(PACE_TERMS),
        "limits": {
            "maxSeed": str(MAX_SEED),
            "maxRecords": settings.CRMSIM_MAX_RECORDS,
            "maxWindowDays": settings.CRMSIM_MAX_WINDOW_DAYS,
            "minTimeScale": MIN_TIME_SCALE,
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
        """Stages, record and activity types, paces (each with its label) and the input limits."""
        return Response(VocabularySerializer(vocabulary()).data)
