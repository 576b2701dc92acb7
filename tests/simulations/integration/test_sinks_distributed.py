"""Webhook delivery on Celery (the ``deliver`` queue) against a real receiver process: a worker SIGKILLed
mid-delivery and a broker restart lose nothing; every event arrives signed, once per id at least, in order per
record. The broker restart uses a private ``redis-server`` on a free port (never the machine's shared Redis)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import PrivateRedis, free_port
from tests.simulations.delivery.conftest import (
    SECRET,
    Receiver,
    assert_order_per_record,
    unique_ids_per_type,
)
from tests.simulations.integration.conftest import Cluster, Services

pytestmark = pytest.mark.integration
RUN = ["--scenario", "b2b", "--records", "3000", "--start", "2026-01-01", "--end", "2026-04-01", "--seed", "31"]
DELIVERY_ENV = {
    "CRMSIM_DELIVERY_CLAIM_SECONDS": "3",
    "CRMSIM_DELIVERY_BACKOFF_SECONDS": "0.1",
    "CRMSIM_DELIVERY_BACKOFF_MAX_SECONDS": "1",
    "CRMSIM_ALLOW_PRIVATE_SINKS": "true",
}


@pytest.fixture
def slow_receiver(tmp_path: Path) -> Iterator[Receiver]:
    server = Receiver(free_port(), tmp_path / "events.ndjson")
    server.start()
    server.control(slow_seconds=0.02)
    try:
        yield server
    finally:
        server.stop()


def delivered(services: Services, simulation_id: int) -> int:
    return int(services.db.value(
        "SELECT COALESCE(SUM(delivered), 0) FROM simulations_slotdelivery WHERE simulation_id = %s", simulation_id
    ))  # fmt: skip


def start(services: Services, receiver: Receiver) -> int:
    summary = services.start_simulation(
        *RUN, "--webhook", receiver.url, "--webhook-secret", SECRET, "--no-wait"
    )  # fmt: skip
    return int(summary["id"])


def assert_everything_arrived(services: Services, receiver: Receiver, simulation_id: int) -> None:
    """Once the run has written every row (delivery starts while slots are still being written, so the row
    counts are read after completion), every row arrives."""
    services.db.wait_for(
        "the run to end", lambda: services.db.status(simulation_id) in ("completed", "failed", "cancelled"), timeout=240
    )
    assert services.db.status(simulation_id) == "completed"
    rows = services.db.row_counts(simulation_id)
    services.db.wait_for(
        "every event delivered", lambda: delivered(services, simulation_id) >= sum(rows.values()), timeout=240
    )
    events = receiver.events()
    assert unique_ids_per_type(events, simulation_id) == rows
    state = receiver.state()
    assert state["unsigned"] == 0 and state["bad_signature"] == 0
    assert_order_per_record(events)


def test_a_worker_killed_mid_delivery_loses_nothing(
    services: Services, cluster: Cluster, slow_receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in DELIVERY_ENV.items():
        monkeypatch.setitem(services.env, name, value)
    cluster.start_worker(2)
    simulation_id = start(services, slow_receiver)
    services.db.wait_for("the first deliveries", lambda: slow_receiver.state()["events"] > 200, timeout=120, every=0.05)
    cluster.kill("worker")  # SIGKILL to the worker and its pool processes, requests in flight
    rows = sum(services.db.row_counts(simulation_id).values())
    assert delivered(services, simulation_id) < rows, "delivery finished before the kill: make the run bigger"
    cluster.start_worker(2)
    assert_everything_arrived(services, slow_receiver, simulation_id)


def test_a_broker_restart_mid_delivery_loses_nothing(
    services: Services, cluster: Cluster, slow_receiver: Receiver, private_redis: PrivateRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for name, value in {**DELIVERY_ENV, "CELERY_BROKER_URL": private_redis.url}.items():
        monkeypatch.setitem(services.env, name, value)
    cluster.start_beat_named("beat-private")
    cluster.start_worker(2)
    simulation_id = start(services, slow_receiver)
    services.db.wait_for("the first deliveries", lambda: slow_receiver.state()["events"] > 200, timeout=120, every=0.05)
    private_redis.stop()  # every queued and unacknowledged message is gone
    rows = sum(services.db.row_counts(simulation_id).values())
    assert delivered(services, simulation_id) < rows, "delivery finished before the restart: make the run bigger"
    private_redis.start()
    assert_everything_arrived(services, slow_receiver, simulation_id)
