"""The signed-in user's wizard profile: their latest selections (``simulations.wizard_profile``)."""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim.api import (
    INPUT_ERRORS,
    NON_FIELD_ERRORS,
    READ_ERRORS,
    ApiView,
    StrictSerializer,
)
from crmsim.errors import InvalidInput
from crmsim.vocabulary import MAX_SEED, MIN_SEED
from simulations.api.endpoint import signed_in_user
from simulations.models import Simulation
from simulations.wizard_profile import save_profile

# --- profile -----------------------------------------------------------------------------------------------


class ProfileSerializer(StrictSerializer):
    """The wizard's latest selections (every key optional); validated by simulations.wizard_profile.profile_errors."""

    scenario = serializers.CharField(required=False)
    distribution = serializers.CharField(required=False)
    distributionParams = serializers.DictField(required=False)
    overrides = serializers.DictField(required=False)
    start = serializers.CharField(required=False, help_text="ISO-8601 date or datetime.")
    end = serializers.CharField(required=False, help_text="ISO-8601 date or datetime.")
    records = serializers.IntegerField(required=False, min_value=1)
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=MIN_SEED, max_value=MAX_SEED)
    pace = serializers.ChoiceField(choices=Simulation.Pace.choices, required=False)
    timeScale = serializers.FloatField(required=False)
    muted = serializers.BooleanField(required=False)


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
            raise InvalidInput({NON_FIELD_ERRORS: ["Must be a JSON object."]})
        merged = {**signed_in_user(request).simulation_profile, **request.data}
        return Response(save_profile(user=signed_in_user(request), profile=merged))
