"""The local-arrival and holiday-season rows of the report (realism and calibration), on written data.

A B2B year (2026, 6,000 records, seed 3): every row is OK as written, and turns to WARN when the data is broken
the way the rule forbids (arrivals piled onto Mondays, August made as busy as July).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db.models import F

from crm.models import Activity, Contact
from simulations.models import Simulation
from simulations.reads.realism_local import local_realism_rows
from simulations.reads.report import calibration_report

YEAR = {"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "end": dt.datetime(2027, 1, 1, tzinfo=dt.UTC)}


@pytest.fixture
def b2b_year(run_simulation: Callable[..., Simulation]) -> Simulation:
    return run_simulation(scenario="b2b", records=6000, seed=3, **YEAR)


def _rows(simulation: Simulation) -> dict[str, dict]:
    return {row["measure"]: row for row in local_realism_rows(simulation)}


@pytest.mark.django_db
def test_a_b2b_year_has_every_local_row_ok_and_a_measured_season_row(b2b_year: Simulation) -> None:
    rows = _rows(b2b_year)
    assert {
        "arrivals at 09:00-17:00 local on a working day",
        "arrivals on a local Saturday or Sunday",
        "arrivals per Friday/Monday vs per Tuesday-Thursday",
        "rep actions in the August holidays vs the weeks before",
        "rep actions in the Year-end holidays vs the weeks before",
    } <= set(rows)
    assert [r for r in rows.values() if r["verdict"] != "OK"] == []
    season = next(r for r in calibration_report(b2b_year)["calibration"] if r["parameter"] == "seasonalSlowdown")
    assert season["verdict"] == "OK"
    assert season["realized"] is not None and season["realized"] < 0.85


@pytest.mark.django_db
def test_the_rows_turn_to_warn_when_the_rules_are_broken(b2b_year: Simulation) -> None:
    # Every Saturday and Sunday arrival piled onto the following Monday (local days are within a day of UTC).
    weekend = Contact.objects.filter(simulation=b2b_year, created_at__week_day__in=(1, 7))
    for contact in weekend:
        days = 2 if contact.created_at.isoweekday() == 6 else 1
        Contact.objects.filter(pk=contact.pk).update(created_at=F("created_at") + dt.timedelta(days=days))
    # August's rep actions doubled: each one copied a day earlier inside August.
    august = Activity.objects.filter(simulation=b2b_year, occurred_at__month=8, occurred_at__day__gte=3)
    top = Activity.objects.filter(simulation=b2b_year).order_by("-key").values_list("key", flat=True).first() or 0
    copies = []
    for offset, activity in enumerate(august, start=1):
        activity.pk = None
        activity.key = top + offset
        activity.occurred_at -= dt.timedelta(days=1)
        copies.append(activity)
    Activity.objects.bulk_create(copies)
    rows = _rows(b2b_year)
    assert rows["arrivals per Friday/Monday vs per Tuesday-Thursday"]["verdict"] == "WARN"
    assert rows["arrivals on a local Saturday or Sunday"]["verdict"] == "WARN"
    assert rows["rep actions in the August holidays vs the weeks before"]["verdict"] == "WARN"
    calibration = {r["parameter"]: r for r in calibration_report(b2b_year)["calibration"]}
    assert calibration["seasonalSlowdown"]["verdict"] == "WARN"
