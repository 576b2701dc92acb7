"""The preset admin, driven by a real admin client."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from django.urls import reverse

from scenarios.models import ScenarioPreset
from scenarios.parameters import SCHEMA, get_leaf
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in() -> Client:
    client = Client()
    client.force_login(StaffFactory())
    return client


def _form_data(preset: ScenarioPreset, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": preset.slug, "name": preset.name, "description": preset.description}
    for spec in SCHEMA:
        key = spec.path.replace(".", "__")
        value = get_leaf(preset.parameters, spec.path)
        data[f"p__{key}"] = ", ".join(map(str, value)) if isinstance(value, list) else value
        data[f"g__{key}__min"], data[f"g__{key}__max"] = preset.guardrails[spec.path]
    data.update(changes)
    return data


def test_the_change_form_shows_every_parameter_and_the_resolved_preview(admin_client_logged_in: Client) -> None:
    preset = ScenarioPreset.objects.get(slug="b2b")
    response = admin_client_logged_in.get(reverse("admin:scenarios_scenariopreset_change", args=[preset.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for spec in SCHEMA:
        assert spec.path in body
    assert "Resolved parameters" in body


def test_posting_a_value_outside_the_guardrails_shows_the_error_and_saves_nothing(
    admin_client_logged_in: Client,
) -> None:
    preset = ScenarioPreset.objects.get(slug="b2b")
    url = reverse("admin:scenarios_scenariopreset_change", args=[preset.pk])
    response = admin_client_logged_in.post(url, _form_data(preset, p__dealWinRateBase=0.9))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["p__dealWinRateBase"] == ["dealWinRateBase: 0.9 is outside the guardrails [0.55, 0.65]."]
    preset.refresh_from_db()
    assert preset.parameters["dealWinRateBase"] == 0.6
    assert preset.version == 1


def test_posting_a_guardrail_beyond_the_hard_limit_is_an_error(admin_client_logged_in: Client) -> None:
    preset = ScenarioPreset.objects.get(slug="b2b")
    url = reverse("admin:scenarios_scenariopreset_change", args=[preset.pk])
    response = admin_client_logged_in.post(url, _form_data(preset, g__dealWinRateBase__max=1.5))
    assert response.status_code == 200
    assert "hard limits" in str(response.context["adminform"].form.errors["g__dealWinRateBase__max"])
    assert "g__dealWinRateBase__min" not in response.context["adminform"].form.errors, "under the bound that is wrong"


def test_posting_a_valid_change_saves_bumps_the_version_and_logs_it(admin_client_logged_in: Client) -> None:
    preset = ScenarioPreset.objects.get(slug="b2b")
    url = reverse("admin:scenarios_scenariopreset_change", args=[preset.pk])
    response = admin_client_logged_in.post(
        url, _form_data(preset, p__dealWinRateBase=0.62, p__touchpointDensity__callsPerLead="2, 4")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    preset.refresh_from_db()
    assert preset.parameters["dealWinRateBase"] == 0.62
    assert preset.parameters["touchpointDensity"]["callsPerLead"] == [2, 4]
    assert preset.version == 2
    assert LogEntry.objects.filter(object_id=str(preset.pk), action_flag=CHANGE).exists()


def test_a_staff_preset_can_be_added_through_the_admin(admin_client_logged_in: Client) -> None:
    template = ScenarioPreset.objects.get(slug="b2c")
    data = _form_data(template, slug="b2c-holiday", name="B2C holiday rush")
    response = admin_client_logged_in.post(reverse("admin:scenarios_scenariopreset_add"), data)
    assert response.status_code == 302
    created = ScenarioPreset.objects.get(slug="b2c-holiday")
    assert not created.is_builtin
    assert created.parameters["id"] == "b2c-holiday"
    assert created.resolved().leaves() == template.resolved().leaves()


def test_builtin_presets_have_no_delete_in_the_admin(admin_client_logged_in: Client) -> None:
    preset = ScenarioPreset.objects.get(slug="b2b")
    response = admin_client_logged_in.post(
        reverse("admin:scenarios_scenariopreset_delete", args=[preset.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert ScenarioPreset.objects.filter(slug="b2b").exists()
