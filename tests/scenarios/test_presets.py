"""ScenarioPreset rows: the data migration, model validation, versioning, resolution."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from crmsim.errors import NotAllowed
from scenarios.builtin import BUILTIN_PRESETS
from scenarios.models import ScenarioPreset
from scenarios.parameters import InvalidParameters, get_leaf
from scenarios.services import delete_preset, resolve_parameters, save_preset
from tests.factories import ScenarioPresetFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("builtin", BUILTIN_PRESETS, ids=lambda p: p["slug"])
def test_the_data_migration_creates_each_builtin_preset_as_defined(builtin: dict) -> None:
    preset = ScenarioPreset.objects.get(slug=builtin["slug"])
    assert preset.is_builtin
    assert preset.name == builtin["name"]
    assert preset.parameters == builtin["parameters"]
    assert preset.guardrails == builtin["guardrails"]
    preset.full_clean()


def test_only_the_two_builtins_exist_after_migrate() -> None:
    assert sorted(ScenarioPreset.objects.values_list("slug", flat=True)) == ["b2b", "b2c"]


def test_a_preset_value_outside_its_guardrails_fails_validation_with_path_and_bounds() -> None:
    preset = ScenarioPreset.objects.get(slug="b2b")
    preset.parameters["dealWinRateBase"] = 0.8
    with pytest.raises(ValidationError) as info:
        preset.full_clean()
    messages = info.value.message_dict["parameters"]
    assert messages == ["dealWinRateBase: 0.8 is outside the guardrails [0.55, 0.65]."]


def test_saving_a_preset_bumps_its_version_and_keeps_id_equal_to_slug() -> None:
    preset = ScenarioPresetFactory()
    assert preset.version == 1
    assert preset.parameters["id"] == preset.slug
    preset.parameters["dealWinRateBase"] = 0.57
    save_preset(preset=preset)
    preset.refresh_from_db()
    assert preset.version == 2
    assert get_leaf(preset.parameters, "dealWinRateBase") == 0.57


def test_resolve_parameters_applies_overrides_inside_guardrails() -> None:
    preset = ScenarioPreset.objects.get(slug="b2c")
    resolved = resolve_parameters(preset, {"dealAmount.mu": 8.2, "touchpointDensity.callsPerLead": [1, 2]})
    assert resolved.id == "b2c"
    assert resolved.dealAmount.mu == 8.2
    assert resolved.callsPerLead == (1, 2)


def test_resolve_parameters_rejects_overrides_outside_guardrails() -> None:
    preset = ScenarioPreset.objects.get(slug="b2c")
    with pytest.raises(InvalidParameters) as info:
        resolve_parameters(preset, {"leadVolumeMultiplier": 3.0})
    assert info.value.errors == {"leadVolumeMultiplier": ["3 is outside the guardrails [1.4, 2.2]."]}


def test_builtin_presets_cannot_be_deleted_but_staff_presets_can() -> None:
    with pytest.raises(NotAllowed):
        delete_preset(preset=ScenarioPreset.objects.get(slug="b2b"))
    custom = ScenarioPresetFactory(parameters=copy.deepcopy(BUILTIN_PRESETS[0]["parameters"]))
    delete_preset(preset=custom)
    assert ScenarioPreset.objects.filter(slug="b2b").exists()
    assert not ScenarioPreset.objects.filter(pk=custom.pk).exists()
