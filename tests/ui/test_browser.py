"""The web UI in a real browser: the wizard forward and back, tuning guardrails, a backfill run to completion on
the dashboard, the record browser and a contact's timeline; numbers on screen against the API's.

Every response the pages get is recorded: none may be an error on the happy path, and every /api/ path the
pages call must be in the OpenAPI schema. Screenshots of each step go to artifacts/ui/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest

from simulations.models import User
from simulations.wizard_profile import save_profile
from tests.ui.conftest import ARTIFACTS, PASSWORD, ThreadedRunner

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
DASH = "\N{EN DASH}"  # the UI writes ranges as "lo <en dash> hi"
RUN_TIMEOUT_MS = 60_000


@dataclass
class Traffic:
    """What the page asked the server, as (status, method, path) per response."""

    responses: list[tuple[int, str, str]] = field(default_factory=list)

    def record(self, response: Any) -> None:
        self.responses.append((response.status, response.request.method, urlparse(response.url).path))

    def failures(self) -> list[tuple[int, str, str]]:
        return [r for r in self.responses if r[0] >= 400]

    def api_paths(self) -> set[str]:
        return {path for _, _, path in self.responses if path.startswith("/api/")}


@dataclass
class Session:
    context: Any
    page: Any
    traffic: Traffic
    js_errors: list[str]


def open_page(browser: Any, viewport: dict[str, int] = DESKTOP) -> Session:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    session = Session(context=context, page=page, traffic=Traffic(), js_errors=[])
    page.on("response", session.traffic.record)
    page.on("pageerror", lambda error: session.js_errors.append(str(error)))
    return session


def log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/#/wizard/1$"))
    page.wait_for_selector("[role=radiogroup] [role=radio]")


def shot(page: Any, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def tile(page: Any, value: str) -> Any:
    return page.locator(f"[role=radio][data-value='{value}']")


def continue_button(page: Any) -> Any:
    return page.locator("#wizard-continue")


def expect_step(page: Any, step: int) -> None:
    page.wait_for_url(re.compile(rf"#/wizard/{step}$"))
    page.wait_for_selector(f".stepper li[aria-current=step] >> text={step}.")


def plucks(page: Any) -> int:
    return int(page.evaluate("document.documentElement.dataset.plucks || '0'"))


def numbers(text: str) -> int:
    return int(text.replace(",", ""))


def schema_patterns(page: Any, base: str) -> list[re.Pattern[str]]:
    schema = page.request.get(f"{base}/api/schema/?format=json").json()
    return [re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$") for path in schema["paths"]]


def test_wizard_runs_a_backfill_to_a_completed_dashboard_and_a_contact_timeline(
    browser: Any, live_server: Any, ui_user: User, simulation_runner: ThreadedRunner
) -> None:
    base = live_server.url
    session = open_page(browser)
    page, traffic = session.page, session.traffic
    log_in(page, base, ui_user)

    # Step 1: the distribution tiles are a radiogroup; keyboard selection plucks.
    expect_step(page, 1)
    assert page.locator("[role=radiogroup] [role=radio]").count() == 10
    assert page.locator("[role=radio][aria-checked=true]").count() == 0
    tile(page, "linear").focus()
    page.keyboard.press("Space")
    assert tile(page, "linear").get_attribute("aria-checked") == "true"
    page.keyboard.press("ArrowRight")
    assert tile(page, "front_loaded").get_attribute("aria-checked") == "true"
    assert tile(page, "linear").get_attribute("aria-checked") == "false"
    assert page.evaluate("document.activeElement.dataset.value") == "front_loaded"
    assert plucks(page) == 2
    rate = page.get_by_label("rate", exact=True)
    rate.fill("60")
    assert f"outside 0.1 {DASH} 50" in page.locator("#param-rate-error").inner_text()
    assert continue_button(page).get_attribute("aria-disabled") == "true"
    rate.fill("4")
    assert continue_button(page).get_attribute("aria-disabled") == "false"
    shot(page, "01-distribution")
    continue_button(page).click()

    # Step 2: scenario; back to step 1 keeps the choice and its setting.
    expect_step(page, 2)
    assert {tile.get_attribute("data-value") for tile in page.locator("[role=radio]").all()} >= {"b2b", "b2c"}
    tile(page, "b2b").click()
    assert tile(page, "b2b").get_attribute("aria-checked") == "true"
    shot(page, "02-scenario")
    page.locator("#wizard-back").click()
    expect_step(page, 1)
    assert tile(page, "front_loaded").get_attribute("aria-checked") == "true"
    assert page.get_by_label("rate", exact=True).input_value() == "4"
    continue_button(page).click()
    expect_step(page, 2)
    assert tile(page, "b2b").get_attribute("aria-checked") == "true"
    continue_button(page).click()

    # Step 3: window, size, seed, pace; back and forth keeps them.
    expect_step(page, 3)
    page.get_by_label("Start (UTC)").fill("2025-01-01")
    page.get_by_label("End (UTC, exclusive)").fill("2026-01-01")
    page.get_by_label("Records", exact=True).fill("0")
    assert page.locator("#window-records").get_attribute("aria-invalid") == "true"
    assert continue_button(page).get_attribute("aria-disabled") == "true"
    page.get_by_label("Records", exact=True).fill("800")
    page.get_by_label("Seed (optional)").fill("7")
    page.get_by_label("Backfill", exact=True).check()
    shot(page, "03-window")
    page.locator("#wizard-back").click()
    expect_step(page, 2)
    continue_button(page).click()
    expect_step(page, 3)
    assert page.get_by_label("Records", exact=True).input_value() == "800"
    assert page.get_by_label("Seed (optional)").input_value() == "7"
    assert page.get_by_label("Start (UTC)").input_value() == "2025-01-01"

    # Step 4: the preview on screen is the API's answer.
    with page.expect_response(lambda r: r.url.endswith("/api/scenarios/b2b/preview/")) as answer:
        continue_button(page).click()
    preview = answer.value.json()
    expect_step(page, 4)
    page.wait_for_selector("#planned-table")
    assert preview["seed"] == 7
    assert numbers(page.locator("#planned-table [data-key=leads]").inner_text()) == preview["leads"]
    for key, value in preview["planned"].items():
        assert numbers(page.locator(f"#planned-table [data-key={key}]").inner_text()) == value
    won_amount = page.locator("#deals-table [data-key=wonAmount]").inner_text()
    assert won_amount.replace(",", "") == preview["deals"]["wonAmount"]
    assert "1,000,000" in page.locator("#parameter-table").inner_text()  # dealAmount.max, with separators
    assert page.locator("[data-testid=arrivals-chart] rect").count() == preview["arrivals"]["bins"]
    shot(page, "04-preview")
    shot(page, "04-preview-viewport", full_page=False)

    # Tuning: an override outside the guardrails is refused inline and blocks the way on.
    page.locator("#tuning summary").click()
    win_rate = page.get_by_label("Deal win rate base", exact=True)
    assert f"Guardrails: 0.55 {DASH} 0.65" in page.locator("#tune-dealWinRateBase-hint").inner_text()
    requests_before = len(traffic.responses)
    win_rate.fill("0.9")
    error = page.locator("#tune-dealWinRateBase-error")
    assert error.is_visible()
    assert f"0.9 is outside 0.55 {DASH} 0.65" in error.inner_text()
    assert win_rate.get_attribute("aria-invalid") == "true"
    assert continue_button(page).get_attribute("aria-disabled") == "true"
    continue_button(page).click(force=True)  # aria-disabled keeps it focusable; a click explains instead
    assert page.url.endswith("#/wizard/4")
    assert page.evaluate("document.activeElement.id") == "tune-dealWinRateBase"
    shot(page, "04b-tuning-invalid")
    page.wait_for_timeout(500)
    assert len(traffic.responses) == requests_before, "an invalid override must not reach the API"
    with page.expect_response(lambda r: r.url.endswith("/preview/")) as answer:
        win_rate.fill("0.62")
    assert answer.value.json()["parameters"]["dealWinRateBase"] == 0.62
    page.wait_for_selector("#parameter-table tr.tuned")
    assert not error.is_visible()
    page.wait_for_selector("#wizard-continue[aria-disabled=false]")
    continue_button(page).click()

    # Step 5: confirm saves the profile and starts the simulation.
    expect_step(page, 5)
    summary = page.locator("#confirm-summary").inner_text()
    assert "Deal win rate base = 0.62" in summary
    assert "800" in summary
    shot(page, "05-confirm")
    page.locator("#wizard-start").click()
    page.wait_for_url(re.compile(r"#/simulations/\d+$"))
    simulation_id = int(page.url.rsplit("/", 1)[1])
    profile = page.request.get(f"{base}/api/profile/").json()
    assert profile == {
        "scenario": "b2b",
        "distribution": "front_loaded",
        "distributionParams": {"rate": 4},
        "overrides": {"dealWinRateBase": 0.62},
        "start": "2025-01-01",
        "end": "2026-01-01",
        "records": 800,
        "seed": 7,
        "pace": "backfill",
        "timeScale": 1440,
        "muted": False,
    }

    # Dashboard: "Planning…" until the runner has planned it (no progress bar pretending to be done), then live
    # progress until completed; the numbers are the API's.
    page.wait_for_selector("#sim-status [data-status=planning]")
    assert page.locator("#sim-status").text_content() == "Planning…"  # shown in capitals by the CSS
    assert page.locator("#overall-progress").count() == 0
    assert page.locator("#progress-table [role=progressbar]").count() == 0
    assert page.locator("#sim-cancel").is_enabled() and page.locator("#sim-start").count() == 0
    shot(page, "05b-planning")
    simulation_runner.start()
    page.wait_for_selector("#sim-status [data-status=completed]", timeout=RUN_TIMEOUT_MS)
    page.wait_for_selector("#calibration-table", timeout=RUN_TIMEOUT_MS)
    progress = page.request.get(f"{base}/api/simulations/{simulation_id}/progress/").json()
    assert progress["status"] == "completed"
    for key, planned in progress["planned"].items():
        assert numbers(page.locator(f"[data-planned={key}]").inner_text()) == planned
        assert numbers(page.locator(f"[data-processed={key}]").inner_text()) == progress["processed"][key] == planned
    assert page.locator("#sim-percent").inner_text() == "100.00%"
    assert progress["planned"]["contacts"] == preview["planned"]["contacts"]
    report = page.request.get(f"{base}/api/simulations/{simulation_id}/report/").json()
    assert page.locator("#sim-digest").inner_text() == report["digest"]
    assert page.locator("#calibration-table tbody tr").count() == len(report["calibration"])
    assert page.locator("#sim-pause").is_disabled() and page.locator("#sim-cancel").is_disabled()
    export = page.locator("#exports a[href*='type=companies']", has_text="CSV").first
    csv = page.request.get(f"{base}{export.get_attribute('href')}")
    assert csv.ok and csv.text().count("\n") == progress["planned"]["companies"] + 1
    assert page.locator("#exports a[href*='type=owners']", has_text="CSV").count() == 1
    page.wait_for_timeout(300)  # the bars' width transition
    shot(page, "06-dashboard")
    shot(page, "06-dashboard-viewport", full_page=False)

    # Record browser: contacts with a filter and paging, then one contact's timeline.
    page.locator("nav.tabs a", has_text="Contacts").click()
    page.wait_for_url(re.compile(rf"#/simulations/{simulation_id}/contacts$"))
    page.wait_for_selector("#records-table tbody tr")
    api_page = page.request.get(f"{base}/api/simulations/{simulation_id}/contacts/?pageSize=50").json()
    assert page.locator("#records-table tbody tr").count() == len(api_page["results"]) == 50
    first_keys = [row.get_attribute("data-key") for row in page.locator("#records-table tbody tr").all()]
    assert first_keys == [str(row["key"]) for row in api_page["results"]]
    page.locator("a[rel=next]").click()
    page.wait_for_url(re.compile(r"cursor="))
    # Function strings, not bare expressions: Playwright eval()s an expression in the page, which the
    # Content-Security-Policy (no 'unsafe-eval') blocks.
    first_row_key = "document.querySelector('#records-table tbody tr')?.dataset.key"
    page.wait_for_function(f"() => {first_row_key} !== {first_keys[0]!r}")
    page.locator("a[rel=prev]").click()
    page.wait_for_function(f"() => {first_row_key} === {first_keys[0]!r}")
    page.get_by_label("Lifecycle stage").select_option("customer")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"lifecycleStage=customer"))
    customers = page.request.get(
        f"{base}/api/simulations/{simulation_id}/contacts/?lifecycleStage=customer&pageSize=50"
    ).json()["results"]
    assert customers, "a year of B2B at 800 records has customers"
    page.wait_for_selector(f"#records-table tbody tr[data-key='{customers[0]['key']}']")
    assert page.locator("#records-table tbody tr").count() == len(customers)
    shot(page, "07-contacts")
    page.locator("#records-table tbody tr").first.get_by_role("link").first.click()
    key = customers[0]["key"]
    page.wait_for_url(re.compile(rf"#/simulations/{simulation_id}/contacts/{key}/timeline$"))
    page.wait_for_selector("#timeline")
    timeline = page.request.get(f"{base}/api/simulations/{simulation_id}/contacts/{key}/timeline/").json()
    assert page.locator("#timeline > li").count() == len(timeline["items"])
    assert page.locator("#timeline > li[data-kind=dealStage]").count() == sum(
        1 for item in timeline["items"] if item["kind"] == "dealStage"
    )
    assert page.locator("[data-fact=stage]").inner_text() == "Customer"
    # Engine 2's fields: the contact's HubSpot properties and each engagement's content.
    words = page.request.get(f"{base}/api/vocabulary/").json()
    source = next(t["label"] for t in words["sources"] if t["value"] == timeline["contact"]["source"])
    assert page.locator("[data-fact=source]").inner_text() == source
    assert page.locator("#timeline .event-body").count() == sum(1 for item in timeline["items"] if item.get("body"))
    assert page.locator("#timeline .event-body").count() > 0
    shot(page, "08-timeline")

    # Simulations list shows it completed; a reload of the wizard restores the confirmed selections.
    page.locator(".site-nav a", has_text="Simulations").click()
    page.wait_for_selector(f"#simulations-table tr[data-id='{simulation_id}'] [data-status=completed]")
    page.goto(f"{base}/#/wizard/3")
    page.reload()
    page.wait_for_selector("#window-records")
    assert page.get_by_label("Records", exact=True).input_value() == "800"
    assert page.get_by_label("Seed (optional)").input_value() == "7"
    page.goto(f"{base}/#/wizard/1")
    page.wait_for_selector("[role=radio][aria-checked=true]")
    assert tile(page, "front_loaded").get_attribute("aria-checked") == "true"
    assert page.get_by_label("rate", exact=True).input_value() == "4"

    # The narrow screen: no horizontal scrolling of the page itself.
    page.set_viewport_size(NARROW)
    page.goto(f"{base}/#/simulations/{simulation_id}")
    page.wait_for_selector("#calibration-table")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    shot(page, "09-dashboard-narrow", full_page=False)
    page.goto(f"{base}/#/wizard/2")
    page.wait_for_selector("[role=radio][aria-checked=true]")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    shot(page, "09-wizard-narrow", full_page=False)

    # Only documented endpoints, and none of them failed.
    assert traffic.failures() == []
    patterns = schema_patterns(page, base)
    undocumented = sorted(path for path in traffic.api_paths() if not any(p.match(path) for p in patterns))
    assert undocumented == []
    assert session.js_errors == []
    session.context.close()


def test_login_errors_mute_preference_and_keyboard_only_wizard(browser: Any, live_server: Any, ui_user: User) -> None:
    base = live_server.url
    session = open_page(browser)
    page, traffic = session.page, session.traffic
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(ui_user.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    shot(page, "00-login-error")
    log_in(page, base, ui_user)

    # Muting is remembered in the profile and silences the pluck.
    mute = page.locator("#mute-toggle")
    assert mute.get_attribute("aria-pressed") == "false"
    with page.expect_response(lambda r: r.url.endswith("/api/profile/") and r.request.method == "PATCH"):
        mute.click()
    assert page.request.get(f"{base}/api/profile/").json()["muted"] is True
    page.reload()
    page.wait_for_selector("#mute-toggle[aria-pressed=true]")
    page.wait_for_selector("[role=radio]")

    # Keyboard only: Tab reaches the group at one stop, arrows move the selection, Enter continues.
    page.locator("main").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "radio":
            break
    assert page.evaluate("document.activeElement.dataset.value") == "linear"
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    assert tile(page, "custom").get_attribute("aria-checked") == "true"
    assert plucks(page) == 0, "muted: no sound"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"

    # The custom weights editor: all zero is refused, one positive weight is enough.
    page.wait_for_selector("#weight-0")
    for i in range(page.locator(".weights input").count()):
        page.locator(f"#weight-{i}").fill("0")
    assert page.locator("#weights-error").is_visible()
    assert continue_button(page).get_attribute("aria-disabled") == "true"
    page.locator("#weight-2").fill("5")
    assert not page.locator("#weights-error").is_visible()
    page.get_by_role("button", name="Add slice").click()
    assert page.locator(".weights input").count() == 9
    continue_button(page).focus()
    page.keyboard.press("Enter")
    expect_step(page, 2)
    assert traffic.failures() == []
    assert session.js_errors == []
    session.context.close()


def test_an_estimated_preview_marks_its_scaled_figures_with_approx(
    browser: Any, live_server: Any, ui_user: User
) -> None:
    """Past PREVIEW_EXACT_LEADS the API estimates; the wizard says so and marks what is scaled with "≈"."""
    save_profile(
        user=ui_user,
        profile={"scenario": "b2b", "distribution": "linear", "records": 300_000, "seed": 7,
                 "start": "2025-01-01", "end": "2025-04-01", "pace": "backfill"},
    )  # fmt: skip
    base = live_server.url
    session = open_page(browser)
    page = session.page
    log_in(page, base, ui_user)
    with page.expect_response(lambda r: r.url.endswith("/api/scenarios/b2b/preview/")) as answer:
        page.goto(f"{base}/#/wizard/4")
    preview = answer.value.json()
    assert preview["estimated"] is True and preview["leads"] == 225_000
    page.wait_for_selector("#planned-table")
    note = page.locator("#preview-estimated").inner_text()
    assert f"{preview['sampledLeads']:,}" in note and "225,000" in note
    deals = page.locator("#planned-table [data-key=deals]").inner_text()
    assert deals.startswith("≈ ") and numbers(deals.removeprefix("≈ ")) == preview["planned"]["deals"]
    assert page.locator("#deals-table [data-key=won]").inner_text().startswith("≈ ")
    for exact in ("leads", "owners", "companies", "contacts"):
        text = page.locator(f"#planned-table [data-key={exact}]").inner_text()
        assert not text.startswith("≈") and numbers(text) == (preview["leads"] if exact == "leads" else
                                                              preview["planned"][exact])  # fmt: skip
    assert not session.js_errors
    session.context.close()


def test_a_hash_navigation_clears_the_ready_flag_until_the_new_screen_has_rendered(
    browser: Any, live_server: Any, ui_user: User
) -> None:
    """Browser tests (and anything else) wait for html[data-ready]: after a navigation inside the app it must mean
    the new screen, not the one left behind."""
    session = open_page(browser)
    page = session.page
    log_in(page, live_server.url, ui_user)
    page.wait_for_selector("html[data-ready=true]")
    flag = page.evaluate(
        """() => new Promise((resolve) => {
          // Listeners run in the order added: the app's route() has run up to its first await when this one runs.
          window.addEventListener("hashchange", () => resolve(document.documentElement.dataset.ready ?? null),
                                  { once: true });
          window.location.hash = "#/sinks";
        })"""
    )
    assert flag is None
    page.wait_for_selector("html[data-ready=true]")
    assert page.title() == "Sinks · crmsim"
    assert session.js_errors == []
    session.context.close()
