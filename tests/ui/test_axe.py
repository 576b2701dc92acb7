"""axe-core on every screen, desktop and phone: no serious or critical accessibility violations.

axe-core is vendored (templates/static/crmsim/vendor/axe-core/, version and licence in its README) and served by
the live server, never fetched from a CDN; each screen gets it injected once it has rendered, and the test fails
listing every serious or critical violation with the elements it found it on.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from crm.models import DealContact
from simulations.models import User
from simulations.wizard_profile import save_profile
from tests.ui.signin import log_in
from tests.ui.simulations import completed_simulation, planned_simulation
from tests.ui.test_browser import DESKTOP, NARROW, open_page

pytestmark = pytest.mark.browser

AXE_PATH = "/static/crmsim/vendor/axe-core/axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
BLOCKING = {"serious", "critical"}

RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def audit(page: Any, base: str, screen: str) -> list[str]:
    """axe's serious and critical violations on the page as it is now, as readable lines."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{base}{AXE_PATH}")
        page.wait_for_function("() => typeof window.axe !== 'undefined'")
    assert page.evaluate("() => axe.version") == AXE_VERSION
    found = page.evaluate(RUN_AXE)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    return [f"{screen}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in blocking]


def ready(page: Any, selector: str) -> None:
    page.wait_for_selector("html[data-ready=true]")
    page.wait_for_selector(selector)


def test_the_vendored_axe_is_the_pinned_release_and_served_locally(live_server: Any, ui_user: User) -> None:
    from django.test import Client

    body = b"".join(Client().get(AXE_PATH).streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(body).hexdigest() == AXE_SHA256
    assert body.startswith(f"/*! axe v{AXE_VERSION}".encode())


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "phone"])
def test_no_screen_has_serious_or_critical_axe_violations(
    browser: Any, live_server: Any, ui_user: User, viewport: dict[str, int]
) -> None:
    simulation = completed_simulation(ui_user, records=300)
    waiting = planned_simulation(ui_user, seed=5)
    pk = simulation.pk
    members = DealContact.objects.filter(simulation=simulation).order_by("deal_key")
    deal_key = members.values_list("deal_key", flat=True)[0]
    contact_key = DealContact.objects.get(simulation=simulation, deal_key=deal_key, is_primary=True).contact_key
    save_profile(
        user=ui_user,
        profile={"scenario": "b2b", "distribution": "custom", "distributionParams": {"weights": [1, 3, 2]},
                 "records": 300, "seed": 5, "start": "2026-01-01", "end": "2026-04-01", "pace": "backfill"},
    )  # fmt: skip
    base = live_server.url
    session = open_page(browser, viewport)
    page = session.page
    problems: list[str] = []

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(ui_user.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#login-error")
    problems += audit(page, base, "login with an error")
    log_in(page, base, ui_user)

    screens = [
        ("#/wizard/1", "#weight-0", "wizard 1 (custom weights)"),
        ("#/wizard/2", "[role=radio][aria-checked=true]", "wizard 2"),
        ("#/wizard/3", "#window-seed-hint", "wizard 3"),
        ("#/wizard/4", "#planned-table", "wizard 4"),
        ("#/wizard/5", "#confirm-summary", "wizard 5"),
        ("#/simulations", "#simulations-table", "simulations"),
        (f"#/simulations/{pk}", "#calibration-table", "dashboard, completed"),
        (f"#/simulations/{waiting.pk}", "#sim-status [data-status=scheduled]", "dashboard, scheduled"),
        (f"#/simulations/{pk}/companies", "#records-table", "companies"),
        (f"#/simulations/{pk}/contacts", "#records-table", "contacts"),
        (f"#/simulations/{pk}/deals", "#records-table", "deals"),
        (f"#/simulations/{pk}/activities", "#records-table", "activities"),
        (f"#/simulations/{pk}/contacts?createdAfter=nope", "#records-refused", "contacts, refused filter"),
        (f"#/simulations/{pk}/contacts/{contact_key}/timeline", "#timeline", "timeline"),
        (f"#/simulations/{pk}/deals/{deal_key}", "#committee-table", "deal"),
        (f"#/simulations/{pk}", "#charts-status >> text=Final figures", "dashboard charts"),
        (
            "#/compare?a=b2b&b=b2c&dist=linear&start=2026-01-01&end=2026-04-01&records=300&seed=7",
            "#compare-planned",
            "scenario comparison",
        ),
        ("#/sinks", "#sink-form", "sinks"),
        ("#/nowhere", ".screen-title", "not found"),
    ]
    for route, selector, name in screens:
        page.goto(f"{base}/{route}")
        ready(page, selector)
        if name == "wizard 4":
            page.locator("#tuning summary").click()  # the Tuning panel's inputs too
        problems += audit(page, base, name)

    page.goto(f"{base}/#/simulations/{waiting.pk}")
    ready(page, "#sim-cancel:enabled")
    page.locator("#sim-cancel").click()
    page.wait_for_selector("#cancel-dialog[open]")
    problems += audit(page, base, "cancel dialog")
    page.keyboard.press("Escape")

    assert problems == [], "\n".join(problems)
    assert session.js_errors == []
    session.context.close()
