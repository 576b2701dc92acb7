"""rows/s vs N for each system, from a results JSON: ``python -m benchmarks.plot RESULTS.json OUT.png``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LABELS = {
    "copy": "raw COPY (write limit)",
    "crmsim_celery": "crmsim, 2 Celery workers",
    "crmsim_inprocess": "crmsim, in-process",
    "snowfakery": "Snowfakery",
    "orm_bulk": "Django bulk_create + Faker",
    "orm_create": "Django create() per row + Faker",
    "celery_per_record": "Celery, one task per record",
}


def plot(report: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmarks.report import best

    results = best(report["results"])
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for system, label in LABELS.items():
        points = sorted((r["leads"], r["rows_per_second"]) for r in results if r["system"] == system)
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", label=label, linestyle="-" if len(points) > 1 else "none")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N leads (about 9.7 rows per lead)")
    ax.set_ylabel("rows per second")
    machine = report["machine"]
    ax.set_title(f"crmsim write throughput, {report['date'][:10]}, {machine['nproc']} cores, "
                 f"PostgreSQL {machine['postgresql']}", fontsize=10)  # fmt: skip
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


if __name__ == "__main__":
    plot(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
