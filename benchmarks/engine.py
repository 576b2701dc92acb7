"""Engine benchmark: ``python -m benchmarks.engine [--leads 1000000] [--scenario b2b] [--write-slots 200]``.

The engine alone, no database: ``build_plan``, ``count_plan`` (count mode over the whole plan, plan included)
and ``generate_slot`` (write mode, in memory) timings and this process's peak RSS, printed as a table. The
suite runs it as its "planning" measurement with ``--emit``, which adds the ``BENCH_RESULT`` line that
``benchmarks.scratch.run_child`` reads; the parent then measures this process's peak RSS itself. Figures
depend on the host.
"""

from __future__ import annotations

import argparse
import resource
import time
from typing import Any

from benchmarks.scratch import emit
from scenarios.builtin import B2B, B2C
from scenarios.parameters import ScenarioParameters
from simulations.engine import (
    RECORD_TYPES,
    SimulationInputs,
    build_plan,
    count_plan,
    freeze_params,
    generate_slot,
    validate_distribution,
)
from simulations.engine.pools import pools

START = 1_704_067_200  # 2024-01-01T00:00:00Z
YEAR = 365 * 86_400


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def bench_inputs(
    *, leads: int, scenario: str = "b2b", distribution: str = "linear", years: float = 1.0, seed: int = 42
) -> SimulationInputs:
    """The benchmark's inputs: ``leads`` N' of the built-in preset (records N derived from its multiplier)."""
    preset = B2B if scenario == "b2b" else B2C
    parameters = ScenarioParameters.from_json(preset["parameters"])
    return SimulationInputs(
        parameters=parameters,
        distribution=distribution,
        distribution_params=freeze_params(validate_distribution(distribution, {})),
        start=START,
        end=START + int(years * YEAR),
        records=max(1, round(leads / parameters.leadVolumeMultiplier)),
        seed=seed,
    )


def measure(
    *, leads: int, scenario: str = "b2b", distribution: str = "linear", years: float = 1.0, write_slots: int = 200,
    seed: int = 42,
) -> dict[str, Any]:  # fmt: skip
    """Time the three engine stages for ``leads`` N' (records N derived from the preset's multiplier).

    Returns seconds per stage, the plan's sizes, rows planned per record type and write-mode rows/s.
    """
    inputs = bench_inputs(leads=leads, scenario=scenario, distribution=distribution, years=years, seed=seed)
    records = inputs.records
    pools()  # built once per process; timed apart

    began = time.perf_counter()
    plan = build_plan(inputs)
    build_seconds = time.perf_counter() - began

    build_plan.cache_clear()
    began = time.perf_counter()
    counts = count_plan(inputs)
    count_seconds = time.perf_counter() - began

    slots = min(write_slots, plan.slot_count)
    plan = build_plan(inputs)
    began = time.perf_counter()
    # Values decided for the whole simulation (companies, people, the team) are built once per plan and
    # process, like the pools: timed apart from the per-slot figure.
    _ = plan.company_values, plan.person_values, plan.owner_values
    values_seconds = time.perf_counter() - began
    began = time.perf_counter()
    written = 0
    for k in range(slots):
        data = generate_slot(plan, k)
        written += sum(data.rows(t) for t in RECORD_TYPES)
    write_seconds = time.perf_counter() - began
    return {
        "scenario": scenario,
        "distribution": distribution,
        "years": years,
        "seed": seed,
        "records": records,
        "leads": plan.lead_count,
        "companies": plan.company_count,
        "slots": plan.slot_count,
        "build_plan_seconds": round(build_seconds, 2),
        "count_plan_seconds": round(count_seconds, 2),
        "plan_values_seconds": round(values_seconds, 2),
        "planned": {t: counts.totals[t] for t in RECORD_TYPES},
        "generate_slots": slots,
        "generate_rows": written,
        "generate_seconds": round(write_seconds, 2),
        "generate_rows_per_second": written / write_seconds if write_seconds else None,
        "peak_rss_mb": _peak_rss_mb(),
    }


def format_report(r: dict[str, Any]) -> str:
    """The human-readable table (docs/engine.md quotes it)."""
    planned = r["planned"]
    rate = r["generate_rows_per_second"] or 0.0
    rows = [
        ("build_plan", f"{r['build_plan_seconds']:.2f} s", f"{r['leads']:,} leads, {r['companies']:,} companies"),
        ("count_plan (incl. plan)", f"{r['count_plan_seconds']:.2f} s",
         f"{sum(planned.values()):,} rows planned, {r['slots']} slots"),
        ("plan values (once)", f"{r['plan_values_seconds']:.2f} s", "companies, people, team (write mode only)"),
        ("generate_slot", f"{r['generate_seconds']:.2f} s",
         f"{r['generate_slots']} slots, {r['generate_rows']:,} rows, {rate:,.0f} rows/s"),
        ("peak RSS", f"{r['peak_rss_mb']:,.0f} MB", "resource.getrusage ru_maxrss"),
    ]  # fmt: skip
    lines = [
        f"crmsim engine bench: scenario={r['scenario']} distribution={r['distribution']} "
        f"records={r['records']:,} window={r['years']:g}y seed={r['seed']}"
    ]
    lines += [f"  {label:<24} {figure:>10}   {detail}" for label, figure, detail in rows]
    lines.append("  planned: " + ", ".join(f"{t}={planned[t]:,}" for t in RECORD_TYPES))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engine", description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads N' (records N is derived)")
    parser.add_argument("--scenario", choices=("b2b", "b2c"), default="b2b")
    parser.add_argument("--distribution", default="linear")
    parser.add_argument("--years", type=float, default=1.0, help="window length")
    parser.add_argument("--write-slots", type=int, default=200, help="slots to generate in write mode")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--emit", action="store_true", help="also print the BENCH_RESULT line the suite reads")
    args = parser.parse_args(argv)
    result = measure(
        leads=args.leads, scenario=args.scenario, distribution=args.distribution, years=args.years,
        write_slots=args.write_slots, seed=args.seed,
    )  # fmt: skip
    output = format_report(result)
    print(output, flush=True)
    if args.emit:
        emit({**result, "output": output + "\n"})


if __name__ == "__main__":
    main()
