"""GET /api/vocabulary/: the one vocabulary, with the labels the web UI shows and this deployment's limits."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from crm.models import Activity, Contact, Deal
from crmsim.vocabulary import MAX_SEED, MAX_TIME_SCALE, MIN_TIME_SCALE
from simulations.models import Simulation
from tests.api.conftest import Actors

pytestmark = pytest.mark.django_db  # the autouse throttle reset clears the cache, a table on SQLite


def test_it_serves_stages_types_paces_and_limits_with_labels(actors: Actors, settings: Any) -> None:
    settings.CRMSIM_MAX_RECORDS = 1234
    settings.CRMSIM_MAX_WINDOW_DAYS = 99
    response = actors.client("a").get("/api/vocabulary/")
    assert response.status_code == 200
    body = response.json()
    assert body["lifecycleStages"] == [
        {"value": "subscriber", "label": "Subscriber"},
        {"value": "lead", "label": "Lead"},
        {"value": "marketingqualifiedlead", "label": "MQL"},
        {"value": "salesqualifiedlead", "label": "SQL"},
        {"value": "opportunity", "label": "Opportunity"},
        {"value": "customer", "label": "Customer"},
        {"value": "evangelist", "label": "Evangelist"},
        {"value": "other", "label": "Other"},
    ]
    assert body["dealStages"][0] == {"value": "appointmentscheduled", "label": "Appointment scheduled"}
    assert [s["value"] for s in body["dealStages"]][-2:] == ["closedwon", "closedlost"]
    assert [t["value"] for t in body["recordTypes"]] == [
        "owners",
        "companies",
        "contacts",
        "deals",
        "dealContacts",
        "activities",
        "lifecycleEvents",
        "dealStageEvents",
    ]
    assert body["recordTypes"][6]["label"] == "Lifecycle events"
    assert body["leadStatuses"][0] == {"value": "NEW", "label": "New"}
    assert {"ORGANIC_SEARCH", "PAID_SOCIAL", "OFFLINE"} <= {t["value"] for t in body["sources"]}
    assert [t["value"] for t in body["pipelines"]] == ["default", "consumer"]
    assert [t["value"] for t in body["dealTypes"]] == ["newbusiness", "existingbusiness"]
    assert "decision_maker" in {t["value"] for t in body["committeeRoles"]}
    assert body["activityTypes"][0] == {"value": "note", "label": "Note"}
    assert body["paces"] == [{"value": "backfill", "label": "Backfill"}, {"value": "live", "label": "Live"}]
    assert body["limits"] == {
        "maxSeed": "9223372036854775807",
        "maxRecords": 1234,
        "maxWindowDays": 99,
        "minTimeScale": MIN_TIME_SCALE,
        "maxTimeScale": MAX_TIME_SCALE,
    }
    assert int(body["limits"]["maxSeed"]) == MAX_SEED == 2**63 - 1


def test_its_values_are_the_ones_models_accept() -> None:
    body_values = {
        "lifecycle": [c[0] for c in Contact._meta.get_field("lifecycle_stage").choices or []],
        "deal": [c[0] for c in Deal._meta.get_field("dealstage").choices or []],
        "activity": [c[0] for c in Activity._meta.get_field("type").choices or []],
    }
    assert body_values["lifecycle"][0] == "subscriber" and body_values["lifecycle"][-1] == "other"
    assert body_values["deal"][-1] == "closedlost"
    assert body_values["activity"] == ["note", "task", "call", "email", "meeting"]
    assert list(Simulation.Pace.values) == ["backfill", "live"]


def test_it_needs_credentials(db: None) -> None:
    response = APIClient().get("/api/vocabulary/")
    assert response.status_code == 401


def test_it_is_in_the_openapi_schema() -> None:
    schema = APIClient().get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/vocabulary/"]["get"]
    assert set(operation["responses"]) == {"200", "401", "403"}
    assert operation["operationId"] == "vocabulary_retrieve"
