"""Simulations over HTTP: preview, create, control, progress, report, delete and the profile."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from crm.models import Contact
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.drivers.in_process import run_in_process
from simulations.drivers.runner import run_round
from simulations.lifecycle.control import start_simulation
from simulations.lifecycle.requests import SimulationRequest, engine_inputs, validate_request
from simulations.lifecycle.results import store_results
from simulations.models import Simulation, Slot
from simulations.reads.progress import processed_counts
from tests.api.conftest import BODY, QUARTER, Actors

pytestmark = pytest.mark.django_db
PREVIEW_BODY = {k: v for k, v in BODY.items() if k != "scenario"}
CAMEL = {"lifecycle_events": "lifecycleEvents", "deal_stage_events": "dealStageEvents", "deal_contacts": "dealContacts"}


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


def test_a_preview_beyond_the_exact_size_says_it_is_estimated_and_over_how_many_leads(actors: Actors) -> None:
    small = actors.client("a").post("/api/scenarios/b2b/preview/", {**PREVIEW_BODY}, format="json").json()
    assert small["estimated"] is False
    assert small["sampledLeads"] == small["leads"] == 150
    body = PREVIEW_BODY | {"records": 300_000}  # 225,000 leads at b2b's 0.75 leads per record
    got = actors.client("a").post("/api/scenarios/b2b/preview/", body, format="json").json()
    assert got["leads"] == 225_000 > engine.PREVIEW_EXACT_LEADS
    assert got["estimated"] is True
    inputs = validate_request(SimulationRequest(scenario="b2b", records=300_000, seed=7, **QUARTER)).inputs
    assert got["sampledLeads"] == engine.lead_count(engine.preview_inputs(inputs)) <= engine.PREVIEW_EXACT_LEADS
    assert sum(got["arrivals"]["counts"]) == got["planned"]["contacts"] == 225_000


def test_a_preview_is_answered_from_the_cache_for_the_same_inputs(actors: Actors) -> None:
    client = actors.client("a")
    first = client.post("/api/scenarios/b2b/preview/", PREVIEW_BODY, format="json").json()
    assert client.post("/api/scenarios/b2b/preview/", PREVIEW_BODY, format="json").json() == first
    request = SimulationRequest(scenario="b2b", records=200, seed=7, **QUARTER)
    inputs = validate_request(request).inputs
    key = "preview:v2:" + hashlib.sha256(f"{engine.ENGINE_VERSION}|{inputs!r}".encode()).hexdigest()
    cached = cache.get(key)
    assert cached is not None and cached["planned"] == engine.preview(inputs)["planned"]
    # The answer comes from the cache, not from the engine: a planted entry is served.
    cache.set(key, cached | {"leads": 123_456})
    assert client.post("/api/scenarios/b2b/preview/", PREVIEW_BODY, format="json").json()["leads"] == 123_456
    other = client.post("/api/scenarios/b2b/preview/", PREVIEW_BODY | {"seed": 8}, format="json").json()
    assert other["leads"] == 150 and other["seed"] == 8


def test_a_preview_without_a_seed_reports_the_one_it_drew(actors: Actors) -> None:
    body = {k: v for k, v in BODY.items() if k not in ("scenario", "seed")}
    got = actors.client("a").post("/api/scenarios/b2b/preview/", body, format="json").json()
    assert 0 <= got["seed"] < 2**63


def test_create_returns_at_once_planning_with_no_slots_then_the_runner_plans_it(actors: Actors) -> None:
    body = {**BODY, "start": "2026-01-01T00:00:00+02:00", "distribution": "bell_curve", "pace": "live"}
    response = actors.client("a").post("/api/simulations/", body | {"timeScale": 1440}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    simulation = Simulation.objects.get(pk=created["id"])
    assert simulation.owner == actors.a
    # The engine did not run in the request: no slot, no planned count.
    assert created["status"] == "planning"
    assert not Slot.objects.filter(simulation=simulation).exists()
    assert simulation.planned == {}
    assert created["planned"] == dict.fromkeys(created["planned"], 0)
    assert created["percent"] == 0.0
    assert created["start"] == "2025-12-31T22:00:00Z"
    assert created["end"] == "2026-04-01T00:00:00Z"
    assert created["distribution"] == "bell_curve"
    assert created["distributionParams"] == simulation.distribution_params
    assert created["timeScale"] == 1440.0
    progress = actors.client("a").get(f"/api/simulations/{simulation.pk}/progress/").json()
    assert (progress["status"], progress["percent"]) == ("planning", 0.0)
    assert actors.client("a").get(f"/api/simulations/{simulation.pk}/").json() == created

    assert run_round().planned == 1  # what the embedded runner (or the Celery task) does next
    simulation.refresh_from_db()
    expected = engine.count_plan(engine_inputs(simulation))
    assert simulation.planned == {t: int(expected.totals[t]) for t in RECORD_TYPES}
    assert Slot.objects.filter(simulation=simulation).count() == len(expected.first_event_at)
    detail = actors.client("a").get(f"/api/simulations/{simulation.pk}/").json()
    assert detail["status"] == "scheduled"
    assert detail["planned"] == _camel(simulation.planned)
    assert detail["processed"] == dict.fromkeys(detail["planned"], 0)
    assert detail["percent"] == 0.0


def test_auto_start_is_stored_and_the_simulation_starts_once_planned(actors: Actors) -> None:
    response = actors.client("a").post("/api/simulations/", {**BODY, "autoStart": True}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "planning"
    assert response.json()["startedAt"] is None
    assert Simulation.objects.get(pk=response.json()["id"]).auto_start is True
    run_round()
    detail = actors.client("a").get(f"/api/simulations/{response.json()['id']}/").json()
    assert detail["status"] in ("running", "completed")  # the same pass may already have written its slots
    assert detail["startedAt"].endswith("Z")


def test_a_planning_simulation_can_be_cancelled_or_deleted_but_not_started_paused_or_resumed(actors: Actors) -> None:
    client = actors.client("a")
    first = client.post("/api/simulations/", BODY, format="json").json()["id"]
    for action in ("start", "pause", "resume"):
        conflict = client.post(f"/api/simulations/{first}/{action}/")
        assert conflict.status_code == 409
        assert conflict.json() == {"detail": f"Cannot {action} a simulation that is planning."}
    assert client.post(f"/api/simulations/{first}/cancel/").json()["status"] == "cancelled"
    second = client.post("/api/simulations/", BODY, format="json").json()["id"]
    assert client.delete(f"/api/simulations/{second}/").status_code == 204
    assert run_round().planned == 0  # nothing left to plan: cancelled and deleted ones are never planned
    assert Simulation.objects.get(pk=first).status == Simulation.Status.CANCELLED
    assert not Slot.objects.exists()


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


def test_polled_progress_is_read_from_the_cache_until_a_slot_commits_and_then_sees_that_slot(
    actors: Actors,
    make_simulation: Callable[..., Simulation],
    django_assert_max_num_queries: Callable[..., Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from simulations.materialize.slot import materialize_slot
    from simulations.reads.progress import polled_progress, progress

    simulation = start_simulation(simulation=make_simulation(actors.a, records=2500))
    slots = list(Slot.objects.filter(simulation=simulation).order_by("index"))
    with django_capture_on_commit_callbacks(execute=True):
        materialize_slot(slot_id=slots[0].pk)  # its commit stamps the progress
    now = timezone.now()
    assert polled_progress(simulation, now) == progress(simulation, now)  # computed, and cached under the stamp
    with django_assert_max_num_queries(1):  # the stamp and the cached part, in one cache read
        again = polled_progress(simulation, now)
    assert again == progress(simulation, now)
    with django_capture_on_commit_callbacks(execute=True):
        materialize_slot(slot_id=slots[1].pk)
    after = polled_progress(simulation)
    assert after["processed"] == processed_counts(simulation) != again["processed"]
    assert after["simulatedTime"] == progress(simulation)["simulatedTime"]


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


def test_the_report_is_read_from_the_stored_one_not_computed_in_the_request(
    actors: Actors, completed_simulation: Simulation
) -> None:
    marked = completed_simulation.report | {"scenario": "stored-copy"}  # type: ignore[operator]
    Simulation.objects.filter(pk=completed_simulation.pk).update(report=marked)
    response = actors.client("a").get(f"/api/simulations/{completed_simulation.pk}/report/")
    assert response.status_code == 200
    assert response.json() == marked


def test_a_report_still_being_computed_answers_202_and_owes_one_computation(
    actors: Actors, completed_simulation: Simulation, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """With a broker the request sends the task (after commit) once, however often it is polled."""
    settings.CRMSIM_EMBEDDED = False
    Simulation.objects.filter(pk=completed_simulation.pk).update(report=None, digest="")
    url = f"/api/simulations/{completed_simulation.pk}/report/"
    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = actors.client("a").get(url)
        again = actors.client("a").get(url)
    assert first.status_code == again.status_code == 202
    assert first.json() == {"detail": "The report is being computed; retry shortly."}
    assert int(first["Retry-After"]) > 0
    assert len(sent) == 1, "one computation owed, not one per poll"
    assert store_results(simulation_id=completed_simulation.pk)
    response = actors.client("a").get(url)
    assert response.status_code == 200
    assert response.json()["digest"] == engine.engine_digest(engine_inputs(completed_simulation))


def test_the_report_of_a_simulation_that_has_not_completed_is_a_409_with_the_reason(
    actors: Actors, make_simulation: Callable[..., Simulation]
) -> None:
    simulation = start_simulation(simulation=make_simulation(actors.a))
    response = actors.client("a").get(f"/api/simulations/{simulation.pk}/report/")
    assert response.status_code == 409
    assert response.json() == {"detail": "The report is computed once the simulation has completed; it is running."}


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


@pytest.mark.django_db(transaction=True)
def test_in_embedded_mode_a_report_owed_is_computed_off_the_request_and_then_served(
    builtin_presets: None, actors: Actors, make_simulation: Callable[..., Simulation], settings: Any
) -> None:
    settings.CRMSIM_EMBEDDED = True
    simulation = run_in_process(start_simulation(simulation=make_simulation(actors.a)))
    Simulation.objects.filter(pk=simulation.pk).update(report=None, digest="")
    url = f"/api/simulations/{simulation.pk}/report/"
    assert actors.client("a").get(url).status_code == 202
    deadline = time.monotonic() + 60
    while Simulation.objects.get(pk=simulation.pk).report is None:
        assert time.monotonic() < deadline, "the owed report was never stored"
        time.sleep(0.1)
    response = actors.client("a").get(url)
    assert response.status_code == 200
    assert response.json()["digest"] == engine.engine_digest(engine_inputs(simulation))
