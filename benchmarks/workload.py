"""The one dataset shape every measurement uses, and Django setup for child processes.

B2B preset, linear arrivals over a quarter (2026-01-01 .. 2026-04-01), seed 42: about 9.7 rows per lead
(companies, contacts, deals, activities, lifecycle and deal stage events). "N leads" means N' (contacts);
the requested record count is derived from the preset's leadVolumeMultiplier, as ``benchmarks.engine`` does.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulations.models import Simulation

SCENARIO = "b2b"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
SEED = 42
OWNER = "bench"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
    import django

    django.setup()


def records_for_leads(leads: int, scenario: str = SCENARIO) -> int:
    """The requested N whose N' = round(N x leadVolumeMultiplier) is ``leads`` (B2B: 0.75)."""
    from scenarios.builtin import B2B, B2C

    preset = B2B if scenario == "b2b" else B2C
    multiplier = float(preset["parameters"]["leadVolumeMultiplier"])
    records = max(1, round(leads / multiplier))
    while round(records * multiplier) < leads:
        records += 1
    return records


def create_simulation(
    leads: int,
    *,
    pace: str = "backfill",
    time_scale: float = 1.0,
    start: dt.datetime = START,
    end: dt.datetime = END,
    scenario: str = SCENARIO,
    distribution: str = "linear",
) -> Simulation:
    """Create (and plan) the benchmark simulation through the product's service. Needs Django set up."""
    from simulations.lifecycle.control import create_simulation
    from simulations.lifecycle.requests import SimulationRequest
    from simulations.models import User

    owner, _ = User.objects.get_or_create(username=OWNER)
    request = SimulationRequest(
        scenario=scenario,
        start=start,
        end=end,
        records=records_for_leads(leads, scenario),
        distribution=distribution,
        seed=SEED,
        pace=pace,
        time_scale=time_scale,
    )
    return create_simulation(owner=owner, request=request)
