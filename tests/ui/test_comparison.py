"""Scenario comparison in Chromium: two presets with the same seed side by side; every number on screen is the
preview API's for that side; the URL is the comparison (a reload shows the same); the pair runs and its
written figures equal the previews; the layout fits 1280x800 and 390x844."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from crmsim.vocabulary import LIFECYCLE_STAGES
from simulations.models import Simulation, User
from tests.ui.conftest import ARTIFACTS, ThreadedRunner
from tests.ui.signin import DESKTOP, PHONE, RUN_TIMEOUT_MS, sign_in, unexplained_failures

pytestmark = pytest.mark.browser

INPUTS = {"distribution": "linear", "start": "2025-01-01", "end": "2025-07-01", "records": 600, "seed": 7}
LINK = "/compare?a=b2b&b=b2c&dist=linear&start=2025-01-01&end=2025-07-01&records=600&seed=7"


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def api_preview(user: User, scenario: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    client = APIClient()
    client.force_authenticate(user)
    body = {**INPUTS, "overrides": overrides or {}}
    response = client.post(f"/api/scenarios/{scenario}/preview/", body, format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


def cell(page: Any, table: str, key: str, side: str) -> str:
    return str(page.locator(f"#{table} tr[data-key='{key}'] td[data-side={side}]").inner_text())


def assert_previews_on_screen(page: Any, previews: dict[str, dict[str, Any]]) -> None:
    for side, preview in previews.items():
        assert _int(cell(page, "compare-planned", "leads", side)) == preview["leads"]
        for key, value in preview["planned"].items():
            assert _int(cell(page, "compare-planned", key, side)) == value
        for row in preview["funnel"]:
            assert _int(cell(page, "compare-funnel", row["stage"], side)) == row["contacts"]
        for key in ("won", "lost", "open"):
            assert _int(cell(page, "compare-deals", key, side)) == preview["deals"][key]
        for key in ("wonAmount", "pipelineAmount"):
            assert cell(page, "compare-deals", key, side).replace(",", "") == preview["deals"][key]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_two_presets_side_by_side_equal_the_apis_previews_and_the_link_reproduces_them(
    browser: Any, live_server: Any, ui_user: User, viewport: dict[str, int]
) -> None:
    previews = {"a": api_preview(ui_user, "b2b"), "b": api_preview(ui_user, "b2c")}
    assert previews["a"]["seed"] == previews["b"]["seed"] == 7
    assert previews["a"]["planned"] != previews["b"]["planned"]  # the comparison has something to show
    cache.clear()  # the page's previews are computed afresh, not served from the API calls above
    signed = sign_in(browser, live_server.url, ui_user, viewport)
    page = signed.page

    # The empty screen: the form, then Compare writes the comparison into the URL.
    signed.open("/compare")
    page.get_by_label("Scenario A").select_option("b2b")
    page.get_by_label("Scenario B").select_option("b2c")
    page.get_by_label("Start (UTC)").fill("2025-01-01")
    page.get_by_label("End (UTC, exclusive)").fill("2025-07-01")
    page.get_by_label("Records").fill("600")
    page.get_by_label("Seed (both)").fill("7")
    page.locator("#compare-submit").click()
    page.wait_for_url(re.compile(r"#/compare\?a=b2b&b=b2c&"))
    page.wait_for_selector("#compare-planned")
    assert_previews_on_screen(page, previews)
    for name in ("compare-arrivals", "compare-funnel", "compare-amounts"):
        page.wait_for_selector(f"[data-chart={name}][data-updates='1'] canvas")
    assert signed.fits_the_viewport()
    page.screenshot(path=str(ARTIFACTS / f"compare-{viewport['width']}.png"), full_page=True)

    # The link alone reproduces it, in a fresh page.
    link = page.url
    fresh = signed.context.new_page()
    fresh.goto(link)
    fresh.wait_for_selector("#compare-planned")
    assert_previews_on_screen(fresh, previews)
    assert _int(cell(fresh, "compare-funnel", LIFECYCLE_STAGES[0], "a")) == previews["a"]["funnel"][0]["contacts"]
    assert signed.js_errors == [] and signed.failed == []
    signed.close()


def test_the_pair_runs_and_writes_what_the_previews_said(
    browser: Any, live_server: Any, ui_user: User, simulation_runner: ThreadedRunner
) -> None:
    previews = {"a": api_preview(ui_user, "b2b"), "b": api_preview(ui_user, "b2c")}
    signed = sign_in(browser, live_server.url, ui_user, DESKTOP)
    page = signed.page
    signed.open(LINK)
    page.wait_for_selector("#compare-planned")
    page.locator("#compare-run").click()
    page.wait_for_url(re.compile(r"&runs=\d+,\d+$"))
    ids = [int(i) for i in page.url.rsplit("runs=", 1)[1].split(",")]
    simulation_runner.start()
    page.wait_for_selector("#compare-pair[data-ended=true]", timeout=RUN_TIMEOUT_MS)
    simulation_runner.close()
    runs = {side: Simulation.objects.get(pk=pk) for side, pk in zip("ab", ids, strict=True)}
    assert (runs["a"].scenario, runs["b"].scenario) == ("b2b", "b2c")
    for side, run in runs.items():
        assert run.status == Simulation.Status.COMPLETED and run.seed == 7
        assert run.planned["contacts"] == previews[side]["planned"]["contacts"]
        assert _int(cell(page, "compare-pair-table", "contacts", side)) == previews[side]["planned"]["contacts"]
        assert _int(cell(page, "compare-pair-table", "won", side)) == previews[side]["deals"]["won"]
        assert _int(cell(page, "compare-pair-table", "lost", side)) == previews[side]["deals"]["lost"]
        for row in previews[side]["funnel"]:
            assert _int(cell(page, "compare-pair-table", f"stage-{row['stage']}", side)) == row["contacts"]
    page.screenshot(path=str(ARTIFACTS / "compare-pair-1280.png"), full_page=True)
    assert signed.js_errors == [] and unexplained_failures(signed.failed) == []
    signed.close()


def test_one_preset_with_two_sets_of_overrides_from_a_link(browser: Any, live_server: Any, ui_user: User) -> None:
    tuned = {"dealWinRateBase": 0.64}
    previews = {"a": api_preview(ui_user, "b2b"), "b": api_preview(ui_user, "b2b", tuned)}
    assert previews["a"]["deals"] != previews["b"]["deals"]
    signed = sign_in(browser, live_server.url, ui_user, PHONE)
    page = signed.page
    signed.open(LINK.replace("b=b2c", "b=b2b") + "&bo=" + quote(json.dumps(tuned)))
    page.wait_for_selector("#compare-planned")
    assert_previews_on_screen(page, previews)
    assert page.get_by_label("Overrides B").input_value() == "dealWinRateBase = 0.64"
    assert page.get_by_label("Overrides A").input_value() == ""
    assert signed.fits_the_viewport()
    assert signed.js_errors == [] and signed.failed == []
    signed.close()
