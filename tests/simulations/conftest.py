"""Fixtures for simulation tests: a way to make, run and fingerprint simulations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from simulations import engine
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import create_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest, engine_inputs
from simulations.models import Simulation
from tests.factories import UserFactory

QUARTER = {"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "end": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}


@pytest.fixture
def make_simulation(db: None) -> Callable[..., Simulation]:
    """Create (and plan) a simulation; keyword arguments override the SimulationRequest defaults."""

    def make(**changes: Any) -> Simulation:
        values: dict[str, Any] = {"scenario": "b2b", "records": 1500, "seed": 42, **QUARTER, **changes}
        owner = values.pop("owner", None) or UserFactory()
        return create_simulation(owner=owner, request=SimulationRequest(**values))

    return make


@pytest.fixture
def run_simulation(make_simulation: Callable[..., Simulation]) -> Callable[..., Simulation]:
    """Create, start and run a simulation in-process to completion."""

    def run(**changes: Any) -> Simulation:
        simulation = start_simulation(simulation=make_simulation(**changes))
        return run_in_process(simulation)

    return run


def expected_digest(simulation: Simulation) -> str:
    return engine.engine_digest(engine_inputs(simulation))
