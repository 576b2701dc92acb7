"""Webhook delivery on the embedded default (in-process runner) against a real receiver process."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from crm.models import NATURAL_ORDER
from crmsim.vocabulary import RECORD_TYPES
from simulations.delivery.events import CREATION_STATE, STAGE_EVENT_STATE
from simulations.delivery.models import DeadLetter, Sink, SlotDelivery
from simulations.delivery.services import attach_sinks, create_sink, replay_dead_letters
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import start_simulation
from simulations.models import Simulation
from simulations.reads.export import export_rows
from simulations.reads.progress import progress
from tests.simulations.delivery.conftest import (
    SECRET,
    Receiver,
    assert_order_per_record,
    rows_written,
    unique_ids_per_type,
)

pytestmark = pytest.mark.django_db(transaction=True)


def webhook(owner: Any, receiver: Receiver, batch_size: int = 100) -> Sink:
    return create_sink(owner=owner, kind="webhook", name="test", url=receiver.url, secret=SECRET, batch_size=batch_size)


def test_a_backfill_delivers_one_event_per_row_of_every_record_type(
    builtin_presets: None, allow_private_sinks: None, make_simulation: Callable[..., Simulation], receiver: Receiver
) -> None:
    simulation = make_simulation(records=1500)
    sink = webhook(simulation.owner, receiver)
    attach_sinks(simulation=simulation, sink_ids=[sink.pk])
    run_in_process(start_simulation(simulation=simulation))

    events = receiver.events()
    written = rows_written(simulation.pk)
    assert unique_ids_per_type(events, simulation.pk) == written
    assert all(v > 0 for v in written.values())
    state = receiver.state()
    assert state["unsigned"] == 0 and state["bad_signature"] == 0
    assert_order_per_record(events)
    sinks = progress(simulation)["sinks"]
    assert sinks[0]["delivered"] == sum(written.values()) and sinks[0]["pending"] == 0
    assert SlotDelivery.objects.filter(simulation=simulation).count() == simulation.slots.count()
    _assert_data_is_the_export_row(simulation, events)


def _assert_data_is_the_export_row(simulation: Simulation, events: list[dict[str, Any]]) -> None:
    """Every event's data is its row as the NDJSON export gives it (read back from the database: null, not -1;
    booleans; timestamps), but for the state a contact or deal had at creation and what a stage event sets."""
    exported = {}
    for record_type in RECORD_TYPES:
        for line in "".join(export_rows(simulation, record_type, "ndjson")).splitlines():
            row = json.loads(line)
            exported[(record_type, *(row[k] for k in NATURAL_ORDER[record_type]))] = row
    for event in events:
        record_type = event["id"].split(".")[1]
        row = exported[(record_type, *(event["data"][k] for k in NATURAL_ORDER[record_type]))]
        creation = CREATION_STATE.get(record_type)
        skipped = {*STAGE_EVENT_STATE.get(record_type, ()), *((*creation[2], *creation[3]) if creation else ())}
        assert {k: v for k, v in event["data"].items() if k not in skipped} == {
            k: v for k, v in row.items() if k not in skipped
        }, event["id"]


@pytest.fixture
def fast_retries(settings: Any) -> None:
    settings.CRMSIM_DELIVERY_BACKOFF_SECONDS = 0.05
    settings.CRMSIM_DELIVERY_BACKOFF_MAX_SECONDS = 0.4


def run_with_sink(
    make_simulation: Callable[..., Simulation], receiver: Receiver, batch_size: int = 100, **changes: Any
) -> tuple[Simulation, Sink]:
    simulation = make_simulation(**{"records": 1500, **changes})
    sink = webhook(simulation.owner, receiver, batch_size)
    attach_sinks(simulation=simulation, sink_ids=[sink.pk])
    return run_in_process(start_simulation(simulation=simulation)), sink


def test_a_live_run_delivers_every_event_in_order(
    builtin_presets: None, allow_private_sinks: None, make_simulation: Callable[..., Simulation], receiver: Receiver
) -> None:
    simulation, _ = run_with_sink(
        make_simulation,
        receiver,
        pace="live",
        time_scale=60_000.0,  # two simulated days in about three seconds
        start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        end=dt.datetime(2026, 1, 3, tzinfo=dt.UTC),
    )
    assert simulation.status == Simulation.Status.COMPLETED
    events = receiver.events()
    assert unique_ids_per_type(events, simulation.pk) == rows_written(simulation.pk)
    assert_order_per_record(events)


def test_random_failures_and_a_slow_receiver_still_deliver_everything_signed_and_in_order(
    builtin_presets: None,
    allow_private_sinks: None,
    fast_retries: None,
    make_simulation: Callable[..., Simulation],
    receiver: Receiver,
) -> None:
    receiver.control(fail_rate=0.2, slow_seconds=0.02)
    simulation, _ = run_with_sink(make_simulation, receiver, batch_size=50)
    events = receiver.events()
    state = receiver.state()
    assert state["failed"] > 0, "the receiver should have failed some requests"
    assert state["unsigned"] == 0 and state["bad_signature"] == 0
    assert unique_ids_per_type(events, simulation.pk) == rows_written(simulation.pk)
    assert_order_per_record(events)
    sink = progress(simulation)["sinks"][0]
    assert sink["failed"] == state["failed"] and sink["deadLettered"] == 0


def test_a_receiver_down_for_ten_seconds_gets_everything_once_it_is_back_and_generation_never_waited(
    builtin_presets: None,
    allow_private_sinks: None,
    fast_retries: None,
    make_simulation: Callable[..., Simulation],
    receiver: Receiver,
) -> None:
    receiver.stop()
    down_at = time.monotonic()
    restart = threading.Timer(10.0, receiver.start)
    restart.start()
    try:
        simulation, _ = run_with_sink(make_simulation, receiver)
    finally:
        restart.join()
    assert time.monotonic() - down_at >= 10.0
    assert simulation.finished_at is not None and simulation.started_at is not None
    assert (simulation.finished_at - simulation.started_at).total_seconds() < 8.0, "generation waited on the sink"
    events = receiver.events()
    assert unique_ids_per_type(events, simulation.pk) == rows_written(simulation.pk)
    assert_order_per_record(events)


def test_failures_past_the_maximum_age_are_dead_lettered_and_a_replay_delivers_them(
    builtin_presets: None,
    allow_private_sinks: None,
    fast_retries: None,
    settings: Any,
    make_simulation: Callable[..., Simulation],
    receiver: Receiver,
) -> None:
    settings.CRMSIM_DELIVERY_MAX_AGE_SECONDS = 0.3
    receiver.control(status=503, retry_after=0)
    simulation, _sink = run_with_sink(make_simulation, receiver, batch_size=500)
    written = sum(rows_written(simulation.pk).values())
    report = progress(simulation)["sinks"][0]
    assert report["deadLettered"] == written and report["delivered"] == 0
    assert receiver.events() == []
    letters = list(DeadLetter.objects.filter(simulation=simulation, replayed_at__isnull=True))
    assert sum(letter.events for letter in letters) == written

    receiver.control(status=None)
    result = replay_dead_letters(simulation=simulation)
    assert result.replayed == result.letters == len(letters) and result.still_failing == 0
    assert unique_ids_per_type(receiver.events(), simulation.pk) == rows_written(simulation.pk)
    report = progress(simulation)["sinks"][0]
    assert report["deadLettered"] == 0 and report["delivered"] == written
    assert not DeadLetter.objects.filter(simulation=simulation, replayed_at__isnull=True).exists()


def test_a_410_disables_the_sink_and_the_simulation_still_completes(
    builtin_presets: None, allow_private_sinks: None, make_simulation: Callable[..., Simulation], receiver: Receiver
) -> None:
    receiver.control(status=410)
    simulation, sink = run_with_sink(make_simulation, receiver)
    sink.refresh_from_db()
    assert simulation.status == Simulation.Status.COMPLETED
    assert not sink.enabled and "410" in sink.disabled_reason
    assert receiver.state()["requests"] == 1, "nothing is sent to a sink after it answered 410"


def test_429_retry_after_is_honoured(
    builtin_presets: None,
    allow_private_sinks: None,
    fast_retries: None,
    make_simulation: Callable[..., Simulation],
    receiver: Receiver,
) -> None:
    receiver.control(status=429, retry_after=2, status_count=2)
    simulation, _ = run_with_sink(make_simulation, receiver, batch_size=1000)
    times = receiver.state()["request_times"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # The first two requests are answered 429 with Retry-After: 2; each wait after them is a full window.
    assert len(gaps) >= 2 and min(gaps[:2]) >= 1.9, f"a request came inside the Retry-After window: {gaps[:3]}"
    assert unique_ids_per_type(receiver.events(), simulation.pk) == rows_written(simulation.pk)


def test_the_sink_test_sends_one_signed_ping_and_reports_the_answer(
    db: None, allow_private_sinks: None, receiver: Receiver
) -> None:
    from simulations.delivery.services import test_sink
    from tests.factories import UserFactory

    sink = webhook(UserFactory(), receiver)
    outcome = test_sink(sink=sink)
    assert (outcome.kind, outcome.status) == ("delivered", 200)
    assert [e["type"] for e in receiver.events()] == ["ping"]
    assert receiver.state()["unsigned"] == 0


def test_the_private_target_check_runs_again_on_every_delivery(
    builtin_presets: None,
    allow_private_sinks: None,
    settings: Any,
    make_simulation: Callable[..., Simulation],
    receiver: Receiver,
) -> None:
    simulation = make_simulation(records=1500)
    sink = webhook(simulation.owner, receiver)  # saved while private targets were allowed
    attach_sinks(simulation=simulation, sink_ids=[sink.pk])
    settings.CRMSIM_ALLOW_PRIVATE_SINKS = False
    run_in_process(start_simulation(simulation=simulation))
    sink.refresh_from_db()
    assert receiver.state()["requests"] == 0
    assert not sink.enabled and "private or loopback" in sink.disabled_reason
