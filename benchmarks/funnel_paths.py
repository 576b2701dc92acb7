"""Issue 14's "The funnel is a ladder" figures, measured on written simulations:
``python -m benchmarks.funnel_paths ID [ID ...]``.

For each simulation (e.g. written by ``manage.py start_simulation --scenario b2b --records 20000 --seed 7
--start 2026-01-01 --end 2026-07-01``) it runs the SQL in ``QUERIES`` (printed with ``--sql``) and prints, figure by
figure: lifecycle transitions to the next stage / skipping / back, other and evangelist counts, won deals walking
every open stage, lost deals' drop-out stage mix, lost deals' openers still at opportunity, deal stage moves,
open deals past their close date. Reads the database only, as a CRM analyst would.
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from typing import Any

from benchmarks.realism import _setup, _share

LADDER = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")

QUERIES = {
    "lifecycle steps": "SELECT from_stage, to_stage, count(*) FROM crm_lifecycleevent WHERE simulation_id = %s "
    "GROUP BY from_stage, to_stage",
    "current stages": "SELECT lifecycle_stage, count(*) FROM crm_contact WHERE simulation_id = %s "
    "GROUP BY lifecycle_stage",
    "deal paths": "SELECT d.key, d.dealstage, string_agg(e.to_stage, ' ' ORDER BY e.seq) FROM crm_deal d "
    "JOIN crm_dealstageevent e ON e.simulation_id = d.simulation_id AND e.deal_key = d.key "
    "WHERE d.simulation_id = %s GROUP BY d.key, d.dealstage",
    "lost openers now": "SELECT c.lifecycle_stage, count(*) FROM crm_deal d JOIN crm_contact c "
    "ON c.simulation_id = d.simulation_id AND c.key = d.contact_key WHERE d.simulation_id = %s "
    "AND d.is_won = false AND d.closed_at < %s GROUP BY c.lifecycle_stage",
    "open deals past their close date": "SELECT count(*), sum(CASE WHEN close_date < %s THEN 1 ELSE 0 END) "
    "FROM crm_deal WHERE simulation_id = %s AND closed_at IS NULL",
}


def _query(name: str, *params: Any) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(QUERIES[name], params)
        return list(cursor.fetchall())


def _step(order: tuple[str, ...], a: str, b: str) -> str:
    if b in ("other", "evangelist"):
        return f"to {b}"
    if a not in order or b not in order:
        return f"{a} -> {b}"
    gap = order.index(b) - order.index(a)
    return "next" if gap == 1 else "skip" if gap > 1 else "back"


def figures(simulation: Any) -> list[tuple[str, str]]:
    import datetime as dt

    from simulations.engine import scenario_style
    from simulations.engine.catalog import OPEN_STAGES

    out: list[tuple[str, str]] = []
    add = out.append
    pk, end = simulation.pk, simulation.window_end
    steps = _query("lifecycle steps", pk)
    entries = Counter({b: n for a, b, n in steps if a == ""})
    add(("contacts created as subscriber / lead / other", " / ".join(f"{entries[s]:,}" for s in
                                                                      ("subscriber", "lead", "other"))))  # fmt: skip
    mix: Counter[str] = Counter()
    for a, b, n in steps:
        if a:
            mix[_step(LADDER, a, b)] += n
    total = sum(mix.values())
    add(("lifecycle transitions (after creation)", f"{total:,}"))
    for kind in ("next", "skip", "back", "to other", "to evangelist"):
        add((f"  {kind}", _share(mix[kind], total)))
    add(("  of which lead -> SQL / MQL -> lead / SQL -> lead / opportunity -> lead / opportunity -> other",
         " / ".join(f"{n:,}" for n in (sum(n for a, b, n in steps if (a, b) == pair) for pair in (
             ("lead", "salesqualifiedlead"), ("marketingqualifiedlead", "lead"), ("salesqualifiedlead", "lead"),
             ("opportunity", "lead"), ("opportunity", "other"))))))  # fmt: skip
    stages = dict(_query("current stages", pk))
    add(("contacts now other / evangelist", f"{stages.get('other', 0):,} / {stages.get('evangelist', 0):,}"))

    open_stages = OPEN_STAGES[scenario_style(str(simulation.parameters.get("id", simulation.scenario)))]
    paths = _query("deal paths", pk)
    won = [p.split() for _, stage, p in paths if stage == "closedwon"]
    walked = sum(1 for p in won if p[:-1] == list(open_stages))
    add(("won deals walking every open stage in order", _share(walked, len(won))))
    deal_mix: Counter[str] = Counter()
    for _, _, p in paths:
        names = p.split()
        for a, b in itertools.pairwise(names):
            deal_mix["to close" if b.startswith("closed") else _step(open_stages, a, b)] += 1
    moves = sum(deal_mix.values())
    add(("deal stage moves next / skip / back / to close", " / ".join(
        _share(deal_mix[k], moves) for k in ("next", "skip", "back", "to close"))))  # fmt: skip
    lost = Counter(p.split()[-2] for _, stage, p in paths if stage == "closedlost")
    add(("lost deals by last open stage", " / ".join(f"{lost[s]:,}" for s in open_stages)))
    for days in (0, 30):
        now = dict(_query("lost openers now", pk, end - dt.timedelta(days=days)))
        label = "lost deals' openers now lead / other / still opportunity" + (f" (lost {days}+ d before end)"
                                                                               if days else "")  # fmt: skip
        n = sum(now.values())
        add((label, " / ".join(_share(now.get(s, 0), n) for s in ("lead", "other", "opportunity"))))
    ((open_deals, past),) = _query("open deals past their close date", end, pk)
    add(("open deals at the end with a close date already past", _share(int(past or 0), int(open_deals))))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.funnel_paths", description=__doc__)
    parser.add_argument("ids", type=int, nargs="+", help="ids of written simulations")
    parser.add_argument("--sql", action="store_true", help="print the SQL used")
    args = parser.parse_args(argv)
    _setup()
    from simulations.models import Simulation

    for pk in args.ids:
        simulation = Simulation.objects.get(pk=pk)
        print(f"== simulation #{pk}: {simulation.scenario}, {simulation.records:,} records, seed {simulation.seed}, "
              f"engine {simulation.engine_version}")  # fmt: skip
        for label, value in figures(simulation):
            print(f"  {label:<62} {value}")
    if args.sql:
        for name, sql in QUERIES.items():
            print(f"-- {name}\n{sql};")


if __name__ == "__main__":
    main()
