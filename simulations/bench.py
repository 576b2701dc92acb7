"""Engine benchmark: ``python -m simulations.bench [--leads 1000000] [--scenario b2b] [--write-slots 200]``.

Prints plan, count-mode and write-mode timings and the peak RSS. Not a test: figures depend on the host.
"""

from __future__ import annotations

import argparse
import resource
import time

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads N' (records N is derived)")
    parser.add_argument("--scenario", choices=("b2b", "b2c"), default="b2b")
    parser.add_argument("--distribution", default="linear")
    parser.add_argument("--years", type=float, default=1.0, help="window length")
    parser.add_argument("--write-slots", type=int, default=200, help="slots to generate in write mode")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    preset = B2B if args.scenario == "b2b" else B2C
    parameters = ScenarioParameters.from_json(preset["parameters"])
    records = max(1, round(args.leads / parameters.leadVolumeMultiplier))
    inputs = SimulationInputs(
        parameters=parameters,
        distribution=args.distribution,
        distribution_params=freeze_params(validate_distribution(args.distribution, {})),
        start=START,
        end=START + int(args.years * YEAR),
        records=records,
        seed=args.seed,
    )
    pools()  # built once per process; timed apart
    rows: list[tuple[str, str, str]] = []

    began = time.perf_counter()
    plan = build_plan(inputs)
    plan_seconds = time.perf_counter() - began
    rows.append(("build_plan", f"{plan_seconds:.2f} s", f"{plan.lead_count:,} leads, {plan.company_count:,} companies"))

    build_plan.cache_clear()
    began = time.perf_counter()
    counts = count_plan(inputs)
    count_seconds = time.perf_counter() - began
    total = sum(counts.totals.values())
    rows.append(
        ("count_plan (incl. plan)", f"{count_seconds:.2f} s", f"{total:,} rows planned, {plan.slot_count} slots")
    )

    slots = min(args.write_slots, plan.slot_count)
    plan = build_plan(inputs)
    _ = plan.company_values  # built once per plan (global); not part of the per-slot figure
    began = time.perf_counter()
    written = 0
    for k in range(slots):
        data = generate_slot(plan, k)
        written += sum(data.rows(t) for t in RECORD_TYPES)
    write_seconds = time.perf_counter() - began
    rows.append(
        (
            "generate_slot",
            f"{write_seconds:.2f} s",
            f"{slots} slots, {written:,} rows, {written / write_seconds:,.0f} rows/s",
        )
    )
    rows.append(("peak RSS", f"{_peak_rss_mb():,.0f} MB", "resource.getrusage ru_maxrss"))

    print(
        f"crmsim engine bench: scenario={args.scenario} distribution={args.distribution} "
        f"records={records:,} window={args.years:g}y seed={args.seed}"
    )
    for label, figure, detail in rows:
        print(f"  {label:<24} {figure:>10}   {detail}")
    print("  planned: " + ", ".join(f"{t}={counts.totals[t]:,}" for t in RECORD_TYPES))


if __name__ == "__main__":
    main()
