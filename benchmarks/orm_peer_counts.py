"""Child: print crmsim's planned counts for N leads (the peers' table sizes), without writing any CRM row."""

from __future__ import annotations

import argparse

from benchmarks.scratch import emit
from benchmarks.workload import create_simulation, setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, required=True)
    args = parser.parse_args(argv)
    setup_django()
    from benchmarks.fake_rows import peer_counts

    emit({"counts": peer_counts(create_simulation(args.leads).planned)})


if __name__ == "__main__":
    main()
