"""Scenario services: resolving a preset plus a user's overrides into frozen parameters, and preset writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from crmsim.errors import NotAllowed
from scenarios import validation
from scenarios.models import ScenarioPreset
from scenarios.parameters import ScenarioParameters


def resolve_parameters(preset: ScenarioPreset, overrides: Mapping[str, Any] | None = None) -> ScenarioParameters:
    """Merge ``overrides`` ({parameter path: value}) into the preset and validate.

    Raises scenarios.parameters.InvalidParameters naming every offending path and its allowed range.
    The returned value carries the preset's slug as ``id``.
    """
    resolved = validation.resolve(preset.parameters, preset.guardrails, overrides)
    return resolved if resolved.id == preset.slug else _with_id(resolved, preset.slug)


def _with_id(parameters: ScenarioParameters, slug: str) -> ScenarioParameters:
    data = parameters.to_json()
    data["id"] = slug
    return ScenarioParameters.from_json(data)


@transaction.atomic
def save_preset(*, preset: ScenarioPreset) -> ScenarioPreset:
    """Validate and save a preset (creating or updating); the version goes up by one on every update.

    Raises Django's ValidationError (the API's handler maps it to a 400 by field) when ``full_clean`` fails.
    """
    preset.full_clean()
    preset.save()
    return preset


@transaction.atomic
def delete_preset(*, preset: ScenarioPreset) -> None:
    """Delete a staff-made preset; built-ins are part of the product (NotAllowed)."""
    if preset.is_builtin:
        raise NotAllowed("Built-in presets cannot be deleted.")
    preset.delete()
