"""Totals on every list (``count`` on each page, with the filters) and one deal's page: its buying committee,
stage history and engagements, against the rows in the database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache

from crm.models import Activity, Company, Contact, Deal, DealContact, DealStageEvent
from simulations.lifecycle.control import start_simulation
from simulations.materialize.slot import materialize_slot
from simulations.models import Simulation, Slot
from tests.api.conftest import Actors

pytestmark = pytest.mark.django_db


def test_every_page_of_a_list_carries_the_filtered_total(actors: Actors, completed_simulation: Simulation) -> None:
    client, pk = actors.client("a"), completed_simulation.pk
    contacts = Contact.objects.filter(simulation=completed_simulation)
    first = client.get(f"/api/simulations/{pk}/contacts/?pageSize=25").json()
    assert first["count"] == contacts.count() > 25
    second = client.get(first["next"]).json()
    assert second["count"] == first["count"]
    stage = contacts.order_by("key").first().lifecycle_stage  # type: ignore[union-attr]
    filtered = client.get(f"/api/simulations/{pk}/contacts/?lifecycleStage={stage}&pageSize=5").json()
    assert filtered["count"] == contacts.filter(lifecycle_stage=stage).count()
    owner = Deal.objects.filter(simulation=completed_simulation).order_by("key").first().owner_key  # type: ignore[union-attr]
    deals = client.get(f"/api/simulations/{pk}/deals/?ownerKey={owner}").json()
    assert deals["count"] == Deal.objects.filter(simulation=completed_simulation, owner_key=owner).count() > 0
    assert client.get("/api/simulations/?pageSize=1").json()["count"] == 1
    # Unfiltered totals come from the processed counts: they must be the tables' own counts.
    for kind, model in (("companies", Company), ("contacts", Contact), ("deals", Deal), ("activities", Activity)):
        total = client.get(f"/api/simulations/{pk}/{kind}/?pageSize=1").json()["count"]
        assert total == model.objects.filter(simulation=completed_simulation).count() > 0, kind


def test_a_partly_written_simulations_unfiltered_total_is_what_its_tables_hold(
    actors: Actors, make_simulation: Callable[..., Simulation]
) -> None:
    simulation = start_simulation(simulation=make_simulation(actors.a, seed=9, records=6000))
    slots = list(Slot.objects.filter(simulation=simulation).order_by("index"))
    assert len(slots) > 2
    materialize_slot(slot_id=slots[1].pk)  # one slot written, the rest not yet
    client = actors.client("a")
    for kind, model in (("companies", Company), ("contacts", Contact), ("deals", Deal), ("activities", Activity)):
        total = client.get(f"/api/simulations/{simulation.pk}/{kind}/").json()["count"]
        assert total == model.objects.filter(simulation=simulation).count(), kind
    written = client.get(f"/api/simulations/{simulation.pk}/contacts/").json()["count"]
    assert 0 < written < simulation.planned["contacts"]


def test_a_running_simulations_totals_are_counted_afresh_and_a_completed_ones_kept(
    actors: Actors, make_simulation: Callable[..., Simulation], completed_simulation: Simulation
) -> None:
    client = actors.client("a")
    planned = make_simulation(actors.a, seed=3)
    assert client.get(f"/api/simulations/{planned.pk}/contacts/").json()["count"] == 0
    cache.clear()
    url = f"/api/simulations/{completed_simulation.pk}/activities/?type=note"
    counted = client.get(url).json()["count"]
    Activity.objects.filter(simulation=completed_simulation, type="note").order_by("key").first().delete()  # type: ignore[union-attr]
    assert client.get(url).json()["count"] == counted, "a completed simulation's count is kept"
    assert (
        client.get(url + "&contactKey=0").json()["count"]
        == Activity.objects.filter(simulation=completed_simulation, type="note", contact_key=0).count()
    ), "other filters are counted on their own"


def test_a_deal_page_has_its_committee_primary_first_its_stages_and_its_engagements(
    actors: Actors, completed_simulation: Simulation
) -> None:
    client, sim = actors.client("a"), completed_simulation
    # The deal with the largest committee, so roles and the primary are really exercised.
    sizes: dict[int, int] = {}
    for deal_key in DealContact.objects.filter(simulation=sim).values_list("deal_key", flat=True):
        sizes[deal_key] = sizes.get(deal_key, 0) + 1
    key = max(sizes, key=lambda k: (sizes[k], -k))
    deal = Deal.objects.get(simulation=sim, key=key)
    body = client.get(f"/api/simulations/{sim.pk}/deals/{key}/").json()
    assert body["deal"]["key"] == key and body["deal"]["name"] == deal.name
    members = DealContact.objects.filter(simulation=sim, deal_key=key)
    assert len(body["committee"]) == members.count() == sizes[key]
    assert body["committee"][0]["isPrimary"] is True and body["committee"][0]["contactKey"] == deal.contact_key
    assert [m["isPrimary"] for m in body["committee"]].count(True) == 1
    for member in body["committee"]:
        contact = Contact.objects.get(simulation=sim, key=member["contactKey"])
        row = members.get(contact_key=member["contactKey"])
        assert (member["role"], member["firstName"], member["email"]) == (row.role, contact.first_name, contact.email)
    stages = DealStageEvent.objects.filter(simulation=sim, deal_key=key).order_by("occurred_at", "seq")
    assert [s["toStage"] for s in body["stages"]] == [s.to_stage for s in stages]
    assert body["stages"][0]["fromStage"] is None
    engagements = Activity.objects.filter(simulation=sim, deal_key=key).order_by("occurred_at", "key")
    assert [a["key"] for a in body["engagements"]] == [a.key for a in engagements]
    assert client.get(f"/api/simulations/{sim.pk}/deals/999999999/").status_code == 404
    assert actors.client("b").get(f"/api/simulations/{sim.pk}/deals/{key}/").status_code == 404
