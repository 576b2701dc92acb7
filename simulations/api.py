"""Simulations over HTTP: distributions, preview, the user's profile, create/list/read/control/delete, progress,
the calibration report and the streaming export.

Every simulation lookup goes through ``selectors.simulations_visible_to``: another user's simulation is a 404,
never a 403, so ids do not leak. Validation is ``services.validate_request``'s (the CLI's and the admin's), with
its field paths; the serializers here only check JSON types and reject unknown keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import (
    CONFLICT,
    INPUT_ERRORS,
    NON_FIELD_ERRORS,
    OBJECT_ERRORS,
    READ_ERRORS,
    THROTTLED,
    VALIDATION_ERROR,
    ApiView,
    MomentField,
    StrictSerializer,
    ThrottleCreates,
    TimeOrderedCursor,
    signed_in_user,
)
from scenarios.models import ScenarioPreset
from simulations import engine, selectors
from simulations.background import run_in_background
from simulations.delivery.services import SinkInputError, attach_sinks
from simulations.models import RECORD_TYPES, Simulation, User
from simulations.profile import profile_errors
from simulations.services import (
    MAX_TIME_SCALE,
    SimulationInputError,
    SimulationRequest,
    SimulationStateError,
    cancel_simulation,
    create_simulation,
    delete_simulation,
    pause_simulation,
    resume_simulation,
    start_simulation,
    validate_request,
)

MAX_SEED = 2**63 - 1

# --- shared output shapes ----------------------------------------------------------------------------------


class CountsSerializer(serializers.Serializer):
    """Rows per record type, camelCased."""

    companies = serializers.IntegerField()
    contacts = serializers.IntegerField()
    deals = serializers.IntegerField()
    activities = serializers.IntegerField()
    lifecycleEvents = serializers.IntegerField(source="lifecycle_events")
    dealStageEvents = serializers.IntegerField(source="deal_stage_events")


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
        min_value=0, max_value=MAX_SEED, allow_null=True, default=None, help_text="Omit or null for a random seed."
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
        default=1.0, help_text=f"Live pace: simulated seconds per wall second, in (0, {MAX_TIME_SCALE:g}]."
    )
    autoStart = serializers.BooleanField(default=False, help_text="Start right after planning.")
    sinks = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=10,
        help_text="Ids of your sinks (GET /api/sinks/) to stream every written row to.",
    )


def validated(serializer: SimulationInputSerializer, scenario: str) -> Any:
    """Run ``services.validate_request`` and turn its SimulationInputError into a 400 with field paths."""
    try:
        return validate_request(serializer.to_request(scenario))
    except SimulationInputError as exc:
        raise ValidationError(exc.errors) from exc


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


class PreviewSerializer(serializers.Serializer):
    scenario = serializers.CharField()
    seed = serializers.IntegerField(help_text="The seed used (drawn when none was given): reuse it to reproduce.")
    parameters = serializers.JSONField(help_text="The resolved parameters (preset + overrides).")
    leads = serializers.IntegerField()
    planned = CountsSerializer()
    arrivals = ArrivalsSerializer()
    deals = DealOutcomesSerializer()


class PreviewView(ThrottleCreates):
    @extend_schema(
        operation_id="scenarios_preview",
        tags=["scenarios"],
        request=SimulationInputSerializer,
        responses={200: PreviewSerializer, **OBJECT_ERRORS, 400: VALIDATION_ERROR, 429: THROTTLED},
    )
    def post(self, request: Request, slug: str) -> Response:
        """What a simulation of this scenario would produce: planned counts, arrivals histogram, deal outcomes.

        Same validation as creating a simulation; nothing is stored.
        """
        get_object_or_404(ScenarioPreset, slug=slug)
        serializer = SimulationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        valid = validated(serializer, slug)
        result = engine.preview(valid.inputs)
        return Response(
            PreviewSerializer(
                {"scenario": slug, "seed": valid.seed, "parameters": valid.parameters.to_json(), **result}
            ).data
        )


# --- profile -----------------------------------------------------------------------------------------------


class ProfileSerializer(StrictSerializer):
    """The wizard's latest selections (every key optional); validated by simulations.profile.profile_errors."""

    scenario = serializers.CharField(required=False)
    distribution = serializers.CharField(required=False)
    distributionParams = serializers.DictField(required=False)
    overrides = serializers.DictField(required=False)
    start = serializers.CharField(required=False, help_text="ISO-8601 date or datetime.")
    end = serializers.CharField(required=False, help_text="ISO-8601 date or datetime.")
    records = serializers.IntegerField(required=False, min_value=1)
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_SEED)
    pace = serializers.ChoiceField(choices=Simulation.Pace.choices, required=False)
    timeScale = serializers.FloatField(required=False)
    muted = serializers.BooleanField(required=False)


