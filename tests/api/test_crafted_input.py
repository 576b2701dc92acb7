"""Crafted bodies an attacker (or a buggy client) sends: each is a 400 (413 for a body too large) in the API's JSON
error shape, with the offending path, never a 500, and nothing is stored."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from crmsim.parsers import MAX_DEPTH, json_problems
from scenarios.models import ScenarioPreset
from simulations.models import Simulation, Slot
from tests.api.conftest import BODY, Actors

pytestmark = pytest.mark.django_db

HUGE = "1" + "0" * 400
"""An integer literal beyond 1e308: Python reads it as an int that overflows the first float() it meets."""


def _raw(body: dict[str, Any], **replace: str) -> str:
    """``body`` as JSON text, with ``"@name@"`` placeholders swapped for raw JSON fragments."""
    text = json.dumps(body)
    for name, fragment in replace.items():
        text = text.replace(f'"@{name}@"', fragment)
    return text


def _post(client: APIClient, path: str, text: str, method: str = "post") -> Any:
    return getattr(client, method)(path, data=text.encode("utf-8", "surrogatepass"), content_type="application/json")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


CREATE = "/api/simulations/"
PREVIEW = "/api/scenarios/b2b/preview/"
PREVIEW_BODY = {k: v for k, v in BODY.items() if k != "scenario"}

CASES = [
    # (id, who, method, path, raw body, expected status, expected error path)
    (
        "huge int in overrides",
        "a",
        "post",
        CREATE,
        _raw({**BODY, "overrides": {"dealAmount.mu": "@x@"}}, x=HUGE),
        400,
        "overrides.dealAmount.mu",
    ),
    ("huge int as records", "a", "post", CREATE, _raw({**BODY, "records": "@x@"}, x=HUGE), 400, "records"),
    (
        "1e400 in distribution params",
        "a",
        "post",
        CREATE,
        _raw({**BODY, "distribution": "front_loaded", "distributionParams": {"rate": "@x@"}}, x="1e400"),
        400,
        "distributionParams.rate",
    ),
    (
        "huge int in custom weights",
        "a",
        "post",
        PREVIEW,
        _raw({**PREVIEW_BODY, "distribution": "custom", "distributionParams": {"weights": [1, "@x@"]}}, x=HUGE),
        400,
        "distributionParams.weights.1",
    ),
    (
        "NaN literal",
        "a",
        "post",
        CREATE,
        _raw({**BODY, "overrides": {"dealAmount.mu": "@x@"}}, x="NaN"),
        400,
        "non_field_errors",
    ),
    (
        "huge int in the profile",
        "a",
        "patch",
        "/api/profile/",
        _raw({"overrides": {"dealWinRateBase": "@x@"}}, x=HUGE),
        400,
        "overrides.dealWinRateBase",
    ),
    ("NUL in a profile string", "a", "patch", "/api/profile/", json.dumps({"scenario": "b2b\u0000"}), 400, "scenario"),
    (
        "lone surrogate in a profile string",
        "a",
        "patch",
        "/api/profile/",
        '{"distribution": "lin\\ud800"}',
        400,
        "distribution",
    ),
    ("NUL in a key", "a", "patch", "/api/profile/", '{"overrides": {"deal\\u0000": 1}}', 400, "overrides"),
    (
        "nested too deep on create",
        "a",
        "post",
        CREATE,
        _raw({**BODY, "overrides": "@x@"}, x=_nested(MAX_DEPTH + 5)),
        400,
        "overrides" + ".0" * (MAX_DEPTH - 1),
    ),
    (
        "nested ~980 deep on the anonymous token endpoint",
        "anon",
        "post",
        "/api/auth/token/",
        _nested(980),
        400,
        "non_field_errors",
    ),
    (
        "nested past the interpreter's stack",
        "anon",
        "post",
        "/api/auth/token/",
        _nested(100_000),
        400,
        "non_field_errors",
    ),
    (
        "huge int in preset JSON",
        "staff",
        "post",
        "/api/scenarios/",
        _raw({"slug": "x", "name": "X", "parameters": {"dealWinRateBase": "@x@"}}, x=HUGE),
        400,
        "parameters.dealWinRateBase",
    ),
    ("records as a string", "a", "post", CREATE, json.dumps({**BODY, "records": "100"}), 400, "records"),
    ("autoStart as a string", "a", "post", CREATE, json.dumps({**BODY, "autoStart": "yes"}), 400, "autoStart"),
    (
        "timeScale as a string",
        "a",
        "post",
        CREATE,
        json.dumps({**BODY, "pace": "live", "timeScale": "60"}),
        400,
        "timeScale",
    ),
    ("seed as a float string", "a", "post", PREVIEW, json.dumps({**PREVIEW_BODY, "seed": "7"}), 400, "seed"),
    (
        "dates in Arabic-Indic digits",
        "a",
        "post",
        CREATE,
        json.dumps({**BODY, "start": "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661"}),
        400,
        "start",
    ),
    ("scenario as a number", "a", "post", CREATE, json.dumps({**BODY, "scenario": 5}), 400, "scenario"),
]


@pytest.mark.parametrize(
    ("who", "method", "path", "text", "status", "error_path"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_a_crafted_body_is_a_client_error_naming_its_path_and_stores_nothing(
    actors: Actors, who: str, method: str, path: str, text: str, status: int, error_path: str
) -> None:
    before = Simulation.objects.count(), Slot.objects.count(), ScenarioPreset.objects.count()
    profile_before = actors.a.simulation_profile
    response = _post(actors.client(who), path, text, method)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    errors = response.json()
    assert error_path in errors, errors
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert (Simulation.objects.count(), Slot.objects.count(), ScenarioPreset.objects.count()) == before
    actors.a.refresh_from_db()
    assert actors.a.simulation_profile == profile_before


def test_a_body_over_the_upload_limit_is_413_in_the_json_error_shape(actors: Actors, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    text = json.dumps({**BODY, "overrides": {"padding": "x" * 2000}})
    response = _post(actors.client("a"), CREATE, text)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1024 bytes."}
    assert Simulation.objects.count() == 0


def test_a_cursor_whose_position_is_not_a_moment_is_a_400(actors: Actors, completed_simulation: Simulation) -> None:
    simulation = completed_simulation
    cursor = base64.b64encode(urlencode({"p": "not-a-date"}).encode()).decode()
    response = actors.client("a").get(f"/api/simulations/{simulation.pk}/contacts/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"cursor"}


def test_json_problems_walks_iteratively_and_reports_every_path() -> None:
    document = {"a": [1, 2**63, 1.5], "b": {"c\x00": 1, "d": "ok\ud800"}, "e": float("inf"), "f": 2**63 - 1}
    problems = dict(json_problems(document))
    assert set(problems) == {"a.1", "b", "b.d", "e"}
    deep: Any = []
    for _ in range(50_000):
        deep = [deep]
    assert list(json_problems(deep)) == [("0" + ".0" * (MAX_DEPTH - 1), f"Nested more than {MAX_DEPTH} levels deep.")]


PROFILE_CASES = [
    ("an 18-digit records", {"records": int("9" * 18)}, "records"),
    ("records above the limit", {"records": 2_000_001}, "records"),
    ("time scale 1e-9", {"timeScale": 1e-9}, "timeScale"),
    ("a 200 KB params blob", {"distributionParams": {"weights": [1.0] * 40_000}}, "simulation_profile"),
    ("too many distribution params", {"distributionParams": {f"p{i}": 1 for i in range(17)}}, "distributionParams"),
    ("a list of strings as weights", {"distributionParams": {"weights": ["1"] * 3}}, "distributionParams"),
    ("a very long scenario", {"scenario": "b" * 101}, "scenario"),
    ("a start in Arabic-Indic digits", {"start": "\u0662\u0660\u0662\u0666-01-01"}, "start"),
]


@pytest.mark.parametrize(("profile", "path"), [pytest.param(p, e, id=name) for name, p, e in PROFILE_CASES])
def test_the_profile_is_bounded_in_every_value_and_in_size(actors: Actors, profile: dict[str, Any], path: str) -> None:
    response = actors.client("a").put("/api/profile/", profile, format="json")
    assert response.status_code == 400, response.content
    assert path in response.json(), response.json()
    actors.a.refresh_from_db()
    assert actors.a.simulation_profile == {}


def test_a_live_time_scale_below_the_minimum_is_refused_before_anything_is_stored(actors: Actors) -> None:
    response = actors.client("a").post(CREATE, {**BODY, "pace": "live", "timeScale": 1e-9}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"timeScale"}
    assert Simulation.objects.count() == 0
