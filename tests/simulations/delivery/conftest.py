"""Fixtures for sink tests: real receiver processes on loopback (a Standard Webhooks receiver, a HubSpot-compatible
server), a webhook secret, and helpers to count what a simulation wrote."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from crm.models import RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from tests.servers import free_port, wait_listening

ROOT = Path(__file__).resolve().parents[3]
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


@dataclass
class Receiver:
    """A webhook receiver process; ``stop``/``start`` take it down and bring it back on the same port and log."""

    port: int
    log: Path
    fail_rate: float = 0.0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.simulations.delivery.receiver", "--port", str(self.port), "--secret", SECRET,
             "--log", str(self.log), "--fail-rate", str(self.fail_rate)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        wait_listening(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def control(self, **settings: Any) -> None:
        requests.post(f"http://127.0.0.1:{self.port}/__control", json=settings, timeout=5).raise_for_status()

    def state(self) -> dict[str, Any]:
        return dict(requests.get(f"http://127.0.0.1:{self.port}/__state", timeout=5).json())

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    server = Receiver(free_port(), tmp_path / "events.ndjson")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def allow_private_sinks(settings: Any) -> None:
    """The receivers listen on loopback: allow private targets explicitly (production default is off)."""
    settings.CRMSIM_ALLOW_PRIVATE_SINKS = True


def rows_written(simulation_id: int) -> dict[str, int]:
    return {t: RECORD_MODELS[t]._default_manager.filter(simulation_id=simulation_id).count() for t in RECORD_TYPES}


def unique_ids_per_type(events: list[dict[str, Any]], simulation_id: int) -> dict[str, int]:
    ids: dict[str, set[str]] = {t: set() for t in RECORD_TYPES}
    for event in events:
        sim, record_type, _ = event["id"].split(".", 2)
        assert int(sim) == simulation_id
        ids[record_type].add(event["id"])
    return {t: len(v) for t, v in ids.items()}


def assert_order_per_record(events: list[dict[str, Any]]) -> None:
    """A contact's or deal's stage events arrive after its creation and in seq order."""
    created: set[str] = set()
    last_seq: dict[str, int] = {}
    for event in events:
        record_type = event["id"].split(".")[1]
        data = event["data"]
        if record_type in ("contacts", "deals"):
            created.add(f"{record_type}.{data['key']}")
        elif record_type in ("lifecycle_events", "deal_stage_events"):
            owner = (
                f"contacts.{data['contact_key']}" if record_type == "lifecycle_events" else f"deals.{data['deal_key']}"
            )
            assert owner in created, f"{event['id']} arrived before {owner} was created"
            assert data["seq"] > last_seq.get(owner, -1) or event["id"] in seen_ids(events, event), event["id"]
            last_seq[owner] = max(last_seq.get(owner, -1), data["seq"])


def seen_ids(events: list[dict[str, Any]], current: dict[str, Any]) -> set[str]:
    """Ids seen before ``current`` (a redelivered event may repeat an earlier seq)."""
    out = set()
    for event in events:
        if event is current:
            break
        out.add(event["id"])
    return out


RunSimulation = Callable[..., Any]


HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


@dataclass
class HubSpotServer:
    port: int
    burst: int
    window: float
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.simulations.delivery.hubspot_server", "--port", str(self.port), "--token",
             HUBSPOT_TOKEN, "--burst", str(self.burst), "--window", str(self.window)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        wait_listening(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def state(self) -> dict[str, Any]:
        return dict(requests.get(f"{self.url}/__state", timeout=5).json())


@contextlib.contextmanager
def serving_hubspot(burst: int, window: float) -> Iterator[HubSpotServer]:
    server = HubSpotServer(free_port(), burst=burst, window=window)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hubspot_server() -> Iterator[HubSpotServer]:
    """A portal with HubSpot's documented burst limit for private apps: 100 requests per 10 s."""
    with serving_hubspot(100, 10.0) as server:
        yield server


@pytest.fixture
def tight_hubspot_server() -> Iterator[HubSpotServer]:
    """A portal with a small burst limit (15 requests per 2 s), to meet 429s within a short test."""
    with serving_hubspot(15, 2.0) as server:
        yield server


@pytest.fixture
def roomy_hubspot_server(settings: Any) -> Iterator[HubSpotServer]:
    """A portal (and client limiter) without a practical burst limit, for tests about something else."""
    settings.CRMSIM_HUBSPOT_BURST_LIMIT = 100_000
    with serving_hubspot(100_000, 10.0) as server:
        yield server
