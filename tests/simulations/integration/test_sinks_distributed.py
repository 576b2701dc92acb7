"""Webhook delivery on Celery (the ``deliver`` queue) against a real receiver process: a worker SIGKILLed
mid-delivery and a broker restart lose nothing; every event arrives signed, once per id at least, in order per
record. The broker restart uses a private ``redis-server`` on a free port (never the machine's shared Redis)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.simulations.delivery.conftest import (
    SECRET,
    Receiver,
    assert_order_per_record,
    free_port,
    unique_ids_per_type,
    wait_listening,
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


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A redis-server of this test's own on a free loopback port (restarting it disturbs nobody)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not on PATH (needed for a private broker)")
    port = free_port()
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(tmp_path)]  # fmt: skip
    holder: dict[str, subprocess.Popen[bytes]] = {}

    def launch() -> None:
        holder["p"] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(port, holder["p"])

    launch()
    try:
        yield f"redis://127.0.0.1:{port}/0", port
    finally:
        holder["p"].kill()
        holder["p"].wait(10)


def test_a_broker_restart_mid_delivery_loses_nothing(
    services: Services, cluster: Cluster, slow_receiver: Receiver, private_redis: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    url, port = private_redis
    for name, value in {**DELIVERY_ENV, "CELERY_BROKER_URL": url}.items():
        monkeypatch.setitem(services.env, name, value)
    cluster.start_beat_named("beat-private")
    cluster.start_worker(2)
    simulation_id = start(services, slow_receiver)
    services.db.wait_for("the first deliveries", lambda: slow_receiver.state()["events"] > 200, timeout=120, every=0.05)
    broker = redis.Redis.from_url(url)
    broker.shutdown(nosave=True)  # every queued and unacknowledged message is gone
    rows = sum(services.db.row_counts(simulation_id).values())
    assert delivered(services, simulation_id) < rows, "delivery finished before the restart: make the run bigger"
    args = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    restarted = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, restarted)
        assert_everything_arrived(services, slow_receiver, simulation_id)
    finally:
        restarted.kill()
        restarted.wait(10)
