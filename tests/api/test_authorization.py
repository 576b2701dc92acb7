"""Who may do what: anonymous, user A (the owner), user B and staff against every endpoint and method.

Objects of another user are 404, never 403, so their ids do not leak; staff-only writes are 403; no
credentials are 401. After B's attempt A's simulation is exactly as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from crm.models import Contact
from scenarios.builtin import B2B
from simulations.lifecycle.control import pause_simulation, start_simulation
from simulations.models import Simulation
from tests.api.conftest import BODY, Actors
from tests.factories import ScenarioPresetFactory

pytestmark = pytest.mark.django_db

PREVIEW = {k: v for k, v in BODY.items() if k != "scenario"}
NEW_PRESET = {
    "slug": "matrix-preset",
    "name": "Matrix",
    "parameters": copy.deepcopy(B2B["parameters"]),
    "guardrails": copy.deepcopy(B2B["guardrails"]),
}


@dataclass(frozen=True)
class Row:
    """One endpoint and method; ``expect`` gives the status for anon, a, b and staff, in that order."""

    method: str
    url: str
    expect: tuple[int, int, int, int]
    body: Any = None
    target: str = ""
    """Which of A's simulations the URL's {sim} names: done, scheduled, running or paused."""

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}" + (f" [{self.target}]" if self.target else "")


OK, NO, GONE = 200, 403, 404
TABLE = [
    Row("get", "/api/scenarios/", (401, OK, OK, OK)),
    Row("get", "/api/scenarios/b2b/", (401, OK, OK, OK)),
    Row("post", "/api/scenarios/", (401, NO, NO, 201), NEW_PRESET),
    Row("put", "/api/scenarios/{preset}/", (401, NO, NO, OK), {k: v for k, v in NEW_PRESET.items() if k != "slug"}),
    Row("patch", "/api/scenarios/{preset}/", (401, NO, NO, OK), {"name": "Renamed"}),
    Row("delete", "/api/scenarios/{preset}/", (401, NO, NO, 204)),
    Row("post", "/api/scenarios/b2b/preview/", (401, OK, OK, OK), PREVIEW),
    Row("get", "/api/distributions/", (401, OK, OK, OK)),
    Row("get", "/api/profile/", (401, OK, OK, OK)),
    Row("put", "/api/profile/", (401, OK, OK, OK), {"scenario": "b2c", "records": 10}),
    Row("patch", "/api/profile/", (401, OK, OK, OK), {"muted": True}),
    Row("get", "/api/simulations/", (401, OK, OK, OK)),
    Row("post", "/api/simulations/", (401, 201, 201, 201), BODY),
    Row("get", "/api/simulations/{sim}/", (401, OK, GONE, OK), target="done"),
    Row("delete", "/api/simulations/{sim}/", (401, 204, GONE, 204), target="done"),
    Row("post", "/api/simulations/{sim}/start/", (401, OK, GONE, OK), target="scheduled"),
    Row("post", "/api/simulations/{sim}/pause/", (401, OK, GONE, OK), target="running"),
    Row("post", "/api/simulations/{sim}/resume/", (401, OK, GONE, OK), target="paused"),
    Row("post", "/api/simulations/{sim}/cancel/", (401, OK, GONE, OK), target="running"),
    Row("get", "/api/simulations/{sim}/progress/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/charts/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/report/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/export/?type=contacts&format=csv", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/export/?type=deals&format=ndjson", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/companies/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/contacts/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/contacts/{key}/timeline/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/deals/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/simulations/{sim}/activities/", (401, OK, GONE, OK), target="done"),
    Row("get", "/api/schema/", (OK, OK, OK, OK)),
    Row("get", "/api/docs/", (OK, OK, OK, OK)),
    Row("get", "/healthz", (OK, OK, OK, OK)),
]
ACTORS = ("anon", "a", "b", "staff")
CASES = [
    pytest.param(row, who, row.expect[i], id=f"{row.id} as {who}") for row in TABLE for i, who in enumerate(ACTORS)
]


def _simulation(
    target: str, actors: Actors, make: Callable[..., Simulation], done: Callable[[], Simulation]
) -> Simulation:
    if target == "done":
        return done()
    simulation = make(actors.a)
    if target in ("running", "paused"):
        simulation = start_simulation(simulation=simulation)
    if target == "paused":
        simulation = pause_simulation(simulation=simulation)
    return simulation


def _snapshot(simulation: Simulation) -> tuple[Any, ...]:
    row = Simulation.objects.filter(pk=simulation.pk).values_list("status", "started_at", "finished_at").first()
    return row, Contact.objects.filter(simulation=simulation).count()


@pytest.mark.parametrize(("row", "who", "expected"), CASES)
def test_authorization_matrix(
    row: Row,
    who: str,
    expected: int,
    actors: Actors,
    make_simulation: Callable[..., Simulation],
    request: pytest.FixtureRequest,
) -> None:
    url = row.url.replace("{preset}", ScenarioPresetFactory(slug="staff-made").slug)
    simulation = None
    if row.target:
        simulation = _simulation(
            row.target, actors, make_simulation, lambda: request.getfixturevalue("completed_simulation")
        )
        url = url.replace("{sim}", str(simulation.pk))
        if "{key}" in url:
            key = Contact.objects.filter(simulation=simulation).values_list("key", flat=True).first()
            url = url.replace("{key}", str(key))
    before = _snapshot(simulation) if simulation else None

    response = getattr(actors.client(who), row.method)(url, row.body, format="json")

    assert response.status_code == expected, response.content[:500]
    if simulation is not None and expected in (401, 404):
        assert _snapshot(simulation) == before, "a refused request changed the simulation"
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token"


def test_a_user_lists_only_their_own_simulations_and_staff_see_all(
    actors: Actors, make_simulation: Callable[..., Simulation]
) -> None:
    mine, theirs = make_simulation(actors.a), make_simulation(actors.b)
    ids = {
        who: {item["id"] for item in actors.client(who).get("/api/simulations/").json()["results"]}
        for who in ("a", "b", "staff")
    }
    assert ids == {"a": {mine.pk}, "b": {theirs.pk}, "staff": {mine.pk, theirs.pk}}


def test_the_profile_endpoint_only_ever_touches_the_requesters_own_profile(actors: Actors) -> None:
    actors.a.simulation_profile = {"scenario": "b2b"}
    actors.a.save()
    response = actors.client("b").put("/api/profile/", {"scenario": "b2c"}, format="json")
    assert response.status_code == 200
    actors.a.refresh_from_db()
    assert actors.a.simulation_profile == {"scenario": "b2b"}
    assert actors.client("a").get("/api/profile/").json() == {"scenario": "b2b"}


def test_a_session_without_a_csrf_token_cannot_write(actors: Actors) -> None:
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(actors.a)
    assert client.get("/api/profile/").status_code == 200
    response = client.patch("/api/profile/", {"muted": True}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
