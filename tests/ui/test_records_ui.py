"""Owners and engine 2's properties in the record browser: owners by name with an owner filter, lead status and
source filters, a deal page with its buying committee and engagements, and the total on every list; every number
on screen against the API's."""

from __future__ import annotations

import re
from typing import Any

import pytest

from crm.models import Contact, DealContact
from simulations.models import User
from tests.ui.signin import log_in
from tests.ui.simulations import completed_simulation
from tests.ui.test_browser import NARROW, open_page, shot

pytestmark = pytest.mark.browser


def test_owner_lead_status_and_source_filters_deal_pages_and_totals_match_the_api(
    browser: Any, live_server: Any, ui_user: User
) -> None:
    simulation = completed_simulation(ui_user, records=400)
    base, pk = live_server.url, simulation.pk
    session = open_page(browser)
    page, traffic = session.page, session.traffic
    log_in(page, base, ui_user)
    api = f"{base}/api/simulations/{pk}"
    owners = page.request.get(f"{api}/owners/").json()
    name_of = {o["key"]: f"{o['firstName']} {o['lastName']}" for o in owners}
    words = page.request.get(f"{base}/api/vocabulary/").json()
    label_of = {t["value"]: t["label"] for group in ("leadStatuses", "sources") for t in words[group]}

    # Every list says its total, the API's count.
    for kind in ("companies", "contacts", "deals", "activities"):
        page.goto(f"{base}/#/simulations/{pk}/{kind}")
        page.wait_for_selector("#records-table tbody tr")
        count = page.request.get(f"{api}/{kind}/").json()["count"]
        shown = page.locator("#records-table tbody tr").count()
        assert page.locator("#records-total").inner_text().startswith(f"{shown} shown of {count:,} "), kind

    # Contacts by owner, lead status and source: the filters are the vocabulary's, the rows the API's.
    sample = Contact.objects.filter(simulation=simulation).exclude(lead_status="").order_by("key").first()
    assert sample is not None
    page.goto(f"{base}/#/simulations/{pk}/contacts")
    page.wait_for_selector("#records-table tbody tr")
    owner_select = page.get_by_label("Owner", exact=True)
    assert owner_select.locator("option").count() == len(owners) + 1  # and "Any"
    owner_select.select_option(str(sample.owner_key))
    page.get_by_label("Lead status").select_option(sample.lead_status)
    page.get_by_label("Original source").select_option(sample.source)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"ownerKey=.*"))
    query = f"ownerKey={sample.owner_key}&leadStatus={sample.lead_status}&source={sample.source}&pageSize=50"
    expected = page.request.get(f"{api}/contacts/?{query}").json()
    page.wait_for_selector(f"#records-table tbody tr[data-key='{expected['results'][0]['key']}']")
    rows = page.locator("#records-table tbody tr")
    assert [r.get_attribute("data-key") for r in rows.all()] == [str(c["key"]) for c in expected["results"]]
    assert {c.inner_text() for c in page.locator("td[data-label=Owner]").all()} == {name_of[sample.owner_key]}
    statuses = {c.inner_text() for c in page.locator("td[data-label='Lead status']").all()}
    assert statuses == {label_of[sample.lead_status]}
    assert {c.inner_text() for c in page.locator("td[data-label=Source]").all()} == {label_of[sample.source]}
    assert f"of {expected['count']:,} matching contacts" in page.locator("#records-total").inner_text()
    shot(page, "records-contacts-filtered")

    # A deal page: the deal with the largest buying committee, reached from the deals list.
    sizes: dict[int, int] = {}
    for deal_key in DealContact.objects.filter(simulation=simulation).values_list("deal_key", flat=True):
        sizes[deal_key] = sizes.get(deal_key, 0) + 1
    key = max(sizes, key=lambda k: (sizes[k], -k))
    assert sizes[key] >= 2, "a B2B run has committees of several contacts"
    deal = page.request.get(f"{api}/deals/{key}/").json()
    page.goto(f"{base}/#/simulations/{pk}/deals?ownerKey={deal['deal']['ownerKey']}&pageSize=100")
    page.wait_for_selector("#records-table tbody tr")
    link = page.locator(f"#records-table tr[data-key='{key}'] a", has_text=deal["deal"]["name"])
    assert page.request.get(f"{api}/deals/?ownerKey={deal['deal']['ownerKey']}").json()["count"] <= 100
    link.click()
    page.wait_for_url(re.compile(rf"#/simulations/{pk}/deals/{key}$"))
    page.wait_for_selector("#committee-table")
    assert page.locator("h1").inner_text() == deal["deal"]["name"]
    assert page.locator("[data-fact=owner]").inner_text() == name_of[deal["deal"]["ownerKey"]]
    members = page.locator("#committee-table tbody tr")
    assert [m.get_attribute("data-contact") for m in members.all()] == [str(m["contactKey"]) for m in deal["committee"]]
    roles = {t["value"]: t["label"] for t in words["committeeRoles"]}
    assert [m.locator("td[data-label=Role]").inner_text() for m in members.all()] == [
        roles[m["role"]] for m in deal["committee"]
    ]
    assert members.first.get_attribute("data-primary") == "true"
    assert members.first.locator(".primary-badge").count() == 1
    assert page.locator(".primary-badge").count() == 1
    assert page.locator("#committee-title").inner_text() == f"Buying committee ({len(deal['committee'])})"
    assert page.locator("#deal-stages > li").count() == len(deal["stages"])
    assert page.locator("#engagements-title").inner_text() == f"Engagements ({len(deal['engagements'])})"
    assert page.locator("#engagements-table tbody tr").count() == len(deal["engagements"])
    shot(page, "records-deal-page")

    # From the committee to a member's timeline, and back to the deal from its stage changes.
    member = deal["committee"][-1]
    members.last.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"#/simulations/{pk}/contacts/{member['contactKey']}/timeline$"))
    page.wait_for_selector("#timeline")
    back = page.locator("#timeline a", has_text=deal["deal"]["name"]).first
    back.click()
    page.wait_for_url(re.compile(rf"#/simulations/{pk}/deals/{key}$"))
    page.wait_for_selector("#committee-table")

    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    shot(page, "records-deal-page-narrow", full_page=False)
    assert traffic.failures() == []
    assert session.js_errors == []
    session.context.close()
