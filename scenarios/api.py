"""Scenario presets over HTTP: anyone signed in reads them (with the parameter schema the tuning panel is built
from); staff create, update and delete them, validated by the same schema and guardrails as the admin."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from crmsim.api import (
    INPUT_ERRORS,
    OBJECT_ERRORS,
    READ_ERRORS,
    THROTTLED,
    VALIDATION_ERROR,
    ApiView,
    StrictSerializer,
    ThrottleCreates,
)
from scenarios.models import ScenarioPreset
from scenarios.parameters import SCHEMA, get_leaf
from scenarios.services import delete_preset, save_preset
from scenarios.validation import check_preset


class StaffWritesOnly(permissions.BasePermission):
    message = "Only staff can create, change or delete scenario presets."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_staff)


# --- output ------------------------------------------------------------------------------------------------


class ParameterLeafSerializer(serializers.Serializer):
    """One leaf of scenarios.parameters.SCHEMA, with this preset's value and guardrail."""

    path = serializers.CharField(help_text="Dotted path, as used in overrides: dealAmount.mu.")
    label = serializers.CharField(help_text="The path in words, for people: Deal amount · mu.")  # type: ignore[assignment]
    kind = serializers.ChoiceField(choices=["float", "int", "probability", "int_range"])
    hardMin = serializers.FloatField(source="hard_min", help_text="What the engine can run at all.")
    hardMax = serializers.FloatField(source="hard_max")
    unit = serializers.CharField()
    help = serializers.CharField()
    value = serializers.JSONField(help_text="This preset's value (a [lo, hi] pair for int_range).")
    guardrail = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="[min, max] an override must respect."
    )


def schema_leaves(preset: ScenarioPreset) -> list[dict[str, Any]]:
    """The tuning panel's rows: every schema leaf with the preset's value and guardrail (None if missing)."""
    rows = []
    for spec in SCHEMA:
        try:
            value = get_leaf(preset.parameters, spec.path)
        except (KeyError, TypeError, ValueError):
            value = None
        guardrail = preset.guardrails.get(spec.path) if isinstance(preset.guardrails, dict) else None
        rows.append(
            {
                "path": spec.path,
                "label": spec.label,
                "kind": spec.kind,
                "hard_min": spec.hard_min,
                "hard_max": spec.hard_max,
                "unit": spec.unit,
                "help": spec.help,
                "value": value,
                "guardrail": guardrail,
            }
        )
    return rows


class ScenarioSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    isBuiltin = serializers.BooleanField(source="is_builtin")
    version = serializers.IntegerField(help_text="Goes up by one on every change; simulations record it.")
    parameters = serializers.JSONField(help_text="The parameter tree, in the seed's names (docs/scenarios.md).")
    guardrails = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField()), help_text="{parameter path: [min, max]}."
    )
    schema = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    @extend_schema_field(ParameterLeafSerializer(many=True))
    def get_schema(self, preset: ScenarioPreset) -> Any:
        return ParameterLeafSerializer(schema_leaves(preset), many=True).data


# --- input -------------------------------------------------------------------------------------------------


def _tree_errors(field: str, errors: dict[str, list[str]]) -> Any:
    """A whole-field problem as a list, problems with leaves as {path: [messages]}."""
    return errors[field] if set(errors) == {field} else errors


