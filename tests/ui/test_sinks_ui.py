"""Sinks on screen in Chromium, against a real webhook receiver process (tests/simulations/delivery/receiver.py):
add a sink (its secret never comes back), test it, attach it in the wizard's confirm step, watch the dashboard's
delivery counts and dead letters, replay them, and find every row at the receiver."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulations.models import Simulation, User
from simulations.wizard_profile import save_profile
from tests.servers import free_port
from tests.simulations.delivery.conftest import SECRET, Receiver, rows_written, unique_ids_per_type
from tests.ui.conftest import ARTIFACTS, ThreadedRunner
from tests.ui.signin import DESKTOP, PHONE, RUN_TIMEOUT_MS, sign_in, unexplained_failures

pytestmark = pytest.mark.browser

PROFILE = {
    "scenario": "b2b",
    "distribution": "linear",
    "distributionParams": {},
    "overrides": {},
    "start": "2025-01-01",
    "end": "2025-04-01",
    "records": 300,
    "seed": 3,
    "pace": "backfill",
    "timeScale": 1440,
    "muted": True,
}


@pytest.fixture
def receiver(tmp_path: Path, settings: Any) -> Iterator[Receiver]:
    settings.CRMSIM_ALLOW_PRIVATE_SINKS = True  # the receiver listens on loopback
    server = Receiver(free_port(), tmp_path / "events.ndjson")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _int(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_sink_is_added_tested_attached_and_its_dead_letters_replayed(
    browser: Any,
    live_server: Any,
    ui_user: User,
    receiver: Receiver,
    simulation_runner: ThreadedRunner,
    viewport: dict[str, int],
) -> None:
    save_profile(user=ui_user, profile=PROFILE)
    signed = sign_in(browser, live_server.url, ui_user, viewport)
    page = signed.page

    # Add a webhook sink; the secret is write-only.
    signed.open("/sinks")
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("Name").fill("receiver")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Signing secret").fill(SECRET)
    page.locator("#sink-create").click()
    page.wait_for_selector("#sinks-table tr[data-sink]")
    row = page.locator("#sinks-table tr[data-sink]")
    assert f"…{SECRET[-4:]}" in row.inner_text()
    assert page.get_by_label("Signing secret").input_value() == ""
    assert SECRET not in page.content()
    assert SECRET not in str(signed.api("/api/sinks/"))
    sink_id = row.get_attribute("data-sink")
    page.locator(f"[data-sink-test='{sink_id}']").click()
    page.wait_for_selector(f"[data-sink-outcome='{sink_id}'][data-result=delivered]")
    assert signed.fits_the_viewport()
    page.screenshot(path=str(ARTIFACTS / f"sinks-{viewport['width']}.png"), full_page=True)

    # The receiver now refuses every batch (422: dead-lettered at once); attach the sink in the confirm step.
    receiver.control(status=422)
    signed.open("/wizard/4")
    page.wait_for_selector("#planned-table")
    page.wait_for_selector("#wizard-continue[aria-disabled=false]")
    page.locator("#wizard-continue").click()
    page.wait_for_selector(f"#sink-chooser input[data-sink='{sink_id}']").check()
    page.locator("#wizard-start").click()
    page.wait_for_url(re.compile(r"#/simulations/\d+$"))
    simulation_id = int(page.url.rsplit("/", 1)[1])
    page.wait_for_selector("#sim-status [data-status=planning]")  # the dashboard is up before anything writes
    simulation_runner.start()
    page.wait_for_selector("#sim-status [data-status=completed]", timeout=RUN_TIMEOUT_MS)
    page.wait_for_selector("#replay-dead-letters:not([hidden])", timeout=RUN_TIMEOUT_MS)
    # Settled: every written row is dead-lettered (the card follows the deliveries after the run ended).
    pending = f"[data-sink='{sink_id}'][data-field=pending]"
    page.wait_for_function(f'() => document.querySelector("{pending}")?.textContent === "0"', timeout=RUN_TIMEOUT_MS)
    assert 0 < page.locator("#dead-letters li").count() <= 10
    assert _int(page.locator(f"[data-sink='{sink_id}'][data-field=deadLettered]").inner_text()) > 0
    assert _int(page.locator(f"[data-sink='{sink_id}'][data-field=delivered]").inner_text()) == 0
    page.locator("#deliveries").screenshot(path=str(ARTIFACTS / f"deliveries-dead-{viewport['width']}.png"))

    # Back to normal: Replay sends every dead letter; the receiver has every row, the screen says so.
    receiver.control(status=None)
    simulation_runner.close()
    page.locator("#replay-dead-letters").click()
    page.wait_for_selector("#replay-message >> text=0 still failing")
    page.wait_for_selector("#replay-dead-letters[hidden]", state="attached")
    written = rows_written(simulation_id)
    assert Simulation.objects.get(pk=simulation_id).status == Simulation.Status.COMPLETED
    rows = [e for e in receiver.events() if e["id"].startswith(f"{simulation_id}.")]
    assert len(rows) == len(receiver.events()) - 1  # and the Test button's ping
    assert unique_ids_per_type(rows, simulation_id) == written
    assert _int(page.locator(f"[data-sink='{sink_id}'][data-field=delivered]").inner_text()) == sum(written.values())
    assert _int(page.locator(f"[data-sink='{sink_id}'][data-field=deadLettered]").inner_text()) == 0
    assert receiver.state()["bad_signature"] == 0
    assert signed.fits_the_viewport()
    page.locator("#deliveries").screenshot(path=str(ARTIFACTS / f"deliveries-replayed-{viewport['width']}.png"))
    assert signed.js_errors == []
    assert unexplained_failures(signed.failed) == []
    signed.close()
