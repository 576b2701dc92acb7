"""Planning: the engine's own micro-benchmark (``python -m simulations.bench``) at 1M leads, parsed.

Run as a child by the suite, so its peak RSS is that process's alone; the bench prints build_plan,
count_plan (count mode over the whole plan, plan included) and generate_slot timings.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

from benchmarks.scratch import ROOT, emit

_RATE = re.compile(r"([\d,]+) rows/s")
_SECONDS = re.compile(r"^\s*(build_plan|count_plan \(incl\. plan\)|generate_slot)\s+([\d.]+) s\s+(.*)$")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--write-slots", type=int, default=50)
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "simulations.bench", "--leads", str(args.leads)]
    command += ["--write-slots", str(args.write_slots)]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    result: dict[str, object] = {"leads": args.leads, "output": output}
    for line in output.splitlines():
        match = _SECONDS.match(line)
        if match:
            name = match.group(1).split()[0]
            result[f"{name}_seconds"] = float(match.group(2))
            result[f"{name}_detail"] = match.group(3)
        rate = _RATE.search(line)
        if rate and "generate_slot" in line:
            result["generate_rows_per_second"] = float(rate.group(1).replace(",", ""))
    emit(result)


if __name__ == "__main__":
    main()
