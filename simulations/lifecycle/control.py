"""The simulation state machine: every write to a simulation's status (and its slots' plan) goes through here.

Life of a simulation::

    create_simulation  -> snapshot, status planning; in-process callers (CLI, benchmarks) plan at once
    plan_simulation    -> engine count mode: planned counts, slots pending -> scheduled (running with auto_start)
                          (deferred_planning: the API's create returns first; a Celery task or the embedded
                          runner calls plan_submitted_simulation later)
    start_simulation   -> running (live pace: the simulated clock starts)
    (simulations.materialize writes the rows, slot by slot)
    complete_if_done   -> completed, exactly once, when no slot is left; then report + digest (lifecycle.results)
    pause / resume / cancel / fail / delete

Bad input raises ``crmsim.errors.InvalidInput`` (via ``requests.validate_request``), the per-user quota
``LimitReached``, and a transition the status does not allow ``StateConflict``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from crm.models import RECORD_MODELS
from crmsim.errors import LimitReached, StateConflict
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.lifecycle.clock import from_epoch, simulated_now
from simulations.lifecycle.requests import SimulationRequest, engine_inputs, validate_request
from simulations.lifecycle.results import owe_results
from simulations.lifecycle.retry import retry_on_conflict
from simulations.models import Simulation, Slot, User

logger = logging.getLogger(__name__)

Status = Simulation.Status
ACTIVE_STATUSES = (Status.PLANNING, Status.SCHEDULED, Status.RUNNING, Status.PAUSED)


def _check_active_limit(owner: User) -> None:
    """At most CRMSIM_MAX_RUNNING_PER_USER scheduled/running/paused simulations per user.

    The owner's row is locked first, so two concurrent creates cannot both slip under the limit.
    """
    User.objects.select_for_update().filter(pk=owner.pk).exists()
    active = Simulation.objects.filter(owner=owner, status__in=ACTIVE_STATUSES).count()
    limit = settings.CRMSIM_MAX_RUNNING_PER_USER
    if active >= limit:
        raise LimitReached(
            f"You have {active} scheduled, running or paused simulations; the limit is {limit} "
            "(CRMSIM_MAX_RUNNING_PER_USER). Cancel or delete one first."
        )


@transaction.atomic
def create_simulation(
    *,
    owner: User,
    request: SimulationRequest,
    enforce_active_limit: bool = False,
    start: bool = False,
    defer_planning: bool = False,
    sink_ids: Sequence[int] = (),
) -> Simulation:
    """Validate and snapshot the resolved parameters and inputs; plan (and with ``start``, start) the simulation.

    ``sink_ids`` (the owner's sinks) are linked here (``delivery.services.attach_sinks``: an unknown or foreign id
    is InvalidInput and nothing is saved); each slot gets its delivery watermark when the plan is stored.

    Nothing is written on bad input (InvalidInput). ``enforce_active_limit`` applies the per-user limit of
    active simulations (LimitReached; the API sets it, the shell's operator is trusted).

    ``defer_planning`` (the API): store the simulation ``planning`` with ``auto_start = start`` and return without
    running the engine; ``plan_submitted_simulation`` plans it later, out of the request. Otherwise (CLI, admin,
    benchmarks) it is planned here, in this transaction, and returned ``scheduled`` (``running`` with ``start``).
    """
    valid = validate_request(request)
    if enforce_active_limit:
        _check_active_limit(owner)
    simulation = Simulation.objects.create(
        owner=owner,
        scenario=valid.preset.slug,
        preset_version=valid.preset.version,
        parameters=valid.parameters.to_json(),
        overrides=dict(request.overrides),
        distribution=request.distribution,
        distribution_params=valid.distribution_params,
        window_start=from_epoch(valid.inputs.start),
        window_end=from_epoch(valid.inputs.end),
        records=request.records,
        seed=valid.seed,
        pace=request.pace,
        time_scale=request.time_scale,
        engine_version=engine.ENGINE_VERSION,
        slot_size=engine.SLOT_SIZE,
        status=Status.PLANNING,
        auto_start=start,
    )
    if sink_ids:
        from simulations.delivery.services import attach_sinks

        attach_sinks(simulation=simulation, sink_ids=sink_ids)
    if defer_planning:
        return simulation
    simulation = plan_simulation(simulation=simulation)
    return start_simulation(simulation=simulation) if start else simulation


def _store_plan(simulation: Simulation, counts: engine.PlanCounts) -> Simulation:
    """Write the plan: one pending Slot per slot (and its delivery watermarks), the exact totals; scheduled."""
    Slot.objects.bulk_create(
        [
            Slot(
                simulation=simulation,
                index=k,
                next_due=from_epoch(int(counts.first_event_at[k])),
                planned=dict(zip(RECORD_TYPES, map(int, counts.per_slot[k]), strict=True)),
            )
            for k in range(len(counts.first_event_at))
        ],
        batch_size=1000,
    )
    from simulations.delivery.services import add_slot_deliveries

    add_slot_deliveries(simulation=simulation)  # the sinks linked at creation, one watermark per new slot
    simulation.planned = {t: int(counts.totals[t]) for t in RECORD_TYPES}
    simulation.status = Status.SCHEDULED
    simulation.save(update_fields=["planned", "status"])
    return simulation


@transaction.atomic
def plan_simulation(*, simulation: Simulation) -> Simulation:
    """Engine count mode over the whole plan: exact planned counts, one pending slot row per slot; scheduled."""
    return _store_plan(simulation, engine.count_plan(engine_inputs(simulation)))


def plan_submitted_simulation(*, simulation_id: int) -> Simulation | None:
    """Plan a simulation the API left ``planning``; start it when its creator asked for autoStart.

    Out of any request: the Celery task ``simulations.plan_simulation`` and the embedded runner call it. The engine
    runs with no lock held (it takes seconds at the maximum N), so cancel and delete stay instant meanwhile; the
    plan is then stored under the simulation's row lock only if the row is still ``planning``. Returns the
    simulation as stored, or None when there was nothing to plan (planned already by a concurrent call, cancelled
    or deleted meanwhile): idempotent, so a redelivered message or two runners are harmless.

    A planning error (the engine failed on these inputs) marks the simulation failed with the error and returns it.
    """
    simulation = Simulation.objects.filter(pk=simulation_id, status=Status.PLANNING).first()
    if simulation is None:
        return None
    try:
        counts = engine.count_plan(engine_inputs(simulation))
    except Exception as exc:
        logger.exception("Planning simulation %s failed", simulation_id)
        return _fail_planning(simulation_id, f"planning failed: {type(exc).__name__}: {exc}")
    return _store_submitted_plan(simulation_id, counts)


@retry_on_conflict
@transaction.atomic
def _store_submitted_plan(simulation_id: int, counts: engine.PlanCounts) -> Simulation | None:
    simulation = Simulation.objects.select_for_update(no_key=True).filter(pk=simulation_id).first()
    if simulation is None or simulation.status != Status.PLANNING:
        return None
    simulation = _store_plan(simulation, counts)
    return start_simulation(simulation=simulation) if simulation.auto_start else simulation


@retry_on_conflict
@transaction.atomic
def _fail_planning(simulation_id: int, error: str) -> Simulation | None:
    simulation = Simulation.objects.select_for_update(no_key=True).filter(pk=simulation_id).first()
    if simulation is None or simulation.status != Status.PLANNING:
        return None
    return fail_simulation(simulation=simulation, error=error)


# --- control ----------------------------------------------------------------------------------------------------------


def _locked(simulation: Simulation) -> Simulation:
    """The simulation's row, re-read under FOR NO KEY UPDATE: the first lock of every control action.

    Not FOR UPDATE: a worker's transaction that inserted a LagSample checks that foreign key at COMMIT (Django's
    constraints are DEFERRABLE INITIALLY DEFERRED) with FOR KEY SHARE on this row while it holds its slot's row
    lock; FOR UPDATE would block that check, and a control action waiting for the slot would close a deadlock.
    Control actions never change the row's key, so the weaker mode serializes them all the same.
    """
    return Simulation.objects.select_for_update(no_key=True).get(pk=simulation.pk)


@retry_on_conflict
@transaction.atomic
def start_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """scheduled -> running. Live pace starts the simulated clock at the window's start; at time_scale 1 a
    window that began in the past starts at the present, so its past part is backfilled at once."""
    simulation = _locked(simulation)
    if simulation.status != Status.SCHEDULED:
        raise StateConflict(f"Cannot start a simulation that is {simulation.status}.")
    now = now or timezone.now()
    simulation.status = Status.RUNNING
    simulation.started_at = now
    if simulation.pace == Simulation.Pace.LIVE:
        origin = simulation.window_start
        if simulation.time_scale == 1.0 and origin < now:
            origin = min(now, simulation.window_end)
        simulation.clock_sim = origin.replace(microsecond=0)
        simulation.clock_wall = now
    simulation.save(update_fields=["status", "started_at", "clock_sim", "clock_wall"])
    return simulation


@retry_on_conflict
@transaction.atomic
def pause_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """running -> paused: no new slot is claimed; a slot already being written finishes."""
    simulation = _locked(simulation)
    if simulation.status != Status.RUNNING:
        raise StateConflict(f"Cannot pause a simulation that is {simulation.status}.")
    now = now or timezone.now()
    if simulation.pace == Simulation.Pace.LIVE:
        simulation.clock_sim = from_epoch(simulated_now(simulation, now))
        simulation.clock_wall = None
    simulation.status = Status.PAUSED
    simulation.save(update_fields=["status", "clock_sim", "clock_wall"])
    # Waits for slots being written (their transactions commit: nothing they need is held here) and returns
    # the rest to pending at once, so a message waiting for its eta cannot hold a slot through the pause.
    Slot.objects.filter(simulation=simulation, status=Slot.Status.ENQUEUED).update(
        status=Slot.Status.PENDING, claimed_at=None
    )
    return simulation


@retry_on_conflict
@transaction.atomic
def resume_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """paused -> running; live pace continues from the simulated time it was paused at."""
    simulation = _locked(simulation)
    if simulation.status != Status.PAUSED:
        raise StateConflict(f"Cannot resume a simulation that is {simulation.status}.")
    simulation.status = Status.RUNNING
    if simulation.pace == Simulation.Pace.LIVE:
        simulation.clock_wall = now or timezone.now()
    simulation.save(update_fields=["status", "clock_wall"])
    return simulation


@retry_on_conflict
@transaction.atomic
def cancel_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """Stop for good; rows written so far stay."""
    simulation = _locked(simulation)
    if simulation.status not in (Status.DRAFT, *ACTIVE_STATUSES):
        raise StateConflict(f"Cannot cancel a simulation that is {simulation.status}.")
    simulation.status = Status.CANCELLED
    simulation.finished_at = now or timezone.now()
    simulation.save(update_fields=["status", "finished_at"])
    return simulation


@retry_on_conflict
@transaction.atomic
def fail_simulation(*, simulation: Simulation, error: str) -> Simulation:
    simulation = _locked(simulation)
    simulation.status = Status.FAILED
    simulation.error = error[:10_000]
    simulation.finished_at = timezone.now()
    simulation.save(update_fields=["status", "error", "finished_at"])
    return simulation


def complete_if_done(*, simulation_id: int, now: dt.datetime | None = None) -> bool:
    """Mark a running simulation completed when no slot is left. True for the one call that did it.

    One conditional UPDATE: however many workers or dispatchers call this at once, only one sees rowcount 1.
    That call then owes the simulation's report and digest (``lifecycle.results.owe_results``): computed here, or
    sent as a task after commit when this runs in a Celery task.
    """
    remaining = Slot.objects.filter(simulation_id=OuterRef("pk")).exclude(status=Slot.Status.DONE)
    updated = Simulation.objects.filter(~Exists(remaining), pk=simulation_id, status=Status.RUNNING).update(
        status=Status.COMPLETED, finished_at=now or timezone.now()
    )
    if updated == 1:
        owe_results(simulation_id=simulation_id)
    return updated == 1


@retry_on_conflict
@transaction.atomic
def delete_simulation(*, simulation: Simulation, force: bool = False) -> None:
    """Delete a simulation and its CRM rows: one DELETE per table, no per-row work.

    A running simulation must be paused or cancelled first (StateConflict); ``force`` cancels it here.
    Locks the simulation row, then every slot row in id order, then deletes: a slot being written commits first
    (so none of its rows outlive the simulation), and no new slot write starts meanwhile.
    """
    locked = _locked(simulation)  # deleted in its stead: a retry must find the caller's instance unchanged
    if locked.status == Status.RUNNING:
        if not force:
            raise StateConflict("Cannot delete a running simulation; pause or cancel it first.")
        cancel_simulation(simulation=locked)
    list(Slot.objects.filter(simulation=locked).order_by("pk").select_for_update().values_list("pk", flat=True))
    for model in RECORD_MODELS.values():
        model._default_manager.filter(simulation=locked).delete()
    locked.delete()
