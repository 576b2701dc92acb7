"""Peer: Snowfakery (``snowfakery.generate_data``) writing crmsim's dataset shape into PostgreSQL.

Child process: ``python -m benchmarks.snowfakery_peer --database-url URL --companies C --contacts L --deals D
--activities A``. Snowfakery creates its own tables (one per object) in its own scratch database; the counts
are crmsim's planned counts for the same N. Timed: the whole ``generate_data`` call.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.scratch import emit

RECIPE = Path(__file__).with_name("snowfakery_recipe.yml")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    for kind in ("companies", "contacts", "deals", "activities"):
        parser.add_argument(f"--{kind}", type=int, required=True)
    args = parser.parse_args(argv)
    from snowfakery import generate_data

    counts = {kind: getattr(args, kind) for kind in ("companies", "contacts", "deals", "activities")}
    dburl = args.database_url.replace("postgres://", "postgresql+psycopg://", 1)
    began = time.perf_counter()
    generate_data(str(RECIPE), dburl=dburl, user_options={k: str(v) for k, v in counts.items()})
    seconds = time.perf_counter() - began
    rows = sum(counts.values())
    emit({"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "counts": counts})


if __name__ == "__main__":
    main()
