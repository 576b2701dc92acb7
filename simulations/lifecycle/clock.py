"""Simulated time: epoch seconds, and which simulated moment is due at a given wall time (live pace)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from simulations.models import Simulation


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def simulated_now(simulation: Simulation, wall: dt.datetime) -> int:
    """The simulated time (epoch seconds) that is due at wall time ``wall``, capped at the window's end.

    Backfill: the window's end (everything is due). Live: clock_sim + (wall - clock_wall) x time_scale; a
    paused simulation's clock stands still at clock_sim.
    """
    end = epoch(simulation.window_end)
    if simulation.pace == Simulation.Pace.BACKFILL:
        return end
    assert simulation.clock_sim is not None
    sim = epoch(simulation.clock_sim)
    if simulation.clock_wall is not None:
        sim += int((wall - simulation.clock_wall).total_seconds() * simulation.time_scale)
    return min(sim, end)


def due_wall_time(simulation: Simulation, seconds: int) -> dt.datetime:
    """Wall time at which simulated time ``seconds`` falls due (live pace, while running)."""
    if simulation.pace == Simulation.Pace.BACKFILL or simulation.clock_wall is None:
        return timezone.now()
    assert simulation.clock_sim is not None
    offset = (seconds - epoch(simulation.clock_sim)) / simulation.time_scale
    return simulation.clock_wall + dt.timedelta(seconds=offset)
