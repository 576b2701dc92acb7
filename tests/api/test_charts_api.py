"""GET /api/simulations/{id}/charts/: the dashboard's chart data against the rows in the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pytest

from crm.models import Activity, Contact, Deal
from crmsim.vocabulary import ACTIVITY_TYPES, LIFECYCLE_STAGES
from simulations.lifecycle.clock import epoch
from simulations.lifecycle.control import start_simulation
from simulations.materialize.slot import materialize_slot
from simulations.models import Simulation, Slot
from simulations.reads.charts import aggregate_ttl
from tests.api.conftest import Actors

pytestmark = pytest.mark.django_db


def _histogram(moments: list[dt.datetime], edges: list[str]) -> list[int]:
    bounds = np.array([epoch(dt.datetime.fromisoformat(e.replace("Z", "+00:00"))) for e in edges])
    times = np.sort(np.array([epoch(m) for m in moments], dtype=np.int64))
    counts = np.diff(np.searchsorted(times, bounds))
    counts[-1] += int((times >= bounds[-1]).sum())  # nothing should be at or after the window's end
    return [int(c) for c in counts]


def test_a_completed_simulations_charts_equal_its_rows(actors: Actors, completed_simulation: Simulation) -> None:
    data = actors.client("a").get(f"/api/simulations/{completed_simulation.pk}/charts/").json()
    contacts = Contact.objects.filter(simulation=completed_simulation)

    arrivals = data["arrivals"]
    assert len(arrivals["edges"]) == len(arrivals["planned"]) + 1 == 51
    assert arrivals["written"] == arrivals["planned"]
    assert sum(arrivals["planned"]) == completed_simulation.planned["contacts"] == contacts.count()
    assert arrivals["written"] == _histogram(list(contacts.values_list("created_at", flat=True)), arrivals["edges"])

    stages = Counter(contacts.values_list("lifecycle_stage", flat=True))
    assert data["funnel"] == [{"stage": s, "contacts": stages[s]} for s in LIFECYCLE_STAGES]

    deals = Deal.objects.filter(simulation=completed_simulation)
    assert sum(row["deals"] for row in data["pipeline"]) == deals.count() > 0
    for row in data["pipeline"]:
        in_stage = deals.filter(dealstage=row["stage"])
        assert row["deals"] == in_stage.count()
        assert Decimal(row["amount"]) == Decimal(sum(in_stage.values_list("amount_cents", flat=True))) / 100
    assert {row["stage"] for row in data["pipeline"]} >= {"closedwon", "closedlost"}

    activities = Activity.objects.filter(simulation=completed_simulation)
    mix = data["activities"]
    assert [s["type"] for s in mix["series"]] == list(ACTIVITY_TYPES)
    for series in mix["series"]:
        moments = list(activities.filter(type=series["type"]).values_list("occurred_at", flat=True))
        assert series["counts"] == _histogram(moments, mix["edges"])
    assert sum(sum(s["counts"]) for s in mix["series"]) == activities.count() > 0
    assert data["lag"] == []  # a backfill records no lag


def test_written_arrivals_follow_partly_written_slots_exactly(
    actors: Actors, make_simulation: Callable[..., Simulation]
) -> None:
    simulation = start_simulation(simulation=make_simulation(actors.a, records=4000))
    slots = list(Slot.objects.filter(simulation=simulation).order_by("index"))
    assert len(slots) >= 3
    middle = epoch(simulation.window_start) + (epoch(simulation.window_end) - epoch(simulation.window_start)) // 2
    materialize_slot(slot_id=slots[0].pk)  # whole slot
    materialize_slot(slot_id=slots[1].pk, until=middle)  # its first half of the window only
    client = actors.client("a")

    data = client.get(f"/api/simulations/{simulation.pk}/charts/").json()
    moments = list(Contact.objects.filter(simulation=simulation).values_list("created_at", flat=True))
    assert 0 < len(moments) < simulation.planned["contacts"]
    assert data["arrivals"]["written"] == _histogram(moments, data["arrivals"]["edges"])
    assert sum(data["arrivals"]["planned"]) == simulation.planned["contacts"]

    materialize_slot(slot_id=slots[2].pk)
    later = client.get(f"/api/simulations/{simulation.pk}/charts/").json()
    moments = list(Contact.objects.filter(simulation=simulation).values_list("created_at", flat=True))
    assert later["arrivals"]["written"] == _histogram(moments, later["arrivals"]["edges"])
    assert sum(later["arrivals"]["written"]) > sum(data["arrivals"]["written"])


def test_a_planning_simulation_has_no_arrivals_yet(actors: Actors) -> None:
    client = actors.client("a")
    body = {"scenario": "b2b", "start": "2026-01-01", "end": "2026-04-01", "records": 200, "seed": 7}
    created = client.post("/api/simulations/", body, format="json").json()
    data = client.get(f"/api/simulations/{created['id']}/charts/").json()
    assert data["status"] == "planning"
    assert data["arrivals"] is None and data["funnel"] == [] and data["activities"] is None


def test_aggregates_are_cached_fifty_times_their_cost_within_bounds() -> None:
    assert aggregate_ttl(0.0, ended=False) == 2
    assert aggregate_ttl(0.2, ended=False) == 10
    assert aggregate_ttl(5.0, ended=False) == 60
    assert aggregate_ttl(0.0, ended=True) == 24 * 3600
