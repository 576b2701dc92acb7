"""Bad input answers 400 with the paths of the offending inputs, and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from scenarios.models import ScenarioPreset
from simulations.models import Simulation, Slot
from tests.api.conftest import BODY, Actors

pytestmark = pytest.mark.django_db


def _body(**changes: Any) -> dict[str, Any]:
    body = {**BODY, **changes}
    return {k: v for k, v in body.items() if v is not ...}


CREATE_CASES = [
    ("wrong type for records", _body(records="many"), {"records"}),
    ("records zero", _body(records=0), {"records"}),
    ("records negative", _body(records=-5), {"records"}),
    ("records above the limit", _body(records=2_000_001), {"records"}),
    ("records missing", _body(records=...), {"records"}),
    ("wrong type for overrides", _body(overrides=[1, 2]), {"overrides"}),
    ("wrong type for seed", _body(seed="abc"), {"seed"}),
    ("seed too large", _body(seed=2**63), {"seed"}),
    ("wrong type for autoStart", _body(autoStart="perhaps"), {"autoStart"}),
    ("start not a date", _body(start="yesterday"), {"start"}),
    ("start a number", _body(start=20260101), {"start"}),
    ("end before start", _body(start="2026-03-01", end="2026-02-01"), {"end"}),
    ("end equal to start", _body(start="2026-03-01", end="2026-03-01T00:00:00Z"), {"end"}),
    ("window too long", _body(start="2020-01-01", end="2031-01-01"), {"end"}),
    ("unknown scenario", _body(scenario="b2z"), {"scenario"}),
    ("unknown distribution", _body(distribution="zigzag"), {"distribution"}),
    ("unknown distribution parameter", _body(distributionParams={"wobble": 1}), {"distributionParams.wobble"}),
    (
        "distribution parameter out of range",
        _body(distribution="front_loaded", distributionParams={"rate": 500}),
        {"distributionParams.rate"},
    ),
    (
        "too many custom weights",
        _body(distribution="custom", distributionParams={"weights": [1.0] * 1001}),
        {"distributionParams.weights"},
    ),
    ("override outside guardrails", _body(overrides={"dealWinRateBase": 0.9}), {"overrides.dealWinRateBase"}),
    ("unknown override", _body(overrides={"dealWinRate": 0.6}), {"overrides.dealWinRate"}),
    ("override of the wrong type", _body(overrides={"dealAmount.mu": "ten"}), {"overrides.dealAmount.mu"}),
    ("unknown pace", _body(pace="ludicrous"), {"pace"}),
    ("time scale zero", _body(timeScale=0), {"timeScale"}),
    ("unknown fields", _body(speed=3, colour="red"), {"speed", "colour"}),
    (
        "several problems at once",
        _body(overrides={"dealWinRateBase": 0.9}, end="2025-01-01", records=3_000_000),
        {"overrides.dealWinRateBase", "end", "records"},
    ),
]


@pytest.mark.parametrize(("body", "paths"), [pytest.param(b, p, id=name) for name, b, p in CREATE_CASES])
def test_a_bad_create_body_names_the_offending_paths_and_stores_nothing(
    actors: Actors, body: dict[str, Any], paths: set[str]
) -> None:
    before = Simulation.objects.count(), Slot.objects.count()
    response = actors.client("a").post("/api/simulations/", body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert set(errors) == paths
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert (Simulation.objects.count(), Slot.objects.count()) == before


def test_the_guardrail_message_states_the_allowed_range(actors: Actors) -> None:
    response = actors.client("a").post("/api/simulations/", _body(overrides={"dealWinRateBase": 0.9}), format="json")
    assert response.json() == {"overrides.dealWinRateBase": ["0.9 is outside the guardrails [0.55, 0.65]."]}


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        pytest.param('{"scenario": "b2b", ', "application/json", id="truncated JSON"),
        pytest.param("{'scenario': 'b2b'}", "application/json", id="single quotes"),
        pytest.param('{"records": NaN}', "application/json", id="NaN"),
    ],
)
def test_malformed_json_is_a_400_and_stores_nothing(actors: Actors, payload: str, content_type: str) -> None:
    before = Simulation.objects.count()
    response = actors.client("a").post("/api/simulations/", payload, content_type=content_type)
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert "JSON parse error" in response.json()["non_field_errors"][0]
    assert Simulation.objects.count() == before


@pytest.mark.parametrize("payload", ["[]", '"b2b"', "42", "null"])
def test_a_body_that_is_not_an_object_is_a_400(actors: Actors, payload: str) -> None:
    response = actors.client("a").post("/api/simulations/", payload, content_type="application/json")
    assert response.status_code == 400
    assert Simulation.objects.count() == 0


def test_a_form_encoded_body_is_refused_as_unsupported(actors: Actors) -> None:
    response = actors.client("a").post("/api/simulations/", {"scenario": "b2b"})
    assert response.status_code == 415
    assert Simulation.objects.count() == 0


@override_settings(CRMSIM_MAX_RUNNING_PER_USER=2)
def test_the_running_limit_is_a_400_with_the_reason_and_counts_only_active_simulations(actors: Actors) -> None:
    client = actors.client("a")
    first = client.post("/api/simulations/", BODY, format="json").json()
    assert client.post("/api/simulations/", BODY, format="json").status_code == 201
    response = client.post("/api/simulations/", BODY, format="json")
    assert response.status_code == 400
    assert "limit is 2" in response.json()["non_field_errors"][0]
    assert Simulation.objects.filter(owner=actors.a).count() == 2
    assert client.post(f"/api/simulations/{first['id']}/cancel/").status_code == 200
    assert client.post("/api/simulations/", BODY, format="json").status_code == 201
    assert actors.client("b").post("/api/simulations/", BODY, format="json").status_code == 201


PREVIEW_CASES = [
    ("records zero", {"records": 0}, {"records"}),
    ("end before start", {"end": "2025-01-01"}, {"end"}),
    ("override outside guardrails", {"overrides": {"dealAmount.mu": 30}}, {"overrides.dealAmount.mu"}),
    ("scenario is taken from the URL", {"scenario": "b2c"}, {"scenario"}),
]


@pytest.mark.parametrize(("changes", "paths"), [pytest.param(c, p, id=name) for name, c, p in PREVIEW_CASES])
def test_a_bad_preview_body_names_the_offending_paths(actors: Actors, changes: dict[str, Any], paths: set[str]) -> None:
    body = {**{k: v for k, v in BODY.items() if k != "scenario"}, **changes}
    response = actors.client("a").post("/api/scenarios/b2b/preview/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == paths


def test_a_preview_of_an_unknown_scenario_is_a_404(actors: Actors) -> None:
    body = {k: v for k, v in BODY.items() if k != "scenario"}
    assert actors.client("a").post("/api/scenarios/nope/preview/", body, format="json").status_code == 404


PROFILE_CASES = [
    ("unknown key", {"colour": "red"}, {"colour"}),
    ("records not positive", {"records": 0}, {"records"}),
    ("bad pace", {"pace": "warp"}, {"pace"}),
    ("bad start", {"start": "soon"}, {"start"}),
    ("override outside hard limits", {"overrides": {"dealWinRateBase": 2}}, {"overrides.dealWinRateBase"}),
    ("unknown override", {"overrides": {"nope": 1}}, {"overrides.nope"}),
]


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize(("body", "paths"), [pytest.param(b, p, id=name) for name, b, p in PROFILE_CASES])
def test_a_bad_profile_names_the_offending_paths_and_keeps_the_old_one(
    actors: Actors, method: str, body: dict[str, Any], paths: set[str]
) -> None:
    actors.a.simulation_profile = {"scenario": "b2b"}
    actors.a.save()
    response = getattr(actors.client("a"), method)("/api/profile/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == paths
    actors.a.refresh_from_db()
    assert actors.a.simulation_profile == {"scenario": "b2b"}


@pytest.mark.parametrize(
    ("query", "paths"),
    [
        ("lifecycleStage=whale", {"lifecycleStage"}),
        ("createdAfter=tomorrow", {"createdAfter"}),
        ("companyKey=abc", {"companyKey"}),
    ],
)
def test_a_bad_record_filter_is_a_400_naming_the_filter(
    actors: Actors, make_simulation: Any, query: str, paths: set[str]
) -> None:
    simulation = make_simulation(actors.a)
    response = actors.client("a").get(f"/api/simulations/{simulation.pk}/contacts/?{query}")
    assert response.status_code == 400
    assert set(response.json()) == paths


def test_a_bad_preset_names_each_parameter_path_and_stores_nothing(actors: Actors) -> None:
    b2b = ScenarioPreset.objects.get(slug="b2b")
    parameters = {**b2b.parameters, "dealAmount": {**b2b.parameters["dealAmount"], "mu": 25}, "surprise": 1}
    body = {"slug": "broken", "name": "Broken", "parameters": parameters, "guardrails": b2b.guardrails}
    response = actors.client("staff").post("/api/scenarios/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["parameters"]
    assert errors["dealAmount.mu"] == ["25 is outside the allowed range [0, 20]."]
    assert errors["surprise"] == ["Unknown parameter."]
    assert not ScenarioPreset.objects.filter(slug="broken").exists()
