"""Presets and distributions over HTTP: the tuning panel's schema, staff writes validated like the admin."""

from __future__ import annotations

import copy

import pytest

from scenarios.builtin import B2B
from scenarios.models import ScenarioPreset
from scenarios.parameters import SCHEMA
from simulations import engine
from tests.api.conftest import Actors
from tests.factories import ScenarioPresetFactory

pytestmark = pytest.mark.django_db


def test_a_preset_carries_the_schema_leaves_with_limits_values_and_guardrails(actors: Actors) -> None:
    body = actors.client("a").get("/api/scenarios/b2b/").json()
    assert body["slug"] == "b2b"
    assert body["isBuiltin"] is True
    assert body["parameters"]["dealAmount"]["mu"] == 10.5
    assert [leaf["path"] for leaf in body["schema"]] == [spec.path for spec in SCHEMA]
    mu = next(leaf for leaf in body["schema"] if leaf["path"] == "dealAmount.mu")
    assert mu == {
        "path": "dealAmount.mu",
        "label": "Deal amount · mu",
        "kind": "float",
        "hardMin": 0.0,
        "hardMax": 20.0,
        "unit": "ln(currency)",
        "help": mu["help"],
        "value": 10.5,
        "guardrail": B2B["guardrails"]["dealAmount.mu"],
    }


def test_the_list_has_the_builtins_first(actors: Actors) -> None:
    ScenarioPresetFactory(slug="aaa-custom")
    slugs = [preset["slug"] for preset in actors.client("a").get("/api/scenarios/").json()]
    assert slugs[:2] == ["b2b", "b2c"]
    assert "aaa-custom" in slugs


def test_distributions_describe_every_method_with_its_parameters(actors: Actors) -> None:
    body = actors.client("a").get("/api/distributions/").json()
    assert [method["name"] for method in body] == list(engine.DISTRIBUTIONS)
    custom = next(method for method in body if method["name"] == "custom")
    assert custom["params"][0]["name"] == "weights"
    assert custom["params"][0]["type"] == "float_list"


def test_staff_create_a_preset_and_its_version_goes_up_on_each_update(actors: Actors) -> None:
    client = actors.client("staff")
    body = {
        "slug": "enterprise",
        "name": "Enterprise",
        "description": "Few, huge deals.",
        "parameters": copy.deepcopy(B2B["parameters"]),
        "guardrails": copy.deepcopy(B2B["guardrails"]),
    }
    created = client.post("/api/scenarios/", body, format="json")
    assert created.status_code == 201
    assert created.json()["version"] == 1
    assert created.json()["parameters"]["id"] == "enterprise"
    patched = client.patch("/api/scenarios/enterprise/", {"name": "Enterprise+"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["name"] == "Enterprise+"
    assert patched.json()["version"] == 2
    replaced = client.put("/api/scenarios/enterprise/", {**body, "name": "Again"}, format="json")
    assert replaced.status_code == 200
    assert ScenarioPreset.objects.get(slug="enterprise").version == 3


def test_a_duplicate_slug_and_a_renamed_slug_are_refused(actors: Actors) -> None:
    client = actors.client("staff")
    body = {"slug": "b2b", "name": "Again", "parameters": B2B["parameters"], "guardrails": B2B["guardrails"]}
    assert set(client.post("/api/scenarios/", body, format="json").json()) == {"slug"}
    response = client.patch("/api/scenarios/b2b/", {"slug": "b2b-renamed"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"slug"}


def test_an_update_that_breaks_the_guardrails_names_the_paths_and_changes_nothing(actors: Actors) -> None:
    guardrails = {**B2B["guardrails"], "dealWinRateBase": [0.7, 0.8]}
    response = actors.client("staff").patch("/api/scenarios/b2b/", {"guardrails": guardrails}, format="json")
    assert response.status_code == 400
    assert response.json() == {"parameters": {"dealWinRateBase": ["0.6 is outside the guardrails [0.7, 0.8]."]}}
    assert ScenarioPreset.objects.get(slug="b2b").version == 1


def test_guardrails_that_are_not_an_object_are_reported_on_the_field(actors: Actors) -> None:
    response = actors.client("staff").patch("/api/scenarios/b2b/", {"guardrails": [1, 2]}, format="json")
    assert response.status_code == 400
    assert response.json()["guardrails"] == ["Must be an object mapping parameter paths to [min, max]."]


def test_built_in_presets_cannot_be_deleted_and_staff_made_ones_can(actors: Actors) -> None:
    client = actors.client("staff")
    refused = client.delete("/api/scenarios/b2b/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Built-in presets cannot be deleted."}
    assert ScenarioPreset.objects.filter(slug="b2b").exists()
    ScenarioPresetFactory(slug="temporary")
    assert client.delete("/api/scenarios/temporary/").status_code == 204
    assert not ScenarioPreset.objects.filter(slug="temporary").exists()
