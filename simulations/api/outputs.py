"""What a simulation produced: progress (cheap enough to poll), the calibration report and the streamed export."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import (
    CONFLICT,
    OBJECT_ERRORS,
    VALIDATION_ERROR,
)
from crmsim.errors import StateConflict
from crmsim.vocabulary import RECORD_TYPES
from simulations.api.counts import CountsSerializer
from simulations.api.endpoint import SimulationEndpoint
from simulations.drivers.submission import keep_driven
from simulations.lifecycle.results import owe_results
from simulations.models import Simulation, Sink
from simulations.reads.export import EXPORT_COLUMNS, export_filename, export_rows
from simulations.reads.progress import polled_progress

# --- progress, report, export ------------------------------------------------------------------------------


class LagSerializer(serializers.Serializer):
    p50Ms = serializers.FloatField(allow_null=True)
    p99Ms = serializers.FloatField(allow_null=True)
    samples = serializers.IntegerField()


class SinkProgressSerializer(serializers.Serializer):
    """One sink of a simulation: what reached it, what failed, what is still to send, and how late."""

    sink = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Sink.Kind.choices)
    enabled = serializers.BooleanField()
    disabledReason = serializers.CharField()
    delivered = serializers.IntegerField(help_text="Events delivered.")
    failed = serializers.IntegerField(help_text="Failed requests (each retried or dead-lettered).")
    deadLettered = serializers.IntegerField(help_text="Events in open dead letters.")
    pending = serializers.IntegerField(help_text="Rows written but not yet delivered (the sink's backlog).")
    lag = LagSerializer(help_text="Delivery lag vs the rows' due time over the last minute, in ms.")
    recentErrors = serializers.ListField(child=serializers.CharField())


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
    sinks = SinkProgressSerializer(many=True, help_text="Per sink: delivered, failed, dead-lettered, pending, lag.")


PROGRESS_FIELDS = (
    "id", "owner_id", "status", "planned", "pace", "time_scale", "window_end", "clock_sim", "clock_wall",
    "started_at", "finished_at", "created_at",
)  # fmt: skip


class ProgressView(SimulationEndpoint):
    def visible_simulations(self) -> QuerySet[Simulation]:
        # Polled every second by every open dashboard: only the columns the document shows, no owner join.
        return super().visible_simulations().select_related(None).only(*PROGRESS_FIELDS)

    @extend_schema(
        operation_id="simulations_progress", tags=["simulations"], responses={200: ProgressSerializer, **OBJECT_ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        """Planned vs processed per record type, percent, lag and ETA: cheap enough to poll every second."""
        keep_driven(self.simulation)
        return Response(ProgressSerializer(polled_progress(self.simulation)).data)


REPORT_RETRY_SECONDS = 2
REPORT_PENDING = OpenApiResponse(
    CONFLICT.response,  # {"detail": ...}
    description="Completed, and its report is being computed (once, after completion): retry after Retry-After.",
)


class ReportView(SimulationEndpoint):
    @extend_schema(
        operation_id="simulations_report",
        tags=["simulations"],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The calibration report."),
            202: REPORT_PENDING,
            **OBJECT_ERRORS,
            409: CONFLICT,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Calibration: the generated data's statistics against the scenario's parameters, with the database digest.

        Computed once when the simulation completes and stored: this reads it. 202 with Retry-After while it is
        being computed; 409 before the simulation has completed.
        """
        simulation = self.simulation
        if simulation.status != Simulation.Status.COMPLETED:
            raise StateConflict(f"The report is computed once the simulation has completed; it is {simulation.status}.")
        if simulation.report is None:
            owe_results(simulation_id=simulation.pk, reader=True)
            return Response(
                {"detail": "The report is being computed; retry shortly."},
                status=status.HTTP_202_ACCEPTED,
                headers={"Retry-After": str(REPORT_RETRY_SECONDS)},
            )
        return Response(simulation.report)


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


class ExportView(SimulationEndpoint):
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
        simulation = self.simulation
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
