"""Embedded mode: a simulation started over the API runs to completion in a thread of the web process."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.cache import cache

from simulations.drivers import in_process as runner
from simulations.drivers.background import run_in_background
from simulations.lifecycle.control import create_simulation, pause_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest
from simulations.models import Simulation
from simulations.reads.progress import processed_counts
from tests.api.conftest import BODY, QUARTER, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _wait(simulation_id: int, threads: list[Any]) -> Simulation:
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "the background run did not finish in 60 s"
    return Simulation.objects.get(pk=simulation_id)


@pytest.fixture(autouse=True)
def _builtin_presets(builtin_presets: None) -> None:
    """Every test here needs the built-in presets, which a flushed database lacks."""


@pytest.fixture
def threads(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Embedded mode, with every thread the API starts recorded so the test can join it."""
    settings.CRMSIM_EMBEDDED = True
    started: list[Any] = []

    def recording(simulation_id: int) -> Any:
        thread = run_in_background(simulation_id)
        if thread is not None:
            started.append(thread)
        return thread

    monkeypatch.setattr("simulations.api.simulations.run_in_background", recording)
    cache.clear()
    return started


def test_auto_start_in_embedded_mode_runs_the_simulation_to_completion(threads: list[Any]) -> None:
    client = token_client(UserFactory())
    response = client.post("/api/simulations/", {**BODY, "autoStart": True}, format="json")
    assert response.status_code == 201
    assert len(threads) == 1
    simulation = _wait(response.json()["id"], threads)
    assert simulation.status == Simulation.Status.COMPLETED
    assert processed_counts(simulation) == simulation.planned
    progress = client.get(f"/api/simulations/{simulation.pk}/progress/").json()
    assert progress["percent"] == 100.0


def test_resume_runs_it_again_and_one_simulation_gets_one_thread(
    threads: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = UserFactory()
    simulation = create_simulation(
        owner=owner, request=SimulationRequest(scenario="b2b", records=300, seed=3, **QUARTER)
    )
    simulation = pause_simulation(simulation=start_simulation(simulation=simulation))
    idle = run_in_background(simulation.pk)
    assert idle is not None
    _wait(simulation.pk, [idle])  # paused: the thread gives up at once

    gate = threading.Event()
    real = runner.run_in_process
    monkeypatch.setattr(runner, "run_in_process", lambda sim, **kw: gate.wait(30) and real(sim, **kw))
    response = token_client(owner).post(f"/api/simulations/{simulation.pk}/resume/")
    assert response.status_code == 200
    assert len(threads) == 1
    assert run_in_background(simulation.pk) is None, "a second thread for the same simulation"
    gate.set()
    assert _wait(simulation.pk, threads).status == Simulation.Status.COMPLETED


def test_nothing_runs_in_the_web_process_when_a_broker_is_configured(settings: Any) -> None:
    settings.CRMSIM_EMBEDDED = False
    assert run_in_background(12345) is None
