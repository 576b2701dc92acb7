"""The calibration report: does a simulation's CRM data follow the parameters it was configured with?

``calibration_report`` reads a simulation's rows (it never writes) and compares every scenario parameter of
the resolved snapshot (``Simulation.parameters``) with the value realized in the database. Each comparison is
a ``CalibrationRow``: the configured value, the value the data is expected to show, the realized value, a
tolerance and a verdict ("OK" or "WARN").

Tolerances are derived, never tuned: ``STANDARD_ERRORS`` (4) standard errors of the estimate at the realized
sample size (plus, for the funnel, a bound on the residual truncation bias), or exact for counts and ranges.
Four standard errors give about a 1-in-16,000 chance of a false WARN per row. The statistics are in
``reads.calibration_statistics`` (pure), the checks that read rows in ``reads.calibration_checks``.

Truncation. Stories are cut at the window's end: a lead may not have taken its next funnel step yet, an open
deal has no close, a lead's later activities are missing. Every check says in its note which rows it counts
so that truncation cannot bias it:

- funnel conversion: every contact that reached the stage, each weighted by the chance its exponential dwell
  ended before the window's end (so the estimate is unbiased however short the window);
- win rate: every closed deal (a deal's close time does not depend on whether it is won);
- deal cycle: every closed deal, compared with the cycle's expectation *given* that it closed before the end;
- activities per lead: leads whose story is over (closed deal, or no deal and a last funnel step at least
  ``HORIZON_DWELLS`` mean dwells before the end);
- amounts, company sizes and the lead count are not truncated.

The model facts used (dwell means, the Gamma deal cycle) come from ``simulations.engine.trajectories``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crmsim.vocabulary import RECORD_TYPES
from simulations.models import Simulation
from simulations.reads import sql
from simulations.reads.calibration_checks import CHECKS, CalibrationContext
from simulations.reads.calibration_statistics import CalibrationRow
from simulations.reads.digest import database_digest
from simulations.reads.progress import progress as simulation_progress
from simulations.reads.realism import realism_rows
from simulations.reads.realism_local import local_realism_rows


def calibration_rows(simulation: Simulation, ctx: CalibrationContext | None = None) -> list[CalibrationRow]:
    """Every parameter of the snapshot against the simulation's rows, in schema order."""
    ctx = ctx or CalibrationContext.of(simulation)
    rows: list[CalibrationRow] = []
    for check in CHECKS:
        result = check(ctx)
        rows.extend(result if isinstance(result, list) else [result])
    return rows


def calibration_report(simulation: Simulation) -> dict[str, Any]:
    """Status, planned vs processed per record type, the calibration table and the database digest.

    Pure reads. The result is JSON-ready: ``calibration`` is a list of CalibrationRow dicts, ``allOk`` is
    True when every verdict is "OK". Realized values of a simulation that is not completed describe the rows
    written so far, so a WARN there is expected.
    """
    digest = _digest_beside(simulation)
    progress = simulation_progress(simulation)
    ctx = CalibrationContext.of(simulation)
    rows = calibration_rows(simulation, ctx)
    realism = [
        *realism_rows(simulation, paths=ctx.path_rows, month_end=ctx.month_end_closes),
        *local_realism_rows(simulation, seasons=ctx.season_counts),
    ]
    return _finite(
        {
            "id": simulation.pk,
            "scenario": simulation.scenario,
            "status": simulation.status,
            "records": simulation.records,
            "seed": simulation.seed,
            "window": {
                "start": simulation.window_start.isoformat().replace("+00:00", "Z"),
                "end": simulation.window_end.isoformat().replace("+00:00", "Z"),
            },
            "progress": {
                t: {"planned": progress["planned"][t], "processed": progress["processed"][t]} for t in RECORD_TYPES
            },
            "percent": progress["percent"],
            "calibration": [row.to_json() for row in rows],
            "allOk": all(row.verdict == "OK" for row in rows),
            "realism": realism,
            "digest": digest(),
        }
    )


def _finite(value: Any) -> Any:
    """NaN and infinities as null: JSON has neither (PostgreSQL's jsonb refuses them, DRF's renderer too). An
    expectation the window cannot define is one, e.g. the month-end share of a window shorter than a day."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _digest_beside(simulation: Simulation) -> Callable[[], str]:
    """The database digest, started now on a connection of its own, so the database works on it and on the
    report's reads at once (two cores); the returned function waits for it. Where a second connection would not
    see what this one sees, it is computed when asked for."""
    if not sql.second_connection_sees_all():
        return lambda: database_digest(simulation)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crmsim-digest")
    future = pool.submit(sql.closing_connections(lambda: database_digest(simulation)))
    pool.shutdown(wait=False)  # the thread ends with its one task
    return future.result
