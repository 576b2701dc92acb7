"""Webhook delivery on the embedded default (in-process runner) against a real receiver process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simulations.delivery.models import Sink, SlotDelivery
from simulations.delivery.services import attach_sinks, create_sink
from simulations.models import Simulation
from simulations.runner import run_in_process
from simulations.selectors import progress
from simulations.services import start_simulation
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
