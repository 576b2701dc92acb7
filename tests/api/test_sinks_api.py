"""Sinks over HTTP: create/list/retrieve/update/delete/test, write-only secrets, bad input, other users' sinks,
and attaching sinks to a simulation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulations.delivery.models import Sink, SlotDelivery
from simulations.delivery.secrets import decrypt_secret
from simulations.models import Simulation
from tests.api.conftest import BODY, Actors
from tests.simulations.delivery.conftest import SECRET

pytestmark = pytest.mark.django_db
HOOK = {"kind": "webhook", "name": "my hook", "url": "http://127.0.0.1:9/hooks", "secret": SECRET, "batchSize": 50}
TOKEN = "pat-na1-00000000-1111-2222-3333-444444444444"


@pytest.fixture(autouse=True)
def _private_allowed(settings: Any) -> None:
    settings.CRMSIM_ALLOW_PRIVATE_SINKS = True


def create(actors: Actors, who: str = "a", **changes: Any) -> Any:
    return actors.client(who).post("/api/sinks/", {**HOOK, **changes}, format="json")


def test_a_webhook_sink_is_created_with_its_secret_encrypted_and_never_returned(actors: Actors) -> None:
    response = create(actors)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "webhook" and body["batchSize"] == 50 and body["enabled"] is True
    assert "secret" not in body and SECRET not in json.dumps(body)
    assert body["secretHint"] == f"…{SECRET[-4:]}"
    sink = Sink.objects.get(pk=body["id"])
    assert SECRET not in sink.secret_encrypted and decrypt_secret(sink.secret_encrypted) == SECRET
    listed = actors.client("a").get("/api/sinks/").json()
    assert [s["id"] for s in listed] == [sink.pk] and SECRET not in json.dumps(listed)


def test_a_hubspot_sink_defaults_its_base_url_and_hides_its_token(actors: Actors, settings: Any) -> None:
    settings.CRMSIM_ALLOW_PRIVATE_SINKS = False
    response = actors.client("a").post(
        "/api/sinks/", {"kind": "hubspot", "name": "portal", "accessToken": TOKEN, "baseUrl": "https://8.8.8.8"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["url"] == "https://8.8.8.8" and TOKEN not in json.dumps(response.json())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x"}, "url"),
        ({"secret": "not-a-whsec"}, "secret"),
        ({"secret": "whsec_%%%"}, "secret"),
        ({"secret": "whsec_c2hvcnQ="}, "secret"),
        ({"batchSize": 0}, "batchSize"),
        ({"batchSize": 100_000}, "batchSize"),
        ({"kind": "carrier-pigeon"}, "kind"),
        ({"accessToken": TOKEN}, "accessToken"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_sink_input_is_a_400_with_the_field_and_nothing_is_saved(
    actors: Actors, changes: dict[str, Any], field: str
) -> None:
    response = create(actors, **changes)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Sink.objects.exists()


def test_private_and_loopback_targets_are_rejected_unless_allowed(actors: Actors, settings: Any) -> None:
    settings.CRMSIM_ALLOW_PRIVATE_SINKS = False
    for url in ("http://127.0.0.1:8000/x", "http://localhost/x", "http://10.1.2.3/x", "http://169.254.169.254/x",
                "http://[::1]/x"):  # fmt: skip
        response = create(actors, url=url)
        assert response.status_code == 400, url
        assert "private or loopback" in response.json()["url"][0]
    assert not Sink.objects.exists()


def test_another_users_sink_is_a_404_for_every_action(actors: Actors) -> None:
    sink_id = create(actors, "a").json()["id"]
    other = actors.client("b")
    assert other.get(f"/api/sinks/{sink_id}/").status_code == 404
    assert other.patch(f"/api/sinks/{sink_id}/", {"name": "x"}, format="json").status_code == 404
    assert other.post(f"/api/sinks/{sink_id}/test/").status_code == 404
    assert other.delete(f"/api/sinks/{sink_id}/").status_code == 404
    assert Sink.objects.get(pk=sink_id).name == "my hook"


def test_update_replaces_the_secret_and_re_enables(actors: Actors) -> None:
    sink_id = create(actors).json()["id"]
    Sink.objects.filter(pk=sink_id).update(enabled=False, disabled_reason="HTTP 410")
    new_secret = "whsec_" + "A" * 40
    response = actors.client("a").patch(
        f"/api/sinks/{sink_id}/", {"secret": new_secret, "enabled": True}, format="json"
    )
    assert response.status_code == 200, response.content
    sink = Sink.objects.get(pk=sink_id)
    assert decrypt_secret(sink.secret_encrypted) == new_secret and sink.enabled and sink.disabled_reason == ""


def test_a_simulation_is_created_with_sinks_and_gets_a_watermark_per_slot_and_sink(actors: Actors) -> None:
    sink_id = create(actors).json()["id"]
    response = actors.client("a").post(
        "/api/simulations/", {**BODY, "records": 2500, "sinks": [sink_id]}, format="json"
    )
    assert response.status_code == 201, response.content
    simulation = Simulation.objects.get(pk=response.json()["id"])
    assert SlotDelivery.objects.filter(simulation=simulation, sink_id=sink_id).count() == simulation.slots.count()
    assert SECRET not in json.dumps(simulation.parameters) + json.dumps(response.json())
    progress = actors.client("a").get(f"/api/simulations/{simulation.pk}/progress/").json()
    assert progress["sinks"][0]["sink"] == sink_id and progress["sinks"][0]["delivered"] == 0


@pytest.mark.parametrize("sinks", [[999_999], "other", ["x"], [0]])
def test_unknown_or_foreign_sink_ids_are_a_400_and_no_simulation_is_saved(actors: Actors, sinks: Any) -> None:
    foreign = create(actors, "b").json()["id"]
    value = [foreign] if sinks == "other" else sinks
    response = actors.client("a").post("/api/simulations/", {**BODY, "sinks": value}, format="json")
    assert response.status_code == 400, response.content
    assert "sinks" in response.json()
    assert not Simulation.objects.exists()


def test_the_sink_test_reports_an_unreachable_receiver(actors: Actors) -> None:
    sink_id = create(actors).json()["id"]
    response = actors.client("a").post(f"/api/sinks/{sink_id}/test/")
    assert response.status_code == 200
    assert response.json()["outcome"] == "retry" and response.json()["status"] is None
