"""Engine CPU time: ``python -m benchmarks.engine_cpu [--leads 100000] [--write-slots 20] [--repeat 3]``.

``benchmarks.engine`` times the engine's stages in wall-clock seconds, which swing 2-3x on a shared, loaded
host. This times the same stages (``build_plan``, ``count_plan``, ``generate_slot`` over the first slots) in
this process's CPU seconds, best of ``--repeat``, so two engine versions can be compared side by side on such a
host (docs/performance.md "Engine 4"). B2B preset, linear arrivals over a year, seed 42, like the wall-clock one.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.engine import bench_inputs
from simulations.engine import RECORD_TYPES, build_plan, count_plan, generate_slot
from simulations.engine.pools import pools


def measure(leads: int, write_slots: int, repeat: int) -> dict[str, float]:
    inputs = bench_inputs(leads=leads)
    pools()
    best = {"build_plan": float("inf"), "count_plan": float("inf"), "generate": float("inf")}
    rows = 0
    for _ in range(repeat):
        build_plan.cache_clear()
        began = time.process_time()
        plan = build_plan(inputs)
        best["build_plan"] = min(best["build_plan"], time.process_time() - began)
        build_plan.cache_clear()
        began = time.process_time()
        count_plan(inputs)
        best["count_plan"] = min(best["count_plan"], time.process_time() - began)
        plan = build_plan(inputs)
        _ = plan.company_values, plan.person_values, plan.owner_values
        began = time.process_time()
        rows = sum(
            generate_slot(plan, k).rows(t) for k in range(min(write_slots, plan.slot_count)) for t in RECORD_TYPES
        )
        best["generate"] = min(best["generate"], time.process_time() - began)
    return {**best, "rows": float(rows), "rows_per_cpu_second": rows / best["generate"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--write-slots", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.leads, args.write_slots, args.repeat)
    print(
        f"build_plan {result['build_plan']:.3f} s  count_plan {result['count_plan']:.3f} s  "
        f"generate {result['generate']:.3f} s ({result['rows']:,.0f} rows, "
        f"{result['rows_per_cpu_second']:,.0f} rows per CPU second)"
    )


if __name__ == "__main__":
    main()
