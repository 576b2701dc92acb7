"""Simulations for browser tests made through the services (not the wizard), so a test opens the screen it is
about at once: planned only, or run in-process to completion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import create_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest
from simulations.models import Simulation, User

QUARTER = {"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "end": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}


def planned_simulation(owner: User, **changes: Any) -> Simulation:
    """Created and planned (status scheduled), not started; keyword arguments override the request."""
    values: dict[str, Any] = {"scenario": "b2b", "records": 300, "seed": 11, **QUARTER, **changes}
    return create_simulation(owner=owner, request=SimulationRequest(**values))


def completed_simulation(owner: User, **changes: Any) -> Simulation:
    """A backfill run in-process to completion: real rows to browse."""
    return run_in_process(start_simulation(simulation=planned_simulation(owner, **changes)))
