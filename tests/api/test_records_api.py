"""A simulation's CRM rows over HTTP: cursor pages, filters, one contact's timeline, the streaming export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from crm.models import Activity, Company, Contact, Deal, DealContact, DealStageEvent, LifecycleEvent
from simulations.models import Simulation
from simulations.reads.export import EXPORT_COLUMNS, export_rows
from tests.api.conftest import Actors

pytestmark = pytest.mark.django_db


def _all_pages(client: APIClient, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        page = client.get(next_url)
        assert page.status_code == 200, page.content
        items.extend(page.json()["results"])
        next_url = page.json()["next"]
    return items


@pytest.mark.parametrize(
    ("kind", "model", "time_field"),
    [
        ("companies", Company, "created_at"),
        ("contacts", Contact, "created_at"),
        ("deals", Deal, "created_at"),
        ("activities", Activity, "occurred_at"),
    ],
)
def test_paging_through_a_list_yields_every_row_once_in_time_then_key_order(
    actors: Actors, completed_simulation: Simulation, kind: str, model: Any, time_field: str
) -> None:
    items = _all_pages(actors.client("a"), f"/api/simulations/{completed_simulation.pk}/{kind}/?pageSize=7")
    expected = list(
        model.objects.filter(simulation=completed_simulation).order_by(time_field, "key").values_list("key", flat=True)
    )
    assert [item["key"] for item in items] == expected
    assert len(expected) == completed_simulation.planned[kind]


def test_a_deal_speaks_camel_case_with_a_decimal_amount_and_utc_times(
    actors: Actors, completed_simulation: Simulation
) -> None:
    deal = Deal.objects.filter(simulation=completed_simulation, is_won=True).order_by("created_at", "key").first()
    assert deal is not None and deal.closed_at is not None
    body = actors.client("a").get(f"/api/simulations/{completed_simulation.pk}/deals/?isWon=true&pageSize=1").json()
    assert body["results"][0] == {
        "key": deal.key,
        "contactKey": deal.contact_key,
        "companyKey": deal.company_key,
        "ownerKey": deal.owner_key,
        "name": deal.name,
        "pipeline": "default",
        "amount": f"{deal.amount:.2f}",
        "dealstage": "closedwon",
        "dealType": deal.deal_type,
        "probability": 1.0,
        "closeDate": deal.closed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lostReason": "",
        "isWon": True,
        "createdAt": deal.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "closedAt": deal.closed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_records_filter_by_owner_lead_status_source_pipeline_and_type(
    actors: Actors, completed_simulation: Simulation
) -> None:
    client, pk = actors.client("a"), completed_simulation.pk
    contact = Contact.objects.filter(simulation=completed_simulation).exclude(lead_status="").order_by("key").first()
    assert contact is not None
    cases = [
        ("contacts", f"ownerKey={contact.owner_key}", Contact.objects.filter(owner_key=contact.owner_key)),
        ("contacts", f"leadStatus={contact.lead_status}", Contact.objects.filter(lead_status=contact.lead_status)),
        ("contacts", f"source={contact.source}", Contact.objects.filter(source=contact.source)),
        ("deals", "pipeline=default", Deal.objects.filter(pipeline="default")),
        ("deals", "dealType=newbusiness", Deal.objects.filter(deal_type="newbusiness")),
        ("deals", f"ownerKey={contact.owner_key}", Deal.objects.filter(owner_key=contact.owner_key)),
        ("activities", "type=meeting", Activity.objects.filter(type="meeting")),
        ("activities", f"ownerKey={contact.owner_key}", Activity.objects.filter(owner_key=contact.owner_key)),
    ]
    for kind, query, expected in cases:
        keys = set(expected.filter(simulation=completed_simulation).values_list("key", flat=True))
        assert keys, (kind, query)
        assert _keys(client, f"/api/simulations/{pk}/{kind}/?{query}&pageSize=500") == keys, (kind, query)
    assert client.get(f"/api/simulations/{pk}/contacts/?leadStatus=nope").status_code == 400


def test_owners_and_a_deals_committee_are_listed(actors: Actors, completed_simulation: Simulation) -> None:
    client, pk = actors.client("a"), completed_simulation.pk
    owners = client.get(f"/api/simulations/{pk}/owners/").json()
    assert [o["key"] for o in owners] == list(range(len(owners))) and len(owners) >= 4
    assert {"firstName", "lastName", "email", "team", "role", "timezone"} <= set(owners[0])
    deal = Deal.objects.filter(simulation=completed_simulation).order_by("key").first()
    assert deal is not None
    committee = client.get(f"/api/simulations/{pk}/deals/{deal.key}/contacts/").json()
    assert committee[0] == {"contactKey": deal.contact_key, "role": committee[0]["role"], "isPrimary": True}
    assert [m["isPrimary"] for m in committee].count(True) == 1
    assert client.get(f"/api/simulations/{pk}/deals/999999999/contacts/").status_code == 404


def _keys(client: APIClient, url: str) -> set[int]:
    return {item["key"] for item in _all_pages(client, url)}


def test_filters_select_exactly_the_matching_rows(actors: Actors, completed_simulation: Simulation) -> None:
    client, sim = actors.client("a"), completed_simulation
    base = f"/api/simulations/{sim.pk}"
    contacts = Contact.objects.filter(simulation=sim)
    deals = Deal.objects.filter(simulation=sim)
    activities = Activity.objects.filter(simulation=sim)
    some = contacts.order_by("key")[len(contacts) // 2]
    cut = dt.datetime(2026, 2, 15, tzinfo=dt.UTC)

    def keys(queryset: Any) -> set[int]:
        return set(queryset.values_list("key", flat=True))

    assert _keys(client, f"{base}/contacts/?lifecycleStage=lead") == keys(contacts.filter(lifecycle_stage="lead"))
    assert _keys(client, f"{base}/contacts/?companyKey={some.company_key}") == keys(
        contacts.filter(company_key=some.company_key)
    )
    window = "createdAfter=2026-02-01&createdBefore=2026-02-15T00:00:00Z"
    assert _keys(client, f"{base}/contacts/?{window}") == keys(
        contacts.filter(created_at__gte=dt.datetime(2026, 2, 1, tzinfo=dt.UTC), created_at__lt=cut)
    )
    assert _keys(client, f"{base}/companies/?createdBefore=2026-02-15") == keys(
        Company.objects.filter(simulation=sim, created_at__lt=cut)
    )
    for value, lookup in (("true", {"is_won": True}), ("false", {"is_won": False}), ("open", {"is_won": None})):
        expected = keys(deals.filter(**lookup))
        assert _keys(client, f"{base}/deals/?isWon={value}") == expected
        assert expected, f"the fixture has no {value} deals: the filter test would prove nothing"
    assert _keys(client, f"{base}/deals/?dealstage=closedlost&closedAfter=2026-02-15") == keys(
        deals.filter(dealstage="closedlost", closed_at__gte=cut)
    )
    assert _keys(client, f"{base}/activities/?type=call&contactKey={some.key}") == keys(
        activities.filter(type="call", contact_key=some.key)
    )
    assert _keys(client, f"{base}/activities/?occurredAfter=2026-03-01") == keys(
        activities.filter(occurred_at__gte=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    )


def test_a_contact_timeline_tells_its_story_in_time_order(actors: Actors, completed_simulation: Simulation) -> None:
    deal = Deal.objects.filter(simulation=completed_simulation, is_won=True).first()
    assert deal is not None
    key = deal.contact_key
    url = f"/api/simulations/{completed_simulation.pk}/contacts/{key}/timeline/"
    body = actors.client("a").get(url).json()
    assert body["contact"]["key"] == key
    items = body["items"]
    assert [item["at"] for item in items] == sorted(item["at"] for item in items)
    kinds = [item["kind"] for item in items]
    lifecycle = LifecycleEvent.objects.filter(simulation=completed_simulation, contact_key=key)
    assert kinds.count("lifecycle") == lifecycle.count()
    assert kinds.count("activity") == Activity.objects.filter(simulation=completed_simulation, contact_key=key).count()
    # Every deal the contact sits on (it opened this one; it may sit on another account deal's committee too).
    on = DealContact.objects.filter(simulation=completed_simulation, contact_key=key).values_list("deal_key")
    stages = DealStageEvent.objects.filter(simulation=completed_simulation, deal_key__in=on)
    assert kinds.count("dealStage") == stages.count()
    assert items[0] == {
        "at": items[0]["at"],
        "kind": "lifecycle",
        "fromStage": None,
        "toStage": lifecycle.get(seq=0).to_stage,
    }
    assert items[0]["toStage"] in ("subscriber", "lead")  # created as either (engine 4), never as other
    assert [i["toStage"] for i in items if i["kind"] == "dealStage" and i["dealKey"] == deal.key][-1] == "closedwon"
    assert [i["toStage"] for i in items if i["kind"] == "lifecycle"][-1] in ("customer", "evangelist")


def test_an_unknown_contact_is_a_404(actors: Actors, completed_simulation: Simulation) -> None:
    url = f"/api/simulations/{completed_simulation.pk}/contacts/999999/timeline/"
    assert actors.client("a").get(url).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
@pytest.mark.parametrize("record_type", list(EXPORT_COLUMNS))
def test_the_export_streams_the_cli_export_as_an_attachment(
    actors: Actors, completed_simulation: Simulation, record_type: str, fmt: str
) -> None:
    url = f"/api/simulations/{completed_simulation.pk}/export/?type={record_type}&format={fmt}"
    response = actors.client("a").get(url)
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert body == "".join(export_rows(completed_simulation, record_type, fmt))
    assert response["Content-Disposition"] == (
        f'attachment; filename="simulation-{completed_simulation.pk}-{record_type}.{fmt}"'
    )
    rows = list(csv.DictReader(io.StringIO(body))) if fmt == "csv" else [json.loads(line) for line in body.splitlines()]
    assert len(rows) == completed_simulation.planned[record_type]
    assert list(rows[0]) == list(EXPORT_COLUMNS[record_type])


def test_the_export_accepts_camel_case_type_names(actors: Actors, completed_simulation: Simulation) -> None:
    url = f"/api/simulations/{completed_simulation.pk}/export/?type=dealStageEvents&format=ndjson"
    response = actors.client("a").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"


@pytest.mark.parametrize(
    ("query", "paths"),
    [("type=leads&format=csv", {"type"}), ("type=contacts&format=xlsx", {"format"}), ("format=csv", {"type"})],
)
def test_a_bad_export_request_is_a_json_400(
    actors: Actors, completed_simulation: Simulation, query: str, paths: set[str]
) -> None:
    response = actors.client("a").get(f"/api/simulations/{completed_simulation.pk}/export/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == paths
