"""A completed simulation's report and digest: computed once, by the call that completed it, and stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.utils.encoders import JSONEncoder

from crm.models import Contact
from simulations.lifecycle.control import complete_if_done, start_simulation
from simulations.lifecycle.results import store_results
from simulations.materialize.slot import materialize_slot
from simulations.models import Simulation
from simulations.reads.digest import database_digest
from simulations.reads.report import calibration_report
from tests.simulations.conftest import expected_digest

pytestmark = pytest.mark.django_db

Make = Callable[..., Simulation]


def test_the_call_that_completes_a_simulation_stores_its_report_and_digest(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation(records=2500))
    for slot in simulation.slots.order_by("index"):
        materialize_slot(slot_id=slot.pk)
    simulation.refresh_from_db()
    assert simulation.report is None and simulation.digest == ""
    assert complete_if_done(simulation_id=simulation.pk)  # a slot's on_commit calls it outside a test transaction
    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.COMPLETED
    assert simulation.digest == database_digest(simulation) == expected_digest(simulation)
    assert simulation.report == json.loads(json.dumps(calibration_report(simulation), cls=JSONEncoder))
    assert simulation.report["digest"] == simulation.digest


def test_storing_is_idempotent_and_only_for_completed_simulations(make_simulation: Make) -> None:
    running = start_simulation(simulation=make_simulation(records=1200))
    assert not store_results(simulation_id=running.pk), "a running simulation has no results yet"
    for slot in running.slots.all():
        materialize_slot(slot_id=slot.pk)
    assert complete_if_done(simulation_id=running.pk)
    running.refresh_from_db()
    stored = running.report
    assert stored is not None
    assert not store_results(simulation_id=running.pk), "stored once: a second computation stores nothing"
    assert not complete_if_done(simulation_id=running.pk)
    running.refresh_from_db()
    assert running.report == stored
    assert not store_results(simulation_id=10**9)


def test_the_stored_digest_is_computed_from_the_rows_not_copied_from_the_engine(
    run_simulation: Callable[..., Simulation],
) -> None:
    simulation = run_simulation(records=1200)
    assert simulation.digest == expected_digest(simulation)
    Contact.objects.filter(simulation=simulation).order_by("key").first().delete()  # type: ignore[union-attr]
    Simulation.objects.filter(pk=simulation.pk).update(report=None, digest="")
    assert store_results(simulation_id=simulation.pk)
    simulation.refresh_from_db()
    assert simulation.digest == database_digest(simulation) != expected_digest(simulation)


def test_simulation_report_prints_the_stored_report_of_a_completed_simulation(
    run_simulation: Callable[..., Simulation],
) -> None:
    simulation = run_simulation(records=1200)
    marked = simulation.report | {"scenario": "stored-copy"}  # type: ignore[operator]
    Simulation.objects.filter(pk=simulation.pk).update(report=marked)
    out = StringIO()
    call_command("simulation_report", str(simulation.pk), "--json", stdout=out)
    assert json.loads(out.getvalue()) == marked
