"""Realism figures of written simulations: ``python -m benchmarks.realism --b2b ID --b2c ID``.

Prints, for a B2B and a B2C simulation already written to the database (e.g. by
``manage.py start_simulation --scenario b2b --records 20000 --seed 7 --start 2026-01-01 --end 2026-07-01``),
the figures issue 13 measured on engine 1, in the issue's order: owners and contact properties, engagement
types and their fields, deals per account and committees, B2C households, value pools, cross-scenario sharing
and deal properties; then issue 14's top-of-issue figures (``stories``: stage fit of touches, local time,
weekends and nights, month ends, the funnel's paths, outcomes). Reads the database only (the ORM), so it
measures what a user of the CRM would see.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
from collections import Counter
from typing import Any

import numpy as np


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
    import django

    django.setup()


def _share(part: int, whole: int) -> str:
    return f"{part:,}/{whole:,} ({100.0 * part / whole:.1f}%)" if whole else f"{part:,}/0"


def _rows(model: Any, simulation: Any, *fields: str) -> list[tuple]:
    return list(model.objects.filter(simulation=simulation).order_by().values_list(*fields))


def _overlapping_accounts(deals: list[tuple], end: float) -> tuple[int, int]:
    """(accounts with 2+ deals, accounts where two deals were open at the same time)."""
    by_company: dict[int, list[tuple[float, float]]] = {}
    for company, created, closed in deals:
        by_company.setdefault(company, []).append((created.timestamp(), closed.timestamp() if closed else end))
    several = overlapping = 0
    for spans in by_company.values():
        if len(spans) < 2:
            continue
        several += 1
        spans.sort()
        if any(spans[i + 1][0] < max(s[1] for s in spans[: i + 1]) for i in range(len(spans) - 1)):
            overlapping += 1
    return several, overlapping


def figures(simulation: Any) -> list[tuple[str, str]]:
    from crm.models import Activity, Company, Contact, Deal, DealContact, DealStageEvent, Owner
    from simulations.engine.catalog import INDUSTRIES

    out: list[tuple[str, str]] = []
    add = out.append
    end = simulation.window_end.timestamp()

    owners = _rows(Owner, simulation, "team", "role", "timezone")
    add(("owners", f"{len(owners)} ({Counter(r for _, r, _ in owners).most_common()})"))
    contacts = _rows(
        Contact, simulation, "key", "company_key", "owner_key", "first_name", "last_name", "email", "phone",
        "job_title", "country", "timezone", "lead_status", "source",
    )  # fmt: skip
    n = len(contacts)
    for i, name in (
        (10, "lead_status"),
        (11, "source"),
        (8, "country"),
        (9, "timezone"),
        (6, "phone"),
        (7, "job_title"),
    ):
        add((f"contacts with {name}", _share(sum(1 for c in contacts if c[i]), n)))
    add(("sources", str(Counter(c[11] for c in contacts).most_common(5))))
    add(("contacts with an owner", _share(sum(1 for c in contacts if c[2] is not None), n)))

    activities = _rows(
        Activity, simulation, "type", "body", "direction", "status", "duration_seconds", "due_at", "owner_key"
    )
    kinds = Counter(a[0] for a in activities)
    add(("activities by type", str(dict(sorted(kinds.items())))))
    for kind in ("note", "task", "call", "email", "meeting"):
        mine = [a for a in activities if a[0] == kind]
        if not mine:
            continue
        length = np.mean([len(a[1]) for a in mine])
        detail = f"body {_share(sum(1 for a in mine if a[1]), len(mine))}, mean body {length:.0f} chars"
        if kind in ("call", "email"):
            detail += f", direction {Counter(a[2] for a in mine).most_common(2)}"
        if kind in ("call", "meeting"):
            durations = [a[4] for a in mine if a[4] is not None]
            detail += f", median duration {np.median(durations):.0f} s" if durations else ""
        if kind in ("task", "call", "meeting", "email"):
            detail += f", status {Counter(a[3] for a in mine).most_common(3)}"
        if kind == "task":
            detail += f", due date {_share(sum(1 for a in mine if a[5]), len(mine))}"
        add((f"  {kind}", detail))

    deals = _rows(
        Deal, simulation, "key", "company_key", "name", "pipeline", "dealstage", "deal_type", "probability",
        "amount_cents", "close_date", "lost_reason", "is_won", "closed_at", "created_at",
    )  # fmt: skip
    members = Counter(d for (d,) in _rows(DealContact, simulation, "deal_key"))
    sizes = Counter(members[d[0]] for d in deals)
    add(("deals", f"{len(deals):,}; contacts per deal {dict(sorted(sizes.items()))}"))
    add(("deals with 2+ contacts", _share(sum(1 for d in deals if members[d[0]] > 1), len(deals))))
    several, overlapping = _overlapping_accounts([(d[1], d[12], d[11]) for d in deals], end)
    add(("accounts with 2+ deals / with overlapping open deals", f"{several:,} / {overlapping:,}"))
    names = Counter(d[2] for d in deals)
    add(("deals sharing a name", f"{sum(c for c in names.values() if c > 1):,}"))
    won_at: dict[int, float] = {}
    for d in deals:
        if d[10] and d[11]:
            won_at[d[1]] = min(won_at.get(d[1], float("inf")), d[11].timestamp())
    existing = [d for d in deals if d[5] == "existingbusiness"]
    after_win = sum(1 for d in existing if won_at.get(d[1], float("inf")) <= d[12].timestamp())
    add(("existingbusiness deals / after a win at the account", f"{len(existing):,} / {after_win:,}"))
    open_deals = [d for d in deals if d[11] is None]
    add(("open deals with a close date", _share(sum(1 for d in open_deals if d[8]), len(open_deals))))
    add(("pipelines / deal types", f"{Counter(d[3] for d in deals)} / {Counter(d[5] for d in deals)}"))
    add(("probability by stage", str(sorted({(d[4], d[6]) for d in deals}))))
    lost = [d for d in deals if d[10] is False]
    add(("closedlost with a lost reason", _share(sum(1 for d in lost if d[9]), len(lost))))
    cents = np.array([d[7] for d in deals], dtype=np.int64)
    if cents.size:
        add(("amounts with cents", _share(int((cents % 100 != 0).sum()), cents.size)))
        add(("amounts a multiple of $100", _share(int((cents % 10_000 == 0).sum()), cents.size)))
        add(("ln(amount) mean / sd", f"{np.log(cents / 100).mean():.3f} / {np.log(cents / 100).std(ddof=1):.3f}"))
    by_product: dict[str, list[tuple]] = {}
    for d in deals:
        by_product.setdefault(d[2].split(" - ")[1], []).append(d)
    rows = []
    for product, mine in sorted(by_product.items(), key=lambda item: -len(item[1])):
        closed = [d for d in mine if d[10] is not None]
        rate = sum(1 for d in closed if d[10]) / len(closed) if closed else float("nan")
        rows.append(f"{product}: n={len(mine)} median ${np.median([d[7] for d in mine]) / 100:,.0f} win {rate:.2f}")
    add(("by product", "; ".join(rows[:6])))
    stages = set(DealStageEvent.objects.filter(simulation=simulation).values_list("to_stage", flat=True).distinct())
    add(("stages reached", ", ".join(sorted(stages))))

    companies = _rows(Company, simulation, "key", "kind", "name", "domain", "industry", "employees", "annual_revenue")
    add(("companies by kind", str(Counter(c[1] for c in companies))))
    add(("companies with an industry", _share(sum(1 for c in companies if c[4]), len(companies))))
    add(("industries in HubSpot's list", _share(sum(1 for c in companies if c[4] in INDUSTRIES), len(companies))))
    add(("domains with a digit", _share(sum(1 for c in companies if re.search(r"\d", c[3])), len(companies))))
    add(("most repeated company name", str(Counter(c[2] for c in companies).most_common(1))))
    revenue = [(c[5], c[6]) for c in companies if c[5] and c[6]]
    if len(revenue) > 2:
        correlation = np.corrcoef(np.log([r[0] for r in revenue]), np.log([r[1] for r in revenue]))[0, 1]
        add(("corr(ln employees, ln revenue)", f"{correlation:.2f}"))
    by_company: dict[int, list[str]] = {}
    for c in contacts:
        by_company.setdefault(c[1], []).append(c[4])
    shared = [len(set(v)) == 1 for v in by_company.values() if len(v) > 1]
    add(("multi-member accounts sharing one last name", _share(sum(shared), len(shared))))
    titles = Counter(c[7] for c in contacts if c[7])
    add(("distinct job titles / with 'Director'", f"{len(titles)} / {sum(1 for t in titles if 'Director' in t)}"))
    add(("top job titles", str(titles.most_common(4))))
    us = [c[6] for c in contacts if c[6].startswith("+1 ")]
    bad = sum(1 for p in us if re.match(r"\+1 (\d11|555)-|\+1 \d{3}-(\d11|555)-", p))
    add(("US phones with an N11 or 555 code", _share(bad, len(us))))
    key_in_mail = sum(1 for c in contacts if str(c[0]) in re.findall(r"\d+", c[5].split("@")[0]))
    add(("e-mails containing the contact's key", _share(key_in_mail, n)))
    emails = Counter(c[5] for c in contacts)
    add(("duplicate e-mails", str(sum(v for v in emails.values() if v > 1))))
    return out


LATE = re.compile(r"contract|negotiation|closing|onboarding|quote|proposal|budget|pricing", re.IGNORECASE)


def _local(moment: Any, zone: str) -> Any:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone))


def _business(local: Any) -> bool:
    return local.weekday() < 5 and 9 <= local.hour < 17


def _corr(x: list[float], y: list[float]) -> str:
    return f"{np.corrcoef(x, y)[0, 1]:.2f} (n={len(x):,})" if len(x) > 2 else "-"


def _step_kind(order: list[str], a: str, b: str) -> str:
    if a not in order or b not in order:
        return "other"
    gap = order.index(b) - order.index(a)
    return "next" if gap == 1 else "skip" if gap > 1 else "back"


def stories(simulation: Any) -> list[tuple[str, str]]:
    """Issue 14's top-of-issue figures, in its order."""
    from crm.models import Activity, Company, Contact, Deal, DealStageEvent, LifecycleEvent

    out: list[tuple[str, str]] = []
    add = out.append
    contacts = {k: (stage, tz, created) for k, stage, tz, created in _rows(
        Contact, simulation, "key", "lifecycle_stage", "timezone", "created_at")}  # fmt: skip
    activities = _rows(Activity, simulation, "type", "subject", "contact_key", "deal_key", "occurred_at", "direction")
    early = [a for a in activities if contacts[a[2]][0] in ("subscriber", "lead")]
    add(("late-stage touches on subscribers/leads", _share(sum(1 for a in early if LATE.search(a[1])), len(early))))
    onboarding = [a for a in activities if a[1] == "Onboarding call"]
    off = sum(1 for a in onboarding if contacts[a[2]][0] != "customer")
    add(("onboarding calls on non-customers", _share(off, len(onboarding))))
    per_contact = Counter(a[2] for a in activities)
    for stage in ("subscriber", "lead", "customer"):
        keys = [k for k, c in contacts.items() if c[0] == stage]
        mean = np.mean([per_contact[k] for k in keys]) if keys else float("nan")
        add((f"activities per {stage}", f"{mean:.2f} over {len(keys):,}"))
    won_at = dict(
        LifecycleEvent.objects.filter(simulation=simulation, to_stage="customer").values_list(
            "contact_key", "occurred_at"
        )
    )
    touched = {a[2] for a in activities if a[2] in won_at and a[4] > won_at[a[2]]}
    add(("customers touched after the win", _share(len(touched), len(won_at))))
    add(("activities linked to a deal", _share(sum(1 for a in activities if a[3] is not None), len(activities))))

    created = [c[2] for c in contacts.values()]
    eastern = sum(1 for t in created if _business(_local(t, "America/New_York")))
    pacific = sum(1 for t in created if _business(_local(t, "America/Los_Angeles")))
    own = [_business(_local(c[2], c[1])) for c in contacts.values() if c[1]]
    add(
        (
            "arrivals in US-Eastern / Pacific business hours",
            f"{_share(eastern, len(created))} / {_share(pacific, len(created))}",
        )
    )
    add(("arrivals in the contact's own business hours", _share(sum(own), len(own))))
    weekday = Counter(t.weekday() for t in created)
    tue_thu = (weekday[1] + weekday[2] + weekday[3]) / 3
    add(("arrivals Fri / Mon vs Tue-Thu mean (UTC)", f"{weekday[4] / tue_thu:.2f} / {weekday[0] / tue_thu:.2f}"))
    times = [a[4] for a in activities]
    add(("activities on weekends (UTC)", _share(sum(1 for t in times if t.weekday() >= 5), len(times))))
    add(("activities at 00:00-06:00 UTC", _share(sum(1 for t in times if t.hour < 6), len(times))))
    rep = [a for a in activities if a[0] in ("note", "task", "meeting") or (a[0] == "call" and a[5] == "OUTBOUND")]
    local = [_local(a[4], contacts[a[2]][1]) for a in rep if contacts[a[2]][1]]
    add(
        ("rep actions in local business hours 09-17 Mon-Fri", _share(sum(1 for t in local if _business(t)), len(local)))
    )
    add(("rep actions on local weekends", _share(sum(1 for t in local if t.weekday() >= 5), len(local))))
    add(("rep actions at local 00:00-06:00", _share(sum(1 for t in local if t.hour < 6), len(local))))
    inbound = [
        _local(a[4], contacts[a[2]][1])
        for a in activities
        if a[5] in ("INBOUND", "INCOMING_EMAIL") and contacts[a[2]][1]
    ]
    add(("contact-started actions at local 18-23", _share(sum(1 for t in inbound if 18 <= t.hour < 23), len(inbound))))

    deals = _rows(Deal, simulation, "key", "company_key", "amount_cents", "is_won", "created_at", "closed_at")
    closed = [d for d in deals if d[5] is not None]
    last3 = sum(1 for d in closed if (d[5] + dt.timedelta(days=3)).month != d[5].month)
    add(("closes in the last 3 days of a month", _share(last3, len(closed))))
    steps = Counter(_rows(LifecycleEvent, simulation, "from_stage", "to_stage"))
    order = ["", "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]
    mix: Counter[str] = Counter()
    for (a, b), n in steps.items():
        mix[_step_kind(order, a, b)] += n
    add(("lifecycle transitions (next/skip/back/other)", str(dict(mix))))
    lost_from = Counter(
        f
        for (f,) in DealStageEvent.objects.filter(simulation=simulation, to_stage="closedlost").values_list(
            "from_stage"
        )
    )
    add(("lost deals by last open stage", str(dict(lost_from.most_common()))))
    for label, outcome in (("won", True), ("lost", False)):
        mine = [d for d in closed if d[3] is outcome]
        if mine:
            amount = np.median([d[2] for d in mine]) / 100
            cycle = np.median([(d[5] - d[4]).total_seconds() / 86_400 for d in mine])
            add((f"{label}: median amount / cycle", f"${amount:,.0f} / {cycle:.1f} d (n={len(mine):,})"))
    add(("corr(amount, cycle) closed deals", _corr([d[2] for d in closed],
                                                   [(d[5] - d[4]).total_seconds() for d in closed])))  # fmt: skip
    employees = dict(_rows(Company, simulation, "key", "employees"))
    sized = [d for d in deals if employees.get(d[1])]
    add(("corr(ln amount, ln employees)", _corr([math.log(d[2]) for d in sized],
                                               [math.log(employees[d[1]]) for d in sized])))  # fmt: skip
    return out


def shared_people(b2b: Any, b2c: Any) -> list[tuple[str, str]]:
    from crm.models import Contact

    a = {k: (p, la, t) for k, p, la, t in _rows(Contact, b2b, "key", "phone", "last_name", "job_title")}
    b = {k: (p, la, t) for k, p, la, t in _rows(Contact, b2c, "key", "phone", "last_name", "job_title")}
    common = sorted(set(a) & set(b))
    out = []
    for i, name in enumerate(("phone", "last_name", "job_title")):
        same = sum(1 for k in common if a[k][i] and a[k][i] == b[k][i])
        out.append((f"same key in both: same {name}", _share(same, len(common))))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realism", description=__doc__)
    parser.add_argument("--b2b", type=int, required=True, help="id of a written B2B simulation")
    parser.add_argument("--b2c", type=int, required=True, help="id of a written B2C simulation")
    args = parser.parse_args(argv)
    _setup()
    from simulations.models import Simulation

    simulations = {name: Simulation.objects.get(pk=getattr(args, name)) for name in ("b2b", "b2c")}
    for name, simulation in simulations.items():
        print(f"== {name}: simulation #{simulation.pk}, {simulation.records:,} records, seed {simulation.seed}, "
              f"engine {simulation.engine_version}")  # fmt: skip
        for label, value in (*figures(simulation), *stories(simulation)):
            print(f"  {label:<52} {value}")
    print("== same seed, both scenarios")
    for label, value in shared_people(simulations["b2b"], simulations["b2c"]):
        print(f"  {label:<52} {value}")


if __name__ == "__main__":
    main()
