"""Simulations end to end on the configured database: snapshot, plan, materialize, control, digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from crm.models import RECORD_MODELS, Contact, Deal
from crmsim.errors import InvalidInput, StateConflict
from crmsim.vocabulary import RECORD_TYPES
from scenarios.models import ScenarioPreset
from simulations import engine
from simulations.drivers.in_process import run_in_process
from simulations.lifecycle.control import (
    cancel_simulation,
    complete_if_done,
    create_simulation,
    delete_simulation,
    pause_simulation,
    resume_simulation,
    start_simulation,
)
from simulations.lifecycle.requests import SimulationRequest, engine_inputs
from simulations.materialize.slot import apply_due_events, materialize_slot
from simulations.materialize.writers import writer_for_connection
from simulations.models import Simulation, Slot
from simulations.reads.digest import database_digest
from simulations.reads.progress import processed_counts
from tests.factories import UserFactory
from tests.simulations.conftest import QUARTER, expected_digest

pytestmark = pytest.mark.django_db

Make = Callable[..., Simulation]


def _row_counts(simulation: Simulation) -> dict[str, int]:
    return {t: RECORD_MODELS[t].objects.filter(simulation=simulation).count() for t in RECORD_TYPES}


def test_creation_snapshots_the_resolved_parameters_and_plans_exact_counts(make_simulation: Make) -> None:
    simulation = make_simulation(overrides={"dealWinRateBase": 0.62}, seed=None)
    assert simulation.status == Simulation.Status.SCHEDULED
    assert simulation.parameters["dealWinRateBase"] == 0.62
    assert simulation.parameters["id"] == "b2b"
    assert simulation.engine_version == engine.ENGINE_VERSION
    assert 0 <= simulation.seed < 2**63
    totals = engine.count_plan(engine.SimulationInputs(**_inputs_kwargs(simulation))).totals
    assert simulation.planned == {t: int(totals[t]) for t in RECORD_TYPES}
    assert simulation.slots.count() == -(-simulation.planned["contacts"] // engine.SLOT_SIZE)
    assert sum(slot.planned["contacts"] for slot in simulation.slots.all()) == simulation.planned["contacts"]


def _inputs_kwargs(simulation: Simulation) -> dict:
    inputs = engine_inputs(simulation)
    return {f: getattr(inputs, f) for f in inputs.__dataclass_fields__}


def test_the_snapshot_does_not_change_when_the_preset_is_edited(make_simulation: Make) -> None:
    simulation = make_simulation()
    preset = ScenarioPreset.objects.get(slug="b2b")
    preset.parameters["dealWinRateBase"] = 0.56
    preset.save()
    simulation.refresh_from_db()
    assert simulation.parameters["dealWinRateBase"] == 0.6
    assert simulation.preset_version == 1


def test_a_finished_simulation_has_the_engine_digest_and_processed_equals_planned(run_simulation: Make) -> None:
    simulation = run_simulation(records=3000)
    assert simulation.status == Simulation.Status.COMPLETED
    assert simulation.finished_at is not None
    assert processed_counts(simulation) == simulation.planned == _row_counts(simulation)
    assert database_digest(simulation) == expected_digest(simulation)


def test_two_runs_with_the_same_seed_give_equal_digests_and_other_seeds_differ(run_simulation: Make) -> None:
    first = database_digest(run_simulation(seed=7))
    second = database_digest(run_simulation(seed=7))
    other = database_digest(run_simulation(seed=8))
    assert first == second
    assert other != first


def test_materializing_a_slot_twice_changes_nothing(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation())
    slot = simulation.slots.get(index=0)
    first = materialize_slot(slot_id=slot.pk)
    assert first.done and sum(first.written.values()) > 0
    counts = _row_counts(simulation)
    second = materialize_slot(slot_id=slot.pk)
    assert second.skipped == "done"
    assert second.written == {}
    assert _row_counts(simulation) == counts
    assert processed_counts(simulation) == counts


def test_slots_written_in_reverse_order_give_the_same_digest(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation(records=3000))
    for slot in simulation.slots.order_by("-index"):
        materialize_slot(slot_id=slot.pk)
    assert complete_if_done(simulation_id=simulation.pk)
    assert not complete_if_done(simulation_id=simulation.pk), "completion is detected exactly once"
    assert database_digest(simulation) == expected_digest(simulation)


def test_a_live_run_written_in_many_steps_ends_with_the_backfill_digest(make_simulation: Make) -> None:
    """Live pace writes rows as they fall due and updates contact/deal state as events arrive; the end state
    is the same dataset as a backfill."""
    simulation = make_simulation(pace="live", time_scale=86_400.0, records=2000)
    wall = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    simulation = start_simulation(simulation=simulation, now=wall)
    seen = []
    for day in range(1, 95, 3):  # one simulated day per wall second: step three days at a time
        apply_due_events(simulation=simulation, now=wall + dt.timedelta(seconds=day))
        seen.append(sum(processed_counts(simulation).values()))
    assert seen == sorted(seen) and seen[0] < seen[-1], "rows appear progressively"
    assert complete_if_done(simulation_id=simulation.pk)
    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.COMPLETED
    assert processed_counts(simulation) == simulation.planned
    assert database_digest(simulation) == expected_digest(simulation)


def test_state_updates_applied_out_of_order_keep_the_latest_stage(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation())
    materialize_slot(slot_id=simulation.slots.get(index=0).pk)
    deal = Deal.objects.filter(simulation=simulation).order_by("-stage_seq").first()
    contact = Contact.objects.filter(simulation=simulation).order_by("-stage_seq").first()
    assert deal is not None and contact is not None
    writer_for_connection().update_state(
        Contact,
        simulation.pk,
        {
            "key": np.array([contact.key]),
            "lifecycle_stage": np.array(["subscriber"], dtype=object),
            "stage_seq": np.array([0]),
        },
    )
    contact_after = Contact.objects.get(pk=contact.pk)
    assert (contact_after.lifecycle_stage, contact_after.stage_seq) == (contact.lifecycle_stage, contact.stage_seq)


def test_pause_then_resume_gives_the_same_digest_as_an_uninterrupted_run(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation(records=3000))
    materialize_slot(slot_id=simulation.slots.get(index=1).pk)
    pause_simulation(simulation=simulation)
    assert apply_due_events(simulation=Simulation.objects.get(pk=simulation.pk)) == 0
    skipped = materialize_slot(slot_id=simulation.slots.get(index=0).pk)
    assert skipped.skipped == "not running"
    resume_simulation(simulation=simulation)
    simulation = run_in_process(simulation)
    assert simulation.status == Simulation.Status.COMPLETED
    assert database_digest(simulation) == expected_digest(simulation)


def test_an_interrupted_runner_pauses_and_resume_completes_with_the_same_digest(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation(records=3000))

    def interrupt(progress: dict) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_in_process(simulation, on_progress=interrupt)
    simulation.refresh_from_db()
    assert simulation.status == Simulation.Status.PAUSED
    assert Slot.objects.filter(simulation=simulation, status=Slot.Status.DONE).count() > 0
    resume_simulation(simulation=simulation)
    assert run_in_process(simulation).status == Simulation.Status.COMPLETED
    assert database_digest(simulation) == expected_digest(simulation)


def test_cancel_stops_and_keeps_what_was_written(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation(records=3000))
    materialize_slot(slot_id=simulation.slots.get(index=0).pk)
    written = _row_counts(simulation)
    cancel_simulation(simulation=simulation)
    assert run_in_process(simulation).status == Simulation.Status.CANCELLED
    assert _row_counts(simulation) == written
    with pytest.raises(StateConflict):
        resume_simulation(simulation=simulation)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (start_simulation, Simulation.Status.RUNNING),
        (pause_simulation, Simulation.Status.SCHEDULED),
        (resume_simulation, Simulation.Status.RUNNING),
    ],
)
def test_control_actions_refuse_the_wrong_status(make_simulation: Make, action: Callable, status: str) -> None:
    simulation = make_simulation()
    Simulation.objects.filter(pk=simulation.pk).update(status=status)
    with pytest.raises(StateConflict):
        action(simulation=simulation)


def test_bad_requests_raise_every_error_by_path_and_write_nothing(make_simulation: Make) -> None:
    before = Simulation.objects.count()
    with pytest.raises(InvalidInput) as info:
        make_simulation(
            scenario="b2b",
            overrides={"dealWinRateBase": 0.9},
            distribution="nope",
            records=0,
            end=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            pace="warp",
        )
    assert {"overrides.dealWinRateBase", "distribution", "records", "end", "pace"} <= set(info.value.errors)
    assert Simulation.objects.count() == before


def test_deleting_a_simulation_deletes_its_rows_and_leaves_others(run_simulation: Make) -> None:
    doomed = run_simulation(records=1000)
    kept = run_simulation(records=1000, seed=9)
    kept_counts = _row_counts(kept)
    doomed_id = doomed.pk
    delete_simulation(simulation=doomed)
    assert all(not model.objects.filter(simulation_id=doomed_id).exists() for model in RECORD_MODELS.values())
    assert _row_counts(kept) == kept_counts
    assert not Slot.objects.filter(simulation_id=doomed_id).exists()


def test_a_running_simulation_is_only_deleted_when_forced(make_simulation: Make) -> None:
    simulation = start_simulation(simulation=make_simulation())
    with pytest.raises(StateConflict):
        delete_simulation(simulation=simulation)
    assert Simulation.objects.filter(pk=simulation.pk).exists()
    simulation_id = simulation.pk
    delete_simulation(simulation=simulation, force=True)
    assert not Simulation.objects.filter(pk=simulation_id).exists()


def test_the_active_limit_is_enforced_only_when_asked(make_simulation: Make, settings: Any) -> None:
    settings.CRMSIM_MAX_RUNNING_PER_USER = 1
    owner = UserFactory()
    make_simulation(owner=owner)
    make_simulation(owner=owner)  # the shell's operator is trusted
    request = SimulationRequest(scenario="b2b", records=100, seed=1, **QUARTER)
    with pytest.raises(InvalidInput) as info:
        create_simulation(owner=owner, request=request, enforce_active_limit=True)
    assert "the limit is 1" in info.value.errors["non_field_errors"][0]
