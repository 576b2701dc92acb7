"""The dashboard's charts in Chromium: present, equal to the API's chart data, updated during a live run,
readable at 1280x800 and 390x844 (no sideways scrolling, canvases inside the viewport)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from crmsim.vocabulary import LIFECYCLE_STAGES
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import cancel_simulation, create_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest
from simulations.models import Simulation, User
from tests.ui.conftest import ARTIFACTS, ThreadedRunner
from tests.ui.signin import DESKTOP, PHONE, RUN_TIMEOUT_MS, sign_in, unexplained_failures

pytestmark = pytest.mark.browser

CHARTS = ("arrivals", "funnel", "pipeline", "activities")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _table(page: Any, name: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"[data-chart-table={name}] tbody tr",
        "rows => rows.map(r => [...r.children].map(c => c.textContent))",
    )


def _written(page: Any) -> int:
    return int(page.get_attribute("[data-chart=arrivals]", "data-written") or "-1")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_completed_runs_charts_show_the_apis_numbers(
    browser: Any, live_server: Any, ui_user: User, viewport: dict[str, int]
) -> None:
    request = SimulationRequest(
        scenario="b2b",
        start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        end=dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
        records=600,
        seed=11,
    )
    simulation = run_in_process(start_simulation(simulation=create_simulation(owner=ui_user, request=request)))
    assert simulation.status == Simulation.Status.COMPLETED
    signed = sign_in(browser, live_server.url, ui_user, viewport)
    page = signed.page
    signed.open(f"/simulations/{simulation.pk}")
    page.wait_for_selector("#charts-status >> text=Final figures")
    data = signed.api(f"/api/simulations/{simulation.pk}/charts/")

    for name in CHARTS:
        assert page.locator(f"[data-chart={name}] canvas").is_visible()
        assert int(page.get_attribute(f"[data-chart={name}]", "data-updates") or "0") >= 1
    assert page.locator("[data-chart=lag]").count() == 0  # a backfill has no lag
    assert _written(page) == sum(data["arrivals"]["planned"]) == simulation.planned["contacts"]
    arrivals = _table(page, "arrivals")
    assert [(_int(r[1]), _int(r[2])) for r in arrivals] == list(
        zip(data["arrivals"]["planned"], data["arrivals"]["written"], strict=True)
    )
    assert [_int(r[1]) for r in _table(page, "funnel")] == [row["contacts"] for row in data["funnel"]]
    assert len(data["funnel"]) == len(LIFECYCLE_STAGES)
    pipeline = _table(page, "pipeline")
    assert [_int(r[1]) for r in pipeline] == [row["deals"] for row in data["pipeline"]]
    assert [r[2].replace(",", "") for r in pipeline] == [row["amount"] for row in data["pipeline"]]
    assert "Closed won" in [r[0] for r in pipeline]
    total = sum(sum(s["counts"]) for s in data["activities"]["series"])
    assert _int(page.get_attribute("[data-chart=activities]", "data-total") or "0") == total > 0

    assert signed.fits_the_viewport()
    for box in page.locator("[data-chart] canvas").all():
        bounds = box.bounding_box()
        assert bounds is not None and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= viewport["width"]
        assert bounds["height"] >= 150
    page.locator("#charts").screenshot(path=str(ARTIFACTS / f"dashboard-charts-{viewport['width']}.png"))
    assert signed.js_errors == [] and signed.failed == []
    signed.close()


def test_the_charts_update_while_a_live_run_goes(
    browser: Any, live_server: Any, ui_user: User, simulation_runner: ThreadedRunner
) -> None:
    start = timezone.now().replace(second=0, microsecond=0)
    request = SimulationRequest(
        scenario="b2c",
        start=start,
        end=start + dt.timedelta(days=2),
        records=400,
        seed=5,
        pace=Simulation.Pace.LIVE,
        time_scale=2 * 24 * 3600 / 120,  # two simulated days in about two minutes
    )
    simulation = start_simulation(simulation=create_simulation(owner=ui_user, request=request))
    signed = sign_in(browser, live_server.url, ui_user, PHONE)
    page = signed.page
    signed.open(f"/simulations/{simulation.pk}")
    page.wait_for_selector("[data-chart=lag] canvas")
    page.wait_for_selector("[data-chart=arrivals][data-updates='1']")
    planned = int(page.get_attribute("[data-chart=arrivals]", "data-planned") or "0")
    assert planned == simulation.planned["contacts"] > 0
    simulation_runner.start()

    # Written arrivals grow on screen, twice, while the run is still going (no sleeps: wait for the conditions).
    written = "Number(document.querySelector('[data-chart=arrivals]').dataset.written)"
    page.wait_for_function(f"() => {written} > 0 && {written} < {planned}", timeout=RUN_TIMEOUT_MS)
    first = _written(page)
    page.wait_for_function(f"() => {written} > {first}", timeout=RUN_TIMEOUT_MS)
    second = _written(page)
    assert first < second
    if second < planned:
        assert page.locator("#charts-status").inner_text().startswith("Updating while the run goes.")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-chart=lag]').dataset.points || 0) > 0", timeout=RUN_TIMEOUT_MS
    )
    page.wait_for_function(
        "() => Number(document.querySelector('[data-chart=funnel]').dataset.total || 0) > 0", timeout=RUN_TIMEOUT_MS
    )
    for name in (*CHARTS, "lag"):
        assert page.locator(f"[data-chart={name}] canvas").is_visible()
    assert signed.fits_the_viewport()
    page.locator("#charts").screenshot(path=str(ARTIFACTS / "dashboard-charts-live-390.png"))
    simulation_runner.close()  # no writer left: the test's own ORM calls below cannot meet a lock
    simulation.refresh_from_db()
    if simulation.status == Simulation.Status.RUNNING:
        cancel_simulation(simulation=simulation)
    page.wait_for_selector("#charts-status >> text=Final figures", timeout=RUN_TIMEOUT_MS)
    assert signed.js_errors == []
    assert unexplained_failures(signed.failed) == []
    signed.close()
