"""Sinks over HTTP: ``/api/sinks/`` (list, create), ``/api/sinks/{id}/`` (retrieve, update, delete),
``/api/sinks/{id}/test/`` (one signed ping), and ``/api/simulations/{id}/deliveries/`` (per-sink progress,
dead letters) with ``.../deliveries/replay/``.

Secrets (``secret``, ``accessToken``) are write-only: never in a response, a snapshot or a log line; responses
show ``secretHint`` (the last four characters). Another user's sink is a 404, like an unknown one. Views stay
thin: bad input (SinkInputError, an InvalidInput) reaches the one exception handler.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import INPUT_ERRORS, OBJECT_ERRORS, READ_ERRORS, ApiView, StrictSerializer
from simulations.api.endpoint import SimulationEndpoint, signed_in_user
from simulations.api.outputs import SinkProgressSerializer
from simulations.delivery import services
from simulations.delivery.models import Sink
from simulations.delivery.registry import describe
from simulations.delivery.selectors import delivery_progress, open_dead_letters


class SinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Sink.Kind.choices)
    name = serializers.CharField()
    url = serializers.CharField(help_text="Webhook URL; for HubSpot, the API base URL.")
    batchSize = serializers.IntegerField(source="batch_size")
    secretHint = serializers.CharField(source="secret_hint", help_text="Last characters of the secret (masked).")
    enabled = serializers.BooleanField()
    disabledReason = serializers.CharField(source="disabled_reason")
    createdAt = serializers.DateTimeField(source="created_at")


class DeadLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sink = serializers.IntegerField()
    slot = serializers.IntegerField()
    events = serializers.IntegerField()
    error = serializers.CharField()
    createdAt = serializers.DateTimeField()


class DeliveriesSerializer(serializers.Serializer):
    sinks = SinkProgressSerializer(many=True)
    deadLetters = DeadLetterSerializer(many=True, help_text="Open dead letters (up to 100, oldest first).")


class ReplaySerializer(serializers.Serializer):
    letters = serializers.IntegerField()
    replayed = serializers.IntegerField()
    stillFailing = serializers.IntegerField()


class SinkCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Sink.Kind.choices)
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(required=False, max_length=500, help_text="Webhook: the http(s) URL to POST to.")
    secret = serializers.CharField(required=False, write_only=True, help_text="Webhook: whsec_<base64>.")
    batchSize = serializers.IntegerField(required=False, help_text="Webhook: events per request (default 100).")
    accessToken = serializers.CharField(required=False, write_only=True, help_text="HubSpot: private-app token.")
    baseUrl = serializers.CharField(required=False, max_length=500, help_text="HubSpot: API base URL.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        webhook_only, hubspot_only = ("url", "secret", "batchSize"), ("accessToken", "baseUrl")
        errors: dict[str, list[str]] = {}
        if attrs["kind"] == Sink.Kind.WEBHOOK:
            errors.update({f: ["Not a webhook field."] for f in hubspot_only if f in attrs})
            errors.update({f: ["Required for a webhook sink."] for f in ("url", "secret") if f not in attrs})
        else:
            errors.update({f: ["Not a HubSpot field."] for f in webhook_only if f in attrs})
            if "accessToken" not in attrs:
                errors["accessToken"] = ["Required for a HubSpot sink."]
        if errors:
            raise ValidationError(errors)
        return attrs


class SinkUpdateSerializer(StrictSerializer):
    name = serializers.CharField(required=False, max_length=100)
    url = serializers.CharField(required=False, max_length=500)
    secret = serializers.CharField(required=False, write_only=True)
    batchSize = serializers.IntegerField(required=False)
    accessToken = serializers.CharField(required=False, write_only=True)
    baseUrl = serializers.CharField(required=False, max_length=500)
    enabled = serializers.BooleanField(required=False)


def _sinks(request: Request) -> QuerySet[Sink]:
    return Sink.objects.filter(owner=signed_in_user(request))


class SinkListView(ApiView):
    @extend_schema(operation_id="sinks_list", tags=["sinks"], responses={200: SinkSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        """Your sinks (secrets never included)."""
        return Response(SinkSerializer(_sinks(request), many=True).data)

    @extend_schema(
        operation_id="sinks_create",
        tags=["sinks"],
        request=SinkCreateSerializer,
        responses={201: SinkSerializer, **INPUT_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Create a webhook sink (url, secret whsec_..., batchSize) or a HubSpot sink (accessToken, baseUrl?)."""
        serializer = SinkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sink = services.create_sink(
            owner=signed_in_user(request),
            kind=data["kind"],
            name=data["name"],
            url=data.get("url") or data.get("baseUrl"),
            secret=data.get("secret") or data.get("accessToken") or "",
            batch_size=data.get("batchSize"),
        )
        return Response(SinkSerializer(sink).data, status=status.HTTP_201_CREATED)


class SinkDetailView(ApiView):
    @extend_schema(operation_id="sinks_retrieve", tags=["sinks"], responses={200: SinkSerializer, **OBJECT_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(SinkSerializer(get_object_or_404(_sinks(request), pk=pk)).data)

    @extend_schema(
        operation_id="sinks_partial_update",
        tags=["sinks"],
        request=SinkUpdateSerializer,
        responses={200: SinkSerializer, **OBJECT_ERRORS, **INPUT_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change a sink; a secret or token given replaces the stored one; ``enabled: true`` re-enables it."""
        sink = get_object_or_404(_sinks(request), pk=pk)
        serializer = SinkUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sink = services.update_sink(
            sink=sink,
            name=data.get("name"),
            url=data.get("url") or data.get("baseUrl"),
            secret=data.get("secret") or data.get("accessToken"),
            batch_size=data.get("batchSize"),
            enabled=data.get("enabled"),
        )
        return Response(SinkSerializer(sink).data)

    @extend_schema(operation_id="sinks_destroy", tags=["sinks"], responses={204: None, **OBJECT_ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete a sink; simulations streaming to it stop delivering to it."""
        get_object_or_404(_sinks(request), pk=pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class SinkTestResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["delivered", "retry", "rejected", "gone"])
    status = serializers.IntegerField(allow_null=True, help_text="The receiver's HTTP status, if it answered.")
    detail = serializers.CharField()


class SinkTestView(ApiView):
    @extend_schema(
        operation_id="sinks_test",
        tags=["sinks"],
        request=None,
        responses={200: SinkTestResultSerializer, **OBJECT_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Send one signed ping (webhook) or one authenticated read (HubSpot) and report the answer."""
        sink = get_object_or_404(_sinks(request), pk=pk)
        return Response(SinkTestResultSerializer(describe(services.test_sink(sink=sink))).data)


class DeliveriesView(SimulationEndpoint):
    @extend_schema(
        operation_id="simulations_deliveries",
        tags=["simulations"],
        responses={200: DeliveriesSerializer, **OBJECT_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Per sink: delivered, failed, dead-lettered, pending, lag; and the open dead letters."""
        simulation = self.simulation
        body = {"sinks": delivery_progress(simulation), "deadLetters": open_dead_letters(simulation)}
        return Response(DeliveriesSerializer(body).data)


class ReplayView(SimulationEndpoint):
    @extend_schema(
        operation_id="simulations_deliveries_replay",
        tags=["simulations"],
        request=None,
        responses={200: ReplaySerializer, **OBJECT_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Re-send every open dead letter of this simulation; report how many were delivered."""
        result = services.replay_dead_letters(simulation=self.simulation)
        body = {"letters": result.letters, "replayed": result.replayed, "stillFailing": result.still_failing}
        return Response(ReplaySerializer(body).data)
