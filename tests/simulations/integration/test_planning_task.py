"""Distributed mode: a simulation created over the API is planned by the ``simulations.plan_simulation`` task on a
real worker (queue ``plan``), then runs to completion through the dispatcher with the engine's digest."""

from __future__ import annotations

import json

import pytest

from tests.simulations.integration.conftest import Cluster, Services

pytestmark = pytest.mark.integration

BODY = {"scenario": "b2b", "start": "2026-01-01", "end": "2026-04-01", "records": 8000, "seed": 11, "autoStart": True}


def _create_over_the_api(services: Services, body: dict) -> dict:
    """POST /api/simulations/ through the real view stack in a manage.py subprocess (it sends the task)."""
    code = (
        "import json; from rest_framework.test import APIClient; from simulations.models import User\n"
        "user, _ = User.objects.get_or_create(username='planner')\n"
        "client = APIClient(); client.force_authenticate(user)\n"
        f"response = client.post('/api/simulations/', {body!r}, format='json')\n"
        "print(json.dumps({'code': response.status_code, **response.json()}))\n"
    )
    return json.loads(services.shell(code).strip().splitlines()[-1])


def test_a_created_simulation_is_planned_by_a_worker_and_completes_with_the_engine_digest(
    services: Services, cluster: Cluster
) -> None:
    cluster.start_worker(2)
    created = _create_over_the_api(services, BODY)
    assert created["code"] == 201, created
    assert created["status"] == "planning"
    assert created["percent"] == 0.0
    summary = services.summary(created["id"], timeout=180)
    assert summary["status"] == "completed"
    assert summary["processed"] == summary["planned"]
    assert sum(summary["planned"].values()) > 0
    assert services.db.row_counts(created["id"]) == summary["planned"]
    assert summary["digest"] == services.db.expected_digest(created["id"])
    assert "simulations.plan_simulation" in cluster.log("worker")


def test_without_auto_start_the_worker_leaves_it_scheduled(services: Services, cluster: Cluster) -> None:
    cluster.start_worker(1)
    created = _create_over_the_api(services, {**BODY, "autoStart": False, "seed": 12})
    assert created["status"] == "planning"
    services.db.wait_for("planning", lambda: services.db.status(created["id"]) != "planning", timeout=60)
    assert services.db.status(created["id"]) == "scheduled"
    in_slots = services.db.value(
        "SELECT SUM((planned->>'contacts')::int) FROM simulations_slot WHERE simulation_id = %s", created["id"]
    )
    planned = services.db.value("SELECT (planned->>'contacts')::int FROM simulations_simulation WHERE id = %s",
                                created["id"])  # fmt: skip
    assert in_slots == planned > 0
