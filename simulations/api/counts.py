"""Rows per record type, as every API response shows them."""

from __future__ import annotations

from rest_framework import serializers


class CountsSerializer(serializers.Serializer):
    """Rows per record type, camelCased."""

    companies = serializers.IntegerField()
    contacts = serializers.IntegerField()
    deals = serializers.IntegerField()
    activities = serializers.IntegerField()
    lifecycleEvents = serializers.IntegerField(source="lifecycle_events")
    dealStageEvents = serializers.IntegerField(source="deal_stage_events")
