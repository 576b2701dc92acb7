"""crmsim's benchmark suite: ``python -m benchmarks [--quick] [--json PATH]`` (see docs/performance.md).

Every measurement runs in its own subprocess against its own scratch PostgreSQL database (``crmsim_bench_*``,
cloned from a migrated template), so settings, caches and peak RSS never leak from one measurement into the
next. Figures depend on the host; compare ratios taken in the same run, not absolute numbers across runs.
"""
