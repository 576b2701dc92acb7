"""Holiday seasons at the engine level: ``python -m benchmarks.seasons [--records 200000] [--seed 7]``.

Builds the plan of a B2B year (2026-01-01..2027-01-01, linear arrivals) with ``seasonalSlowdown`` 0 and 1 and
prints, per country, deal closes per calendar day (local dates) in August over March-July + September-November,
and on 22-31 December over 1 November-21 December: what the database query in benchmarks/localtime_figures.sql
gives, at a size where closes are many enough to read. No database; the numbers depend only on the inputs.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt

import numpy as np

from scenarios.builtin import B2B
from scenarios.parameters import ScenarioParameters
from simulations.engine import SimulationInputs, build_plan, freeze_params, validate_distribution
from simulations.engine.catalog import COUNTRIES
from simulations.engine.localtime import ZONE_COUNTRY, window_calendar

DAY = 86_400
START = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
END = int(dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp())
OTHER_MONTHS = (3, 4, 5, 6, 7, 9, 10, 11)


def close_ratios(records: int, seed: int, strength: float) -> dict[str, tuple[float, float, int]]:
    """Per country code: (August ratio, late-December ratio, August closes)."""
    parameters = dataclasses.replace(ScenarioParameters.from_json(B2B["parameters"]), seasonalSlowdown=strength)
    inputs = SimulationInputs(
        parameters, "linear", freeze_params(validate_distribution("linear", {})), START, END, records, seed
    )
    plan = build_plan(inputs)
    cal = window_calendar(START, END)
    closed = (plan.opportunity_at < END) & (plan.deal_close < END)
    close, zone = plan.deal_close[closed], plan.lead_zone[closed]
    local = (close + cal.offset[zone, close // DAY - cal.first]) // DAY
    date = local.astype("datetime64[D]")
    month = date.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (date - date.astype("datetime64[M]")).astype(np.int64) + 1
    country = ZONE_COUNTRY[zone]
    result = {}
    for c, spec in enumerate(COUNTRIES):
        mine = country == c
        august = int((mine & (month == 8)).sum())
        other = (mine & np.isin(month, OTHER_MONTHS)).sum() / 245
        late = (mine & (month == 12) & (day >= 22)).sum() / 10
        before = (mine & ((month == 11) | ((month == 12) & (day < 22)))).sum() / 51
        result[spec.code] = (august / 31 / other, late / before, august)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"B2B closes per day, {args.records:,} records, seed {args.seed}, 2026")
    print(f"{'seasonalSlowdown':>16}  country  Aug/other  lateDec/before  Aug closes")
    for strength in (0.0, 1.0):
        for code, (august, december, count) in close_ratios(args.records, args.seed, strength).items():
            print(f"{strength:>16g}  {code:<7}  {august:9.2f}  {december:14.2f}  {count:10,}")


if __name__ == "__main__":
    main()
