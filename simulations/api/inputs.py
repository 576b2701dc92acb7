"""What a simulation is asked with: the arrival distributions to choose from, the input serializers, and the
preview of a request (validated like a create by ``lifecycle.requests.validate_request``; nothing is stored)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import (
    OBJECT_ERRORS,
    READ_ERRORS,
    THROTTLED,
    VALIDATION_ERROR,
    ApiView,
    MomentField,
    StrictSerializer,
    ThrottleCreates,
)
from crmsim.vocabulary import MAX_SEED, MAX_TIME_SCALE, MIN_SEED, MIN_TIME_SCALE
from scenarios.models import ScenarioPreset
from simulations import engine
from simulations.api.counts import CountsSerializer
from simulations.lifecycle.requests import SimulationRequest, validate_request
from simulations.models import Simulation
from simulations.reads.preview_breakdown import preview_breakdown

# --- distributions -----------------------------------------------------------------------------------------


class DistributionParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["float", "int", "float_list"])
    default = serializers.JSONField(allow_null=True, help_text="null when required.")
    min = serializers.FloatField()
    max = serializers.FloatField()
    help = serializers.CharField()
    # Named like Field attributes, which the stubs see; DRF's metaclass moves declared fields off the class.
    required = serializers.BooleanField()  # type: ignore[assignment]


class DistributionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The value for `distribution` in a preview or create body.")
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()
    shaped = serializers.BooleanField(help_text="Whether the scenario shapes it (B2B business hours, B2C evenings).")
    params = DistributionParamSerializer(many=True)


class DistributionListView(ApiView):
    @extend_schema(
        operation_id="distributions_list",
        tags=["distributions"],
        responses={200: DistributionSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        """Every arrival distribution method with its description and parameters (defaults, bounds, help)."""
        return Response(DistributionSerializer(engine.describe_distributions(), many=True).data)


# --- simulation input --------------------------------------------------------------------------------------


class SimulationInputSerializer(StrictSerializer):
    """What a preview needs; create adds the scenario, pace and autoStart."""

    overrides = serializers.DictField(
        required=False, default=dict, help_text="{parameter path: value}, inside the preset's guardrails."
    )
    distribution = serializers.CharField(default="linear", help_text="A name from GET /api/distributions/.")
    distributionParams = serializers.DictField(required=False, default=dict)
    start = MomentField()
    end = MomentField(help_text="Exclusive; after start, at most CRMSIM_MAX_WINDOW_DAYS later.")
    records = serializers.IntegerField(min_value=1, help_text="Requested records, at most CRMSIM_MAX_RECORDS.")
    seed = serializers.IntegerField(
        min_value=MIN_SEED,
        max_value=MAX_SEED,
        allow_null=True,
        default=None,
        help_text="Omit or null for a random seed.",
    )

    def to_request(self, scenario: str) -> SimulationRequest:
        data = self.validated_data
        return SimulationRequest(
            scenario=scenario,
            start=data["start"],
            end=data["end"],
            records=data["records"],
            distribution=data["distribution"],
            distribution_params=data["distributionParams"],
            overrides=data["overrides"],
            seed=data["seed"],
            pace=data.get("pace", Simulation.Pace.BACKFILL),
            time_scale=data.get("timeScale", 1.0),
        )


class SimulationCreateSerializer(SimulationInputSerializer):
    scenario = serializers.CharField(help_text="A preset slug from GET /api/scenarios/.")
    pace = serializers.ChoiceField(choices=Simulation.Pace.choices, default=Simulation.Pace.BACKFILL)
    timeScale = serializers.FloatField(
        default=1.0,
        help_text=f"Live pace: simulated seconds per wall second, in [{MIN_TIME_SCALE:g}, {MAX_TIME_SCALE:g}].",
    )
    autoStart = serializers.BooleanField(default=False, help_text="Start right after planning.")
    sinks = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=10,
        help_text="Ids of your sinks (GET /api/sinks/) to stream every written row to.",
    )


# --- preview -----------------------------------------------------------------------------------------------


class ArrivalsSerializer(serializers.Serializer):
    bins = serializers.IntegerField()
    edges = serializers.ListField(child=serializers.CharField(), help_text="bins + 1 ISO-8601 UTC moments.")
    counts = serializers.ListField(child=serializers.IntegerField())


class DealOutcomesSerializer(serializers.Serializer):
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    open = serializers.IntegerField()
    wonAmount = serializers.CharField(help_text="Decimal string.")
    pipelineAmount = serializers.CharField(help_text="Decimal string: open deals' amounts.")
    expectedWinRate = serializers.FloatField()
    realizedWinRate = serializers.FloatField(allow_null=True)


class FunnelStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    contacts = serializers.IntegerField(help_text="Contacts at this lifecycle stage at the window's end.")


class AmountHistogramSerializer(serializers.Serializer):
    edges = serializers.ListField(child=serializers.CharField(), help_text="29 fixed log-spaced edges, 1 to 10^7.")
    won = serializers.ListField(child=serializers.IntegerField())
    lost = serializers.ListField(child=serializers.IntegerField())
    open = serializers.ListField(child=serializers.IntegerField())


class PreviewSerializer(serializers.Serializer):
    scenario = serializers.CharField()
    seed = serializers.IntegerField(help_text="The seed used (drawn when none was given): reuse it to reproduce.")
    parameters = serializers.JSONField(help_text="The resolved parameters (preset + overrides).")
    leads = serializers.IntegerField()
    estimated = serializers.BooleanField(
        help_text=(
            f"False: every count is exact. True (more than {engine.PREVIEW_EXACT_LEADS:,} leads): deals, deal "
            "contacts, activities, events and deal outcomes are estimated from the same simulation run at "
            "`sampledLeads` leads, scaled up; leads, owners, companies, contacts and the arrivals histogram stay "
            "exact."
        )
    )
    sampledLeads = serializers.IntegerField(help_text="Leads of the run the counts come from (all when exact).")
    planned = CountsSerializer()
    arrivals = ArrivalsSerializer()
    deals = DealOutcomesSerializer()
    funnel = FunnelStageSerializer(many=True, help_text="Estimated like deals when `estimated`.")
    amounts = AmountHistogramSerializer(help_text="Deals per amount bin; estimated like deals when `estimated`.")


PREVIEW_CACHE_SECONDS = 3600


def cached_preview(inputs: engine.SimulationInputs) -> dict[str, Any]:
    """``engine.preview(inputs)`` plus ``preview_breakdown`` (funnel, amounts), kept in Django's cache (shared by
    the web processes) under a hash of the inputs and the engine version: the same inputs give the same answer,
    computed once an hour at most."""
    # v2: answers carry the funnel and amounts too (an entry cached before them would lack fields).
    key = "preview:v2:" + hashlib.sha256(f"{engine.ENGINE_VERSION}|{inputs!r}".encode()).hexdigest()
    result: dict[str, Any] | None = cache.get(key)
    if result is None:
        result = {**engine.preview(inputs), **preview_breakdown(inputs)}
        cache.set(key, result, PREVIEW_CACHE_SECONDS)
    return result


class PreviewView(ThrottleCreates):
    @extend_schema(
        operation_id="scenarios_preview",
        tags=["scenarios"],
        request=SimulationInputSerializer,
        responses={200: PreviewSerializer, **OBJECT_ERRORS, 400: VALIDATION_ERROR, 429: THROTTLED},
    )
    def post(self, request: Request, slug: str) -> Response:
        """What a simulation of this scenario would produce: planned counts, arrivals histogram, deal outcomes.

        Same validation as creating a simulation; nothing is stored. Exact up to PREVIEW_EXACT_LEADS leads,
        estimated beyond from the same simulation run smaller (``estimated``, ``sampledLeads``); cached by its inputs.
        """
        get_object_or_404(ScenarioPreset, slug=slug)
        serializer = SimulationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        valid = validate_request(serializer.to_request(slug))
        result = cached_preview(valid.inputs)
        return Response(
            PreviewSerializer(
                {"scenario": slug, "seed": valid.seed, "parameters": valid.parameters.to_json(), **result}
            ).data
        )
