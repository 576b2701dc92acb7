"""The delivery app's writes, one module per job (zulip's ``actions`` style); import them from here.

configure   sink CRUD, testing a sink, linking sinks to a simulation (one watermark per slot and sink)
deliver     ``deliver_slot``: claim a (slot, sink) watermark, regenerate its events, send, record outcomes
ledger      the watermark bookkeeping under a claim: progress, retries with backoff, dead letters, disabling
replay      re-sending open dead letters
"""

from __future__ import annotations

from simulations.delivery.configure import (
    SinkInputError,
    add_slot_deliveries,
    attach_sinks,
    create_sink,
    test_sink,
    update_sink,
)
from simulations.delivery.deliver import DeliveryResult, deliver_slot
from simulations.delivery.ledger import backoff_seconds
from simulations.delivery.replay import ReplayResult, replay_dead_letters

__all__ = [
    "DeliveryResult",
    "ReplayResult",
    "SinkInputError",
    "add_slot_deliveries",
    "attach_sinks",
    "backoff_seconds",
    "create_sink",
    "deliver_slot",
    "replay_dead_letters",
    "test_sink",
    "update_sink",
]
