"""The dashboard's chart data: cheap enough to poll while the run is being written (``reads.charts``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import OBJECT_ERRORS
from crmsim.vocabulary import ACTIVITY_TYPES, DEAL_STAGES, LIFECYCLE_STAGES
from simulations.api.endpoint import SimulationEndpoint
from simulations.models import Simulation
from simulations.reads.charts import dashboard_charts


class ArrivalSeriesSerializer(serializers.Serializer):
    edges = serializers.ListField(child=serializers.CharField(), help_text="51 ISO-8601 UTC moments: 50 equal bins.")
    planned = serializers.ListField(child=serializers.IntegerField(), help_text="Leads planned per bin.")
    written = serializers.ListField(child=serializers.IntegerField(), help_text="Contacts written so far per bin.")


class LagPointSerializer(serializers.Serializer):
    at = serializers.CharField(help_text="Start of a 10-second bucket (wall time).")
    meanMs = serializers.FloatField(help_text="Rows-weighted mean of the batches' median lag.")
    maxMs = serializers.FloatField(help_text="The latest row's lag in the bucket.")


class ChartFunnelStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=LIFECYCLE_STAGES)
    contacts = serializers.IntegerField(help_text="Contacts currently at this stage.")


class PipelineStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=DEAL_STAGES)
    deals = serializers.IntegerField()
    amount = serializers.CharField(help_text="Decimal string: the deals' amounts summed.")


class ActivitySeriesSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ACTIVITY_TYPES)
    counts = serializers.ListField(child=serializers.IntegerField())


class ActivityMixSerializer(serializers.Serializer):
    edges = serializers.ListField(child=serializers.CharField(), help_text="26 ISO-8601 UTC moments: 25 equal bins.")
    series = ActivitySeriesSerializer(many=True)


class ChartsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Simulation.Status.choices)
    arrivals = ArrivalSeriesSerializer(allow_null=True, help_text="Null while planning. Exact on every request.")
    lag = LagPointSerializer(many=True, help_text="The last 10 minutes of live lag; empty for a backfill.")
    funnel = ChartFunnelStageSerializer(many=True)
    pipeline = PipelineStageSerializer(many=True, help_text="Stages that have deals, in pipeline order.")
    activities = ActivityMixSerializer(allow_null=True, help_text="Activities per type per bin of the window.")
    computedAt = serializers.DateTimeField(
        allow_null=True, help_text="When funnel, pipeline and activities were counted (cached 2-60 s while running)."
    )


class ChartsView(SimulationEndpoint):
    @extend_schema(
        operation_id="simulations_charts", tags=["simulations"], responses={200: ChartsSerializer, **OBJECT_ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        """Arrivals planned vs written, funnel, pipeline, activity mix and live lag, for the dashboard's charts.

        Arrivals come from slot bookkeeping (exact each time); the funnel, pipeline and activity mix are counted
        at most once per 2-60 s per simulation while it runs (docs/ui.md, "Dashboard charts").
        """
        return Response(ChartsSerializer(dashboard_charts(self.simulation)).data)
