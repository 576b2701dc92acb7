"""Property-based fuzzing of every operation in /api/schema/ with schemathesis, in-process over WSGI.

Each operation gets generated requests (valid and invalid per the schema) sent as user A with a token;
every response must be a non-5xx whose status, content type, headers and body match the schema.

Size: FUZZ_EXAMPLES per operation (default 12 keeps the suite's part well under a minute; ``make fuzz`` runs
200). Work stays small without excluding anything: CRMSIM_MAX_RECORDS is lowered to 2,000 for the run, so
previews and creates plan at most a few slots and anything bigger is the documented 400. Started
simulations never run (the suite's database transaction keeps the background runner's on_commit from
firing), so start/resume are fuzzed too. Throttle rates are raised so fuzzing measures the API, not the
throttle (the throttle has its own tests).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import create_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest
from tests.api.conftest import QUARTER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CASES_RUN: list[str] = []


# Generating the schema needs neither the database nor a user, so it is loaded once, at collection.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.generation.update(max_examples=EXAMPLES)


@pytest.fixture
def fuzz_token(db: None, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """User A with a token and a completed simulation (id likely small, so generated ids hit it)."""
    settings.CRMSIM_MAX_RECORDS = 2000
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "100000/min", "create": "100000/min"})
    owner = UserFactory(username="fuzzer")
    simulation = create_simulation(
        owner=owner, request=SimulationRequest(scenario="b2b", records=100, seed=1, **QUARTER)
    )
    run_in_process(start_simulation(simulation=simulation))
    # Like Django's test Client: a request must not close the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Token.objects.create(user=owner).key
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_operation_answers_a_5xx_or_breaks_its_schema(case: Any, fuzz_token: str) -> None:
    CASES_RUN.append(f"{case.method} {case.path}")
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"}, checks=CHECKS)


@pytest.fixture(scope="module", autouse=True)
def _report_case_count() -> Iterator[None]:
    yield
    # Distinct method/path pairs include schemathesis' probes with undocumented methods (expected 405).
    print(f"\nschemathesis: {len(CASES_RUN)} requests over {len(set(CASES_RUN))} method/path pairs")


CRAFTED = {
    "huge integer": "1" + "0" * 400,
    "1e400": "1e400",
    "NaN": "NaN",
    "deep nesting": "[" * 980 + "]" * 980,
    "NUL string": '"a\\u0000b"',
    "lone surrogate": '"\\ud800"',
    "string for a number": '"100"',
}
"""Values the generator does not think of (schemathesis stays inside valid JSON text and the schema's types)."""


def _body_operations() -> list[tuple[str, str, list[str]]]:
    """(method, path, top-level body properties) of every operation in the schema that takes a JSON body."""
    raw = schema.raw_schema
    found = []
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            body_schema = content.get("schema", {})
            if "$ref" in body_schema:
                body_schema = raw["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[-1]]
            found.append((method, path, sorted(body_schema.get("properties", {}))))
    return found


@pytest.mark.parametrize(("method", "path", "properties"), _body_operations())
def test_crafted_json_in_every_body_field_is_a_client_error_not_a_5xx(
    fuzz_token: str, method: str, path: str, properties: list[str]
) -> None:
    from django.test import Client

    from simulations.models import Simulation

    simulation = Simulation.objects.get()
    url = path.replace("{id}", str(simulation.pk)).replace("{slug}", "b2b")
    client = Client(HTTP_AUTHORIZATION=f"Token {fuzz_token}")
    bodies = [fragment for fragment in CRAFTED.values()]
    bodies += [f'{{"{name}": {fragment}}}' for name in properties for fragment in CRAFTED.values()]
    for body in bodies:
        response = getattr(client, method)(url, data=body.encode("utf-8"), content_type="application/json")
        assert response.status_code < 500, (method, url, body[:80], response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/json", (method, url, body[:80])
