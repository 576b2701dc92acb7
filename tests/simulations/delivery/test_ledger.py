"""The delivery lag per request, computed in O(1) from events in delivery order, is numpy's median and maximum."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simulations.delivery.ledger import lag_ms
from simulations.models import Simulation

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def reference(simulation: Simulation, times: list[int]) -> tuple[float, float]:
    """The lag as ``np.percentile`` over every event (how it was computed before it was made O(1))."""
    assert simulation.clock_wall is not None and simulation.clock_sim is not None
    origin = simulation.clock_wall.timestamp() - simulation.clock_sim.timestamp() / simulation.time_scale
    lag = np.maximum(NOW.timestamp() - (origin + np.array(times) / simulation.time_scale), 0.0) * 1000.0
    return float(np.percentile(lag, 50)), float(lag.max())


@pytest.mark.parametrize("count", [1, 2, 7, 100])
def test_a_live_lag_is_the_median_and_worst_of_every_event(count: int) -> None:
    simulation = Simulation(
        pace=Simulation.Pace.LIVE,
        time_scale=60.0,
        clock_sim=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        clock_wall=NOW - dt.timedelta(seconds=30),
    )
    rng = np.random.default_rng(count)
    start = int(dt.datetime(2026, 1, 2, tzinfo=dt.UTC).timestamp())
    times = sorted(rng.integers(start - 3_600, start + 3_600, size=count).tolist())
    assert lag_ms(simulation, times, NOW) == pytest.approx(reference(simulation, times))


def test_a_backfill_lag_is_the_time_since_the_simulation_started() -> None:
    simulation = Simulation(pace=Simulation.Pace.BACKFILL, started_at=NOW - dt.timedelta(seconds=2))
    assert lag_ms(simulation, [1, 2, 3], NOW) == (2000.0, 2000.0)
