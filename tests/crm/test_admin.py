"""The CRM and simulation admin, driven by a real admin client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from crm.models import RECORD_MODELS
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import create_simulation, start_simulation
from simulations.lifecycle.requests import SimulationRequest
from simulations.models import Simulation
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

QUARTER = {"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "end": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}


def _simulation(records: int = 900, run: bool = True) -> Simulation:
    """Seed 3's quarter of 900 records has rows for every filter below (of 600, engine 4 closes no deal as lost)."""
    request = SimulationRequest(scenario="b2b", records=records, seed=3, **QUARTER)
    simulation = create_simulation(owner=UserFactory(), request=request)
    return run_in_process(start_simulation(simulation=simulation)) if run else simulation


@pytest.fixture
def client() -> Client:
    client = Client()
    client.force_login(StaffFactory())
    return client


CHANGELIST_FILTERS = {
    "owner": {"role": "Account Executive"},
    "company": {"industry": "COMPUTER_SOFTWARE"},
    "contact": {"lifecycle_stage": "lead", "source": "ORGANIC_SEARCH"},
    "deal": {"dealstage": "closedwon", "is_won__exact": True, "deal_type": "newbusiness"},
    "dealcontact": {"is_primary__exact": True},
    "activity": {"type": "call", "direction": "OUTBOUND"},
    "lifecycleevent": {"to_stage": "customer"},
    "dealstageevent": {"to_stage": "closedlost"},
}
SEARCHES = {"owner": "a", "company": "a", "contact": "a", "deal": "-", "activity": "call"}


def _model(name: str) -> type[Model]:
    return next(m for m in RECORD_MODELS.values() if m._meta.model_name == name)


@pytest.mark.parametrize("model", sorted(CHANGELIST_FILTERS))
def test_crm_changelists_load_filtered_by_simulation_and_stage(client: Client, model: str) -> None:
    simulation, other = _simulation(), _simulation(records=200)
    rows = _model(model)._default_manager
    url = reverse(f"admin:crm_{model}_changelist")
    assert client.get(url).status_code == 200
    response = client.get(url, {"simulation__id__exact": simulation.pk})
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows.filter(simulation=simulation).count() > 0
    assert rows.filter(simulation=other).exists()
    filters = CHANGELIST_FILTERS[model]
    response = client.get(url, {"simulation__id__exact": simulation.pk, **filters})
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows.filter(simulation=simulation, **filters).count() > 0
    if model in SEARCHES:
        response = client.get(url, {"simulation__id__exact": simulation.pk, "q": SEARCHES[model]})
        assert response.status_code == 200 and response.context["cl"].result_count > 0


@pytest.mark.parametrize("model", sorted(CHANGELIST_FILTERS))
def test_crm_rows_cannot_be_added_or_changed_in_the_admin(client: Client, model: str) -> None:
    simulation = _simulation(records=200)
    assert client.get(reverse(f"admin:crm_{model}_add")).status_code == 403
    row = (
        next(m for m in RECORD_MODELS.values() if m._meta.model_name == model)
        ._default_manager.filter(simulation=simulation)
        .first()
    )
    assert row is not None
    response = client.post(reverse(f"admin:crm_{model}_change", args=[row.pk]), {})
    assert response.status_code == 403 or "Save" not in response.content.decode()


def test_the_simulation_page_shows_the_snapshot_and_progress(client: Client) -> None:
    simulation = _simulation()
    assert (
        client.get(
            reverse("admin:simulations_simulation_changelist"), {"status__exact": "completed", "q": "user"}
        ).status_code
        == 200
    )
    response = client.get(reverse("admin:simulations_simulation_change", args=[simulation.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "&quot;dealWinRateBase&quot;: 0.6" in page
    assert (
        f"<td>contacts</td><td>{simulation.planned['contacts']}</td><td>{simulation.planned['contacts']}</td>" in page
    )


def test_cancel_action_cancels_what_it_can_and_reports_the_rest(client: Client) -> None:
    scheduled = _simulation(run=False)
    completed = _simulation()
    response = client.post(
        reverse("admin:simulations_simulation_changelist"),
        {"action": "cancel_selected", "_selected_action": [scheduled.pk, completed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    scheduled.refresh_from_db()
    completed.refresh_from_db()
    assert scheduled.status == Simulation.Status.CANCELLED
    assert completed.status == Simulation.Status.COMPLETED
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Cancelled 1" in t for t in texts)
    assert any(f"#{completed.pk}" in t and "completed" in t for t in texts)


def test_deleting_a_simulation_removes_its_crm_rows(client: Client) -> None:
    simulation, other = _simulation(), _simulation()
    assert all(m._default_manager.filter(simulation=simulation).exists() for m in RECORD_MODELS.values())
    response = client.post(reverse("admin:simulations_simulation_delete", args=[simulation.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Simulation.objects.filter(pk=simulation.pk).exists()
    assert not any(m._default_manager.filter(simulation_id=simulation.pk).exists() for m in RECORD_MODELS.values())
    assert all(m._default_manager.filter(simulation=other).exists() for m in RECORD_MODELS.values())


def test_bulk_delete_action_removes_crm_rows_of_every_selected_simulation(client: Client) -> None:
    first, second = _simulation(), _simulation()
    response = client.post(
        reverse("admin:simulations_simulation_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    for pk in (first.pk, second.pk):
        assert not any(m._default_manager.filter(simulation_id=pk).exists() for m in RECORD_MODELS.values())
