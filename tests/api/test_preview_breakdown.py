"""The preview's funnel and amount histogram (what the scenario comparison shows) against a run's rows."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from crm.models import Contact, Deal
from crmsim.vocabulary import LIFECYCLE_STAGES
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import plan_submitted_simulation, start_simulation
from tests.api.conftest import BODY, Actors

pytestmark = pytest.mark.django_db


def _bin(amount: Decimal, edges: list[Decimal]) -> int:
    return max(0, min(len(edges) - 2, sum(1 for e in edges if e <= amount) - 1))


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_the_previews_funnel_and_amounts_are_what_the_run_writes(actors: Actors, scenario: str) -> None:
    client = actors.client("a")
    body = {**BODY, "scenario": scenario, "records": 400}
    inputs = {k: v for k, v in body.items() if k != "scenario"}
    preview = client.post(f"/api/scenarios/{scenario}/preview/", inputs, format="json").json()
    created = client.post("/api/simulations/", body, format="json").json()
    simulation = plan_submitted_simulation(simulation_id=created["id"])
    assert simulation is not None
    simulation = run_in_process(start_simulation(simulation=simulation))

    stages = Counter(Contact.objects.filter(simulation=simulation).values_list("lifecycle_stage", flat=True))
    assert preview["funnel"] == [{"stage": s, "contacts": stages[s]} for s in LIFECYCLE_STAGES]
    assert sum(row["contacts"] for row in preview["funnel"]) == preview["leads"]

    edges = [Decimal(e) for e in preview["amounts"]["edges"]]
    deals = Deal.objects.filter(simulation=simulation)
    for kind, stage_filter in (("won", {"dealstage": "closedwon"}), ("lost", {"dealstage": "closedlost"})):
        expected = [0] * (len(edges) - 1)
        for cents in deals.filter(**stage_filter).values_list("amount_cents", flat=True):
            expected[_bin(Decimal(cents) / 100, edges)] += 1
        assert preview["amounts"][kind] == expected
    assert sum(preview["amounts"]["won"]) == preview["deals"]["won"]
    assert sum(preview["amounts"]["lost"]) == preview["deals"]["lost"]
    assert sum(preview["amounts"]["open"]) == preview["deals"]["open"]