def save_profile(*, user: User, profile: Any) -> dict[str, Any]:
    """Validate and store a whole profile; raise a 400 with the profile's paths."""
    if not isinstance(profile, Mapping):
        raise ValidationError({NON_FIELD_ERRORS: ["Must be a JSON object."]})
    errors = profile_errors(profile)
    if errors:
        raise ValidationError(errors)
    user.simulation_profile = dict(profile)
    user.save(update_fields=["simulation_profile"])
    return user.simulation_profile


class ProfileView(ApiView):
    @extend_schema(operation_id="profile_retrieve", tags=["profile"], responses={200: ProfileSerializer, **READ_ERRORS})
    def get(self, request: Request) -> Response:
        """The signed-in user's latest wizard selections."""
        return Response(signed_in_user(request).simulation_profile)

    @extend_schema(
        operation_id="profile_update",
        tags=["profile"],
        request=ProfileSerializer,
        responses={200: ProfileSerializer, **INPUT_ERRORS},
    )
    def put(self, request: Request) -> Response:
        """Replace the profile."""
        return Response(save_profile(user=signed_in_user(request), profile=request.data))

    @extend_schema(
        operation_id="profile_partial_update",
        tags=["profile"],
        request=ProfileSerializer,
        responses={200: ProfileSerializer, **INPUT_ERRORS},
    )
    def patch(self, request: Request) -> Response:
        """Merge top-level keys into the profile (a key present replaces the stored one whole)."""
        if not isinstance(request.data, Mapping):
            raise ValidationError({NON_FIELD_ERRORS: ["Must be a JSON object."]})
        merged = {**signed_in_user(request).simulation_profile, **request.data}
        return Response(save_profile(user=signed_in_user(request), profile=merged))


# --- simulations -------------------------------------------------------------------------------------------


def visible_simulations(user: User) -> QuerySet[Simulation]:
    """selectors.simulations_visible_to, with the slots' processed counters summed in the same query."""
    return selectors.simulations_visible_to(user).annotate(
        **{f"processed_sum_{t}": Sum(f"slots__processed_{t}") for t in RECORD_TYPES}
    )


def visible_simulation(request: Request, pk: int) -> Simulation:
    return get_object_or_404(visible_simulations(signed_in_user(request)), pk=pk)


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
        return selectors.processed_counts(simulation)

    @extend_schema_field(CountsSerializer)
    def get_planned(self, simulation: Simulation) -> Any:
        return CountsSerializer({t: int(simulation.planned.get(t, 0)) for t in RECORD_TYPES}).data

    @extend_schema_field(CountsSerializer)
    def get_processed(self, simulation: Simulation) -> Any:
        return CountsSerializer(self._processed(simulation)).data

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_percent(self, simulation: Simulation) -> float:
        planned = sum(int(v) for v in simulation.planned.values())
        done = sum(self._processed(simulation).values())
        return 100.0 if planned == 0 else round(100.0 * done / planned, 2)


class SimulationCursor(TimeOrderedCursor):
    ordering = ("-created_at", "-id")
    page_size = 50


@transaction.atomic
def create_for_api(
    *, owner: User, request: SimulationRequest, auto_start: bool, sink_ids: Iterable[int] = ()
) -> Simulation:
    """create_simulation under the per-user limit of active simulations, with its sinks, optionally started."""
    try:
        simulation = create_simulation(owner=owner, request=request, enforce_active_limit=True)
        attach_sinks(simulation=simulation, sink_ids=list(sink_ids))
    except (SimulationInputError, SinkInputError) as exc:
        raise ValidationError(exc.errors) from exc
    if auto_start:
        simulation = start_simulation(simulation=simulation)
        simulation_id = simulation.pk
        transaction.on_commit(lambda: run_in_background(simulation_id))
    return simulation


class SimulationListView(ThrottleCreates, generics.ListAPIView):
    serializer_class = SimulationSerializer
    pagination_class = SimulationCursor

    def get_queryset(self) -> QuerySet[Simulation]:
        return visible_simulations(signed_in_user(self.request))

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
        """Validate, snapshot and plan a simulation (status scheduled); with autoStart, start it too.

        In embedded mode (no broker) a started simulation runs in a background thread of the web process;
        otherwise the Celery dispatcher picks it up.
        """
        serializer = SimulationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        simulation = create_for_api(
            owner=signed_in_user(request),
            request=serializer.to_request(serializer.validated_data["scenario"]),
            auto_start=serializer.validated_data["autoStart"],
            sink_ids=serializer.validated_data["sinks"],
        )
        simulation = visible_simulation(request, simulation.pk)
        return Response(SimulationSerializer(simulation).data, status=status.HTTP_201_CREATED)


