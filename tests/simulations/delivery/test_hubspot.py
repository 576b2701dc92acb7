"""The HubSpot sink against a local HubSpot-compatible server process (tests/simulations/delivery/hubspot_server.py):
counts per object and association equal the export, upserts make a re-run after a crash duplicate nothing, 429s
are honoured, batches stay within 100, and requests per record stay under 1/50."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crm.models import Activity, Deal, DealContact
from simulations.delivery.models import Sink, SlotDelivery
from simulations.delivery.services import attach_sinks, create_sink
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import start_simulation
from simulations.models import Simulation
from simulations.reads.progress import progress
from tests.simulations.delivery.conftest import HUBSPOT_TOKEN, HubSpotServer, rows_written

pytestmark = pytest.mark.django_db(transaction=True)
ENGAGEMENTS = {"note": "notes", "call": "calls", "task": "tasks", "email": "emails", "meeting": "meetings"}


def run_to_hubspot(make_simulation: Callable[..., Simulation], server: HubSpotServer) -> tuple[Simulation, Sink]:
    simulation = make_simulation(records=1500)
    sink = create_sink(owner=simulation.owner, kind="hubspot", name="portal", url=server.url, secret=HUBSPOT_TOKEN)
    attach_sinks(simulation=simulation, sink_ids=[sink.pk])
    return run_in_process(start_simulation(simulation=simulation)), sink


def expected_portal(simulation: Simulation) -> tuple[dict[str, int], dict[str, int]]:
    written = rows_written(simulation.pk)
    activities = Activity.objects.filter(simulation=simulation)
    objects = {"companies": written["companies"], "contacts": written["contacts"], "deals": written["deals"]}
    links = {
        "contacts->companies": written["contacts"],
        # the whole buying committee (the primary contact is one of its members)
        "deals->contacts": DealContact.objects.filter(simulation=simulation).values("deal_key", "contact_key").count(),
        "deals->companies": Deal.objects.filter(simulation=simulation).values("key").count(),
    }
    for kind, object_type in ENGAGEMENTS.items():
        count = activities.filter(type=kind).count()
        if count:
            objects[object_type] = count
            links[f"{object_type}->contacts"] = count
            on_deals = activities.filter(type=kind, deal_key__isnull=False).count()
            if on_deals:
                links[f"{object_type}->deals"] = on_deals
    return objects, links


def test_every_object_and_association_reaches_the_portal_in_batches_of_at_most_100(
    builtin_presets: None, allow_private_sinks: None, make_simulation: Callable[..., Simulation],
    hubspot_server: HubSpotServer,
) -> None:  # fmt: skip
    simulation, _ = run_to_hubspot(make_simulation, hubspot_server)
    state = hubspot_server.state()
    objects, links = expected_portal(simulation)
    assert state["objects"] == objects
    assert state["associations"] == links
    assert state["refused"] == 0 and state["violations"] == 0
    assert 1 < state["max_batch"] <= 100
    assert all(p["crmsim_key"]["hasUniqueValue"] for p in state["properties"].values())
    records = sum(rows_written(simulation.pk).values())
    assert state["requests"] / records <= 1 / 50, f"{state['requests']} requests for {records} records"
    report = progress(simulation)["sinks"][0]
    assert report["delivered"] == records and report["deadLettered"] == 0


def test_a_rerun_after_a_crash_creates_no_duplicates(
    builtin_presets: None, allow_private_sinks: None, make_simulation: Callable[..., Simulation],
    roomy_hubspot_server: HubSpotServer,
) -> None:  # fmt: skip
    hubspot_server = roomy_hubspot_server
    from simulations.delivery.drivers import drain_deliveries

    simulation, _ = run_to_hubspot(make_simulation, hubspot_server)
    before = hubspot_server.state()
    # The crash: every delivery watermark lost, as if no outcome had been committed.
    SlotDelivery.objects.filter(simulation=simulation).update(
        since=int(simulation.window_start.timestamp()), offset=0, delivered=0
    )
    drain_deliveries(simulation)
    after = hubspot_server.state()
    assert after["requests"] > before["requests"]
    assert after["objects"] == before["objects"] and after["associations"] == before["associations"]
    assert after["keys"] == before["keys"]


def test_429s_are_honoured_no_request_inside_a_retry_after_window(
    builtin_presets: None, allow_private_sinks: None, settings: Any, make_simulation: Callable[..., Simulation],
    tight_hubspot_server: HubSpotServer,
) -> None:  # fmt: skip
    # The client's own limiter is set above the portal's, so the portal's 429s are what it must honour.
    settings.CRMSIM_HUBSPOT_BURST_LIMIT = 1000
    settings.CRMSIM_DELIVERY_BACKOFF_SECONDS = 0.05
    simulation, _ = run_to_hubspot(make_simulation, tight_hubspot_server)
    state = tight_hubspot_server.state()
    assert state["rate_limited"] > 0, "the test should have met the burst limit"
    assert state["violations"] == 0
    objects, links = expected_portal(simulation)
    assert state["objects"] == objects and state["associations"] == links