class ScenarioWriteSerializer(StrictSerializer):
    slug = serializers.SlugField(max_length=50, validators=[UniqueValidator(ScenarioPreset.objects.all())])
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    parameters = serializers.JSONField(help_text="The full parameter tree (docs/scenarios.md).")
    guardrails = serializers.JSONField(help_text="{parameter path: [min, max]} for every schema path.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The admin's rules (ScenarioPreset.clean), with errors per parameter path."""
        preset: ScenarioPreset | None = self.instance
        guardrails = attrs.get("guardrails", preset.guardrails if preset else None)
        parameters = attrs.get("parameters", preset.parameters if preset else None)
        problems = check_preset(parameters, guardrails)
        errors = {
            column: _tree_errors(column, by_path)
            for column, by_path in (("guardrails", problems.guardrails), ("parameters", problems.parameters))
            if by_path
        }
        if errors:
            raise ValidationError(errors)
        return attrs


class ScenarioUpdateSerializer(ScenarioWriteSerializer):
    slug = serializers.SlugField(required=False, help_text="Cannot be changed; may be repeated as is.")

    def validate_slug(self, value: str) -> str:
        if self.instance is not None and value != self.instance.slug:
            raise ValidationError("A preset's slug cannot be changed.")
        return value


def _save(preset: ScenarioPreset, changes: dict[str, Any]) -> ScenarioPreset:
    for name, value in changes.items():
        setattr(preset, name, value)
    return save_preset(preset=preset)


# --- views -------------------------------------------------------------------------------------------------


class ScenarioListView(ThrottleCreates):
    permission_classes = [permissions.IsAuthenticated, StaffWritesOnly]

    @extend_schema(
        operation_id="scenarios_list", tags=["scenarios"], responses={200: ScenarioSerializer(many=True), **READ_ERRORS}
    )
    def get(self, request: Request) -> Response:
        """Every preset (built-ins first), with its parameters, guardrails and the parameter schema."""
        return Response(ScenarioSerializer(ScenarioPreset.objects.all(), many=True).data)

    @extend_schema(
        operation_id="scenarios_create",
        tags=["scenarios"],
        request=ScenarioWriteSerializer,
        responses={201: ScenarioSerializer, **INPUT_ERRORS, 429: THROTTLED},
    )
    def post(self, request: Request) -> Response:
        """Create a preset (staff only)."""
        serializer = ScenarioWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preset = _save(ScenarioPreset(), serializer.validated_data)
        return Response(ScenarioSerializer(preset).data, status=status.HTTP_201_CREATED)


class ScenarioDetailView(ApiView):
    permission_classes = [permissions.IsAuthenticated, StaffWritesOnly]

    @extend_schema(
        operation_id="scenarios_retrieve", tags=["scenarios"], responses={200: ScenarioSerializer, **OBJECT_ERRORS}
    )
    def get(self, request: Request, slug: str) -> Response:
        """One preset with its parameters, guardrails and the parameter schema."""
        return Response(ScenarioSerializer(get_object_or_404(ScenarioPreset, slug=slug)).data)

    @extend_schema(
        operation_id="scenarios_update",
        tags=["scenarios"],
        request=ScenarioUpdateSerializer,
        responses={200: ScenarioSerializer, **OBJECT_ERRORS, 400: VALIDATION_ERROR},
    )
    def put(self, request: Request, slug: str) -> Response:
        """Replace a preset's name, description, parameters and guardrails (staff only); its version goes up."""
        return self._update(request, slug, partial=False)

    @extend_schema(
        operation_id="scenarios_partial_update",
        tags=["scenarios"],
        request=ScenarioUpdateSerializer(partial=True),
        responses={200: ScenarioSerializer, **OBJECT_ERRORS, 400: VALIDATION_ERROR},
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Change some of a preset's top-level fields (staff only); the result is validated as a whole."""
        return self._update(request, slug, partial=True)

    @extend_schema(operation_id="scenarios_destroy", tags=["scenarios"], responses={204: None, **OBJECT_ERRORS})
    def delete(self, request: Request, slug: str) -> Response:
        """Delete a staff-made preset (staff only). Built-in presets cannot be deleted: 403 with the reason."""
        delete_preset(preset=get_object_or_404(ScenarioPreset, slug=slug))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, slug: str, *, partial: bool) -> Response:
        preset = get_object_or_404(ScenarioPreset, slug=slug)
        serializer = ScenarioUpdateSerializer(preset, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k != "slug"}
        return Response(ScenarioSerializer(_save(preset, changes)).data)