class SimulationDetailView(ApiView):
    @extend_schema(
        operation_id="simulations_retrieve",
        tags=["simulations"],
        responses={200: SimulationSerializer, **OBJECT_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The snapshot, status, planned and processed counts."""
        return Response(SimulationSerializer(visible_simulation(request, pk)).data)

    @extend_schema(
        operation_id="simulations_destroy",
        tags=["simulations"],
        responses={204: None, **OBJECT_ERRORS, 409: CONFLICT},
    )
    def delete(self, request: Request, pk: int) -> Response:
        """Delete a simulation and all its CRM rows. A running one must be paused or cancelled first (409)."""
        try:
            delete_simulation(simulation=visible_simulation(request, pk))
        except SimulationStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SimulationControlView(ApiView):
    """POST-only state transitions; a transition the status does not allow is 409 with the reason."""

    transition: Callable[..., Simulation]
    runs_after: bool = False

    def post(self, request: Request, pk: int) -> Response:
        simulation = visible_simulation(request, pk)
        try:
            type(self).transition(simulation=simulation)
        except SimulationStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if self.runs_after:
            transaction.on_commit(lambda: run_in_background(pk))
        return Response(SimulationSerializer(visible_simulation(request, pk)).data)


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


# --- progress, report, export ------------------------------------------------------------------------------


class LagSerializer(serializers.Serializer):
    p50Ms = serializers.FloatField(allow_null=True)
    p99Ms = serializers.FloatField(allow_null=True)
    samples = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Simulation.Status.choices)
    planned = CountsSerializer()
    processed = CountsSerializer()
    percent = serializers.FloatField()
    lag = LagSerializer(help_text="How late rows were written vs their due time over the last minute (live).")
    simulatedTime = serializers.DateTimeField(allow_null=True, help_text="Latest slot watermark.")
    startedAt = serializers.DateTimeField(allow_null=True)
    finishedAt = serializers.DateTimeField(allow_null=True)
    eta = serializers.DateTimeField(allow_null=True)
    sinks = serializers.ListField(
        child=serializers.DictField(), help_text="Per sink: delivered, failed, deadLettered, pending, lag p50/p99."
    )


class ProgressView(ApiView):
    @extend_schema(
        operation_id="simulations_progress", tags=["simulations"], responses={200: ProgressSerializer, **OBJECT_ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        """Planned vs processed per record type, percent, lag and ETA: cheap enough to poll every second."""
        simulation = get_object_or_404(selectors.simulations_visible_to(signed_in_user(request)), pk=pk)
        return Response(ProgressSerializer(selectors.progress(simulation)).data)


class ReportView(ApiView):
    @extend_schema(
        operation_id="simulations_report",
        tags=["simulations"],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The calibration report."), **OBJECT_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Calibration: the generated data's statistics against the scenario's parameters."""
        from simulations.report import calibration_report

        simulation = get_object_or_404(selectors.simulations_visible_to(signed_in_user(request)), pk=pk)
        return Response(calibration_report(simulation))


EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class ExportNegotiation(DefaultContentNegotiation):
    """Here ``?format=`` names the file format, not a DRF renderer: errors still answer in JSON."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class ExportView(ApiView):
    content_negotiation_class = ExportNegotiation

    @extend_schema(
        operation_id="simulations_export",
        tags=["simulations"],
        parameters=[
            OpenApiParameter("type", str, enum=list(RECORD_TYPES), required=True, description="Record type."),
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="csv", description="File format."),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV with a header row."),
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="One JSON object a line."),
            **OBJECT_ERRORS,
            400: VALIDATION_ERROR,
        },
    )
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        """Every row of one record type, streamed as an attachment, same columns as ``manage.py export``."""
        from simulations.export import EXPORT_COLUMNS, export_filename, export_rows

        simulation = get_object_or_404(selectors.simulations_visible_to(signed_in_user(request)), pk=pk)
        record_type = _snake(request.query_params.get("type", ""))
        fmt = request.query_params.get("format", "csv")
        errors: dict[str, list[str]] = {}
        if record_type not in EXPORT_COLUMNS:
            errors["type"] = [f"Must be one of {', '.join(EXPORT_COLUMNS)}."]
        if fmt not in EXPORT_FORMATS:
            errors["format"] = [f"Must be one of {', '.join(EXPORT_FORMATS)}."]
        if errors:
            raise ValidationError(errors)
        response = StreamingHttpResponse(export_rows(simulation, record_type, fmt), content_type=EXPORT_FORMATS[fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="simulation-{simulation.pk}-{export_filename(record_type, fmt)}"'
        )
        return response
