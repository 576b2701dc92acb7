"""Simulations over HTTP: preview, create, control, progress, report, delete and the profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.utils.encoders import JSONEncoder

from crm.models import Contact
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.lifecycle.control import start_simulation
from simulations.lifecycle.requests import SimulationRequest, validate_request
from simulations.models import Simulation, Slot
from simulations.reads.progress import processed_counts
from tests.api.conftest import BODY, QUARTER, Actors

pytestmark = pytest.mark.django_db
CAMEL = {"lifecycle_events": "lifecycleEvents", "deal_stage_events": "dealStageEvents"}


def _camel(counts: dict[str, int]) -> dict[str, int]:
    return {CAMEL.get(k, k): v for k, v in counts.items()}


def test_a_preview_matches_the_engine_and_stores_nothing(actors: Actors) -> None:
    body = {k: v for k, v in BODY.items() if k != "scenario"} | {"overrides": {"dealWinRateBase": 0.62}}
    response = actors.client("a").post("/api/scenarios/b2b/preview/", body, format="json")
    assert response.status_code == 200
    got = response.json()
    request = SimulationRequest(scenario="b2b", records=200, seed=7, overrides={"dealWinRateBase": 0.62}, **QUARTER)
    expected = engine.preview(validate_request(request).inputs)
    assert got["planned"] == _camel(expected["planned"])
    assert got["arrivals"] == expected["arrivals"]
    assert got["deals"] == expected["deals"]
    assert got["parameters"]["dealWinRateBase"] == 0.62
    assert got["seed"] == 7
    assert Simulation.objects.count() == 0


def test_a_preview_without_a_seed_reports_the_one_it_drew(actors: Actors) -> None:
    body = {k: v for k, v in BODY.items() if k not in ("scenario", "seed")}
    got = actors.client("a").post("/api/scenarios/b2b/preview/", body, format="json").json()
    assert 0 <= got["seed"] < 2**63


def test_create_snapshots_and_plans_and_the_detail_shows_planned_and_processed(actors: Actors) -> None:
    body = {**BODY, "start": "2026-01-01T00:00:00+02:00", "distribution": "bell_curve", "pace": "live"}
    response = actors.client("a").post("/api/simulations/", body | {"timeScale": 1440}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    simulation = Simulation.objects.get(pk=created["id"])
    assert simulation.owner == actors.a
    assert created["status"] == "scheduled"
    assert created["start"] == "2025-12-31T22:00:00Z"
    assert created["end"] == "2026-04-01T00:00:00Z"
    assert created["distribution"] == "bell_curve"
    assert created["distributionParams"] == simulation.distribution_params
    assert created["timeScale"] == 1440.0
    assert created["planned"] == _camel(simulation.planned)
    assert created["processed"] == dict.fromkeys(created["planned"], 0)
    assert created["percent"] == 0.0
    detail = actors.client("a").get(f"/api/simulations/{simulation.pk}/").json()
    assert detail == created


def test_auto_start_starts_the_simulation(actors: Actors) -> None:
    response = actors.client("a").post("/api/simulations/", {**BODY, "autoStart": True}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "running"
    assert response.json()["startedAt"].endswith("Z")


def test_control_actions_follow_the_state_machine_and_conflicts_are_409_with_the_reason(
    actors: Actors, make_simulation: Callable[..., Simulation]
) -> None:
    client = actors.client("a")
    pk = make_simulation(actors.a).pk

    def post(action: str) -> Any:
        return client.post(f"/api/simulations/{pk}/{action}/")

    conflict = post("pause")
    assert conflict.status_code == 409
    assert conflict.json() == {"detail": "Cannot pause a simulation that is scheduled."}
    assert post("start").json()["status"] == "running"
    assert post("start").status_code == 409
    assert post("pause").json()["status"] == "paused"
    assert post("resume").json()["status"] == "running"
    assert client.delete(f"/api/simulations/{pk}/").status_code == 409
    assert post("cancel").json()["status"] == "cancelled"
    assert post("resume").status_code == 409
    assert client.delete(f"/api/simulations/{pk}/").status_code == 204
    assert not Simulation.objects.filter(pk=pk).exists()


def test_progress_counts_up_while_slots_are_written(actors: Actors, make_simulation: Callable[..., Simulation]) -> None:
    from simulations.materialize.slot import materialize_slot

    simulation = start_simulation(simulation=make_simulation(actors.a, records=2500))
    url = f"/api/simulations/{simulation.pk}/progress/"
    first = actors.client("a").get(url).json()
    assert first["status"] == "running"
    assert first["processed"] == dict.fromkeys(first["planned"], 0)
    slot = Slot.objects.filter(simulation=simulation).order_by("index").first()
    assert slot is not None
    materialize_slot(slot_id=slot.pk)
    second = actors.client("a").get(url).json()
    assert second["processed"] == _camel(processed_counts(simulation))
    assert 0 < second["percent"] < 100
    assert second["processed"]["contacts"] == slot.planned["contacts"]


def test_a_completed_simulation_reports_everything_processed(actors: Actors, completed_simulation: Simulation) -> None:
    body = actors.client("a").get(f"/api/simulations/{completed_simulation.pk}/progress/").json()
    assert body["status"] == "completed"
    assert body["percent"] == 100.0
    assert body["processed"] == body["planned"] == _camel(completed_simulation.planned)
    assert body["finishedAt"].endswith("Z")
    assert set(body["planned"]) == {CAMEL.get(t, t) for t in RECORD_TYPES}


def test_the_report_is_the_calibration_report(actors: Actors, completed_simulation: Simulation) -> None:
    from simulations.reads.report import calibration_report

    response = actors.client("a").get(f"/api/simulations/{completed_simulation.pk}/report/")
    assert response.status_code == 200
    expected = json.loads(json.dumps(calibration_report(completed_simulation), cls=JSONEncoder))
    assert response.json() == expected


def test_deleting_a_simulation_removes_its_rows(actors: Actors, completed_simulation: Simulation) -> None:
    assert Contact.objects.filter(simulation=completed_simulation).exists()
    assert actors.client("a").delete(f"/api/simulations/{completed_simulation.pk}/").status_code == 204
    assert not Contact.objects.filter(simulation_id=completed_simulation.pk).exists()


def test_the_simulation_list_is_cursor_paginated_newest_first(
    actors: Actors, make_simulation: Callable[..., Simulation]
) -> None:
    made = [make_simulation(actors.a).pk for _ in range(3)]
    client = actors.client("a")
    page = client.get("/api/simulations/?pageSize=2").json()
    assert [item["id"] for item in page["results"]] == made[::-1][:2]
    rest = client.get(page["next"]).json()
    assert [item["id"] for item in rest["results"]] == made[:1]


def test_put_replaces_the_profile_and_patch_merges_top_level_keys(actors: Actors) -> None:
    client = actors.client("a")
    profile = {"scenario": "b2b", "overrides": {"dealWinRateBase": 0.6}, "records": 500, "pace": "live"}
    assert client.put("/api/profile/", profile, format="json").json() == profile
    merged = client.patch("/api/profile/", {"overrides": {"dealAmount.mu": 11}, "muted": True}, format="json")
    assert merged.status_code == 200
    assert merged.json() == {**profile, "overrides": {"dealAmount.mu": 11}, "muted": True}
    actors.a.refresh_from_db()
    assert actors.a.simulation_profile == merged.json()
    assert client.put("/api/profile/", {}, format="json").json() == {}
