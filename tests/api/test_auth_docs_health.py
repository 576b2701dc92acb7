"""Tokens, throttles, the OpenAPI schema and its offline docs page, and /healthz."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from crmsim import api as crmsim_api
from tests.api.conftest import BODY, Actors

pytestmark = pytest.mark.django_db


def test_a_token_is_exchanged_for_credentials_and_authenticates_requests(actors: Actors) -> None:
    client = APIClient()
    body = {"username": "alice", "password": "correct horse battery staple"}
    response = client.post("/api/auth/token/", body, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.post("/api/auth/token/", body, format="json").json() == response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/profile/").status_code == 200


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"username": "alice", "password": "wrong"}, {"non_field_errors"}),
        ({"username": "alice"}, {"password"}),
        ({"username": "alice", "password": "x", "otp": 1}, {"otp"}),
    ],
)
def test_bad_credentials_are_a_400(actors: Actors, body: dict[str, Any], paths: set[str]) -> None:
    response = APIClient().post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == paths


def test_a_bad_token_is_a_401(actors: Actors) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/simulations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF copies the rates into the class at import time, so settings overrides do not reach it.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min", "create": "2/min"})


def test_the_token_endpoint_is_throttled(actors: Actors, low_rates: None) -> None:
    client = APIClient()
    codes = [
        client.post("/api/auth/token/", {"username": "x", "password": "y"}, format="json").status_code for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_creating_is_throttled_but_reading_is_not(actors: Actors, low_rates: None) -> None:
    client = actors.client("a")
    codes = [client.post("/api/simulations/", BODY, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert all(client.get("/api/simulations/").status_code == 200 for _ in range(5))
    preview = {k: v for k, v in BODY.items() if k != "scenario"}
    assert client.post("/api/scenarios/b2b/preview/", preview, format="json").status_code == 429


def test_the_schema_documents_every_api_route_and_its_error_responses() -> None:
    schema = APIClient().get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {
        "/api/auth/token/",
        "/api/scenarios/",
        "/api/scenarios/{slug}/",
        "/api/scenarios/{slug}/preview/",
        "/api/distributions/",
        "/api/profile/",
        "/api/simulations/",
        "/api/simulations/{id}/",
        "/api/simulations/{id}/start/",
        "/api/simulations/{id}/pause/",
        "/api/simulations/{id}/resume/",
        "/api/simulations/{id}/cancel/",
        "/api/simulations/{id}/progress/",
        "/api/simulations/{id}/report/",
        "/api/simulations/{id}/export/",
        "/api/simulations/{id}/companies/",
        "/api/simulations/{id}/contacts/",
        "/api/simulations/{id}/contacts/{key}/timeline/",
        "/api/simulations/{id}/deals/",
        "/api/simulations/{id}/activities/",
        "/healthz",
    } <= set(paths)
    assert set(paths["/api/simulations/"]["post"]["responses"]) == {"201", "400", "401", "403", "429"}
    assert set(paths["/api/simulations/{id}/start/"]["post"]["responses"]) == {"200", "401", "403", "404", "409"}
    assert {"companyKey", "lifecycleStage", "createdAfter", "createdBefore", "cursor", "pageSize"} <= {
        p["name"] for p in paths["/api/simulations/{id}/contacts/"]["get"]["parameters"]
    }
    export = paths["/api/simulations/{id}/export/"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/x-ndjson"}


def test_the_docs_page_serves_swagger_ui_from_this_server_not_a_cdn() -> None:
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page


def test_healthz_is_ok_with_a_database_and_no_broker(settings: Any, actors: Actors) -> None:
    settings.CELERY_BROKER_URL = None
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    staff = actors.client("staff").get("/healthz")
    assert staff.json() == {"status": "ok", "database": "ok", "broker": "not configured"}


def test_healthz_is_503_when_the_broker_does_not_answer(settings: Any, actors: Actors) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = APIClient().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}
    body = actors.client("staff").get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_healthz_checks_a_real_broker_when_one_is_configured(settings: Any) -> None:
    import os

    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    settings.CELERY_BROKER_URL = url
    assert crmsim_api.health_report()["broker"] == "ok", f"no broker answering at {url}"
