"""Simulations over HTTP: create/list/read/control/delete.

Every view that takes a simulation id is a ``SimulationEndpoint`` (another user's simulation is a 404, never a
403, so ids do not leak). Validation is ``lifecycle.requests.validate_request``'s (the CLI's too), with its
field paths; the serializers here only check JSON types and reject unknown keys. Domain errors become HTTP
responses in ``crmsim.exception_handler``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import (
    CONFLICT,
    INPUT_ERRORS,
    OBJECT_ERRORS,
    THROTTLED,
    MomentField,
    ThrottleCreates,
    TimeOrderedCursor,
)
from crmsim.vocabulary import RECORD_TYPES
from simulations.api.counts import CountsSerializer
from simulations.api.endpoint import SimulationEndpoint, signed_in_user
from simulations.api.inputs import SimulationCreateSerializer
from simulations.drivers.submission import run_after_commit, submit_planning
from simulations.lifecycle.control import (
    cancel_simulation,
    create_simulation,
    delete_simulation,
    pause_simulation,
    resume_simulation,
    start_simulation,
)
from simulations.models import Simulation
from simulations.reads.progress import processed_counts
from simulations.reads.visibility import simulations_with_counts_visible_to


class SimulationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner = serializers.CharField(source="owner.username")
    scenario = serializers.CharField()
    presetVersion = serializers.IntegerField(source="preset_version")
    parameters = serializers.JSONField(help_text="Snapshot of the resolved parameters (never changes).")
    overrides = serializers.DictField()
    distribution = serializers.CharField()
    distributionParams = serializers.DictField(source="distribution_params")
    start = MomentField(source="window_start")
    end = MomentField(source="window_end")
    records = serializers.IntegerField()
    seed = serializers.IntegerField(help_text="Up to 2^63 - 1: parse as a big integer in JavaScript.")
    pace = serializers.ChoiceField(choices=Simulation.Pace.choices)
    timeScale = serializers.FloatField(source="time_scale")
    engineVersion = serializers.CharField(source="engine_version")
    status = serializers.ChoiceField(choices=Simulation.Status.choices)
    planned = serializers.SerializerMethodField()
    processed = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    digest = serializers.CharField(help_text="Dataset digest, once computed; empty before.")
    error = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)

    @staticmethod
    def _processed(simulation: Simulation) -> dict[str, int]:
        if hasattr(simulation, "processed_sum_contacts"):
            return {t: int(getattr(simulation, f"processed_sum_{t}") or 0) for t in RECORD_TYPES}
        return processed_counts(simulation)

    @extend_schema_field(CountsSerializer)
    def get_planned(self, simulation: Simulation) -> Any:
        return CountsSerializer({t: int(simulation.planned.get(t, 0)) for t in RECORD_TYPES}).data

    @extend_schema_field(CountsSerializer)
    def get_processed(self, simulation: Simulation) -> Any:
        return CountsSerializer(self._processed(simulation)).data

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_percent(self, simulation: Simulation) -> float:
        planned = sum(int(v) for v in simulation.planned.values())
        if simulation.status == Simulation.Status.PLANNING:
            return 0.0  # nothing planned yet: not "nothing to do, so done"
        done = sum(self._processed(simulation).values())
        return 100.0 if planned == 0 else round(100.0 * done / planned, 2)


class SimulationCursor(TimeOrderedCursor):
    ordering = ("-created_at", "-id")
    page_size = 50


class SimulationListView(ThrottleCreates, generics.ListAPIView):
    serializer_class = SimulationSerializer
    pagination_class = SimulationCursor

    def get_queryset(self) -> QuerySet[Simulation]:
        return simulations_with_counts_visible_to(signed_in_user(self.request))

    @extend_schema(
        operation_id="simulations_list",
        tags=["simulations"],
        responses={200: SimulationSerializer(many=True), **INPUT_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Your simulations, newest first (staff see everyone's)."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="simulations_create",
        tags=["simulations"],
        request=SimulationCreateSerializer,
        responses={201: SimulationSerializer, **INPUT_ERRORS, 429: THROTTLED},
    )
    def post(self, request: Request) -> Response:
        """Validate and snapshot a simulation and return at once with status ``planning``.

        Planning (exact planned counts, the slots) happens out of the request: a Celery task (distributed mode) or
        the embedded runner process. Then the simulation is ``scheduled``, or ``running`` with autoStart. Bad input
        is a 400 and stores nothing.
        """
        serializer = SimulationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        simulation = create_simulation(
            owner=signed_in_user(request),
            request=serializer.to_request(serializer.validated_data["scenario"]),
            enforce_active_limit=True,
            start=serializer.validated_data["autoStart"],
            defer_planning=True,
            sink_ids=serializer.validated_data["sinks"],
        )
        submit_planning(simulation.pk)
        simulation = get_object_or_404(self.get_queryset(), pk=simulation.pk)
        return Response(SimulationSerializer(simulation).data, status=status.HTTP_201_CREATED)


class SimulationWithCountsEndpoint(SimulationEndpoint):
    """Looks the simulation up with its processed counts summed in the same query (for SimulationSerializer)."""

    def visible_simulations(self) -> QuerySet[Simulation]:
        return simulations_with_counts_visible_to(signed_in_user(self.request))


class SimulationDetailView(SimulationWithCountsEndpoint):
    @extend_schema(
        operation_id="simulations_retrieve",
        tags=["simulations"],
        responses={200: SimulationSerializer, **OBJECT_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The snapshot, status, planned and processed counts."""
        return Response(SimulationSerializer(self.simulation).data)

    @extend_schema(
        operation_id="simulations_destroy",
        tags=["simulations"],
        responses={204: None, **OBJECT_ERRORS, 409: CONFLICT},
    )
    def delete(self, request: Request, pk: int) -> Response:
        """Delete a simulation and all its CRM rows. A running one must be paused or cancelled first (409)."""
        delete_simulation(simulation=self.simulation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SimulationControlView(SimulationWithCountsEndpoint):
    """POST-only state transitions; a transition the status does not allow is 409 with the reason."""

    transition: Callable[..., Simulation]
    runs_after: bool = False

    def post(self, request: Request, pk: int) -> Response:
        type(self).transition(simulation=self.simulation)
        if self.runs_after:
            run_after_commit()
        return Response(SimulationSerializer(self.reload_simulation(pk)).data)


_CONTROL_RESPONSES = {200: SimulationSerializer, **OBJECT_ERRORS, 409: CONFLICT}


class StartView(SimulationControlView):
    transition = staticmethod(start_simulation)
    runs_after = True

    @extend_schema(operation_id="simulations_start", tags=["simulations"], request=None, responses=_CONTROL_RESPONSES)
    def post(self, request: Request, pk: int) -> Response:
        """scheduled -> running."""
        return super().post(request, pk)


class PauseView(SimulationControlView):
    transition = staticmethod(pause_simulation)

    @extend_schema(operation_id="simulations_pause", tags=["simulations"], request=None, responses=_CONTROL_RESPONSES)
    def post(self, request: Request, pk: int) -> Response:
        """running -> paused (live pace: the simulated clock stops)."""
        return super().post(request, pk)


class ResumeView(SimulationControlView):
    transition = staticmethod(resume_simulation)
    runs_after = True

    @extend_schema(operation_id="simulations_resume", tags=["simulations"], request=None, responses=_CONTROL_RESPONSES)
    def post(self, request: Request, pk: int) -> Response:
        """paused -> running, from the simulated time it was paused at."""
        return super().post(request, pk)


class CancelView(SimulationControlView):
    transition = staticmethod(cancel_simulation)

    @extend_schema(operation_id="simulations_cancel", tags=["simulations"], request=None, responses=_CONTROL_RESPONSES)
    def post(self, request: Request, pk: int) -> Response:
        """Stop for good; rows written so far stay."""
        return super().post(request, pk)
