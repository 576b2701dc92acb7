"""The simulation state machine: every write to a simulation's status (and its slots' plan) goes through here.

Life of a simulation::

    create_simulation  -> snapshot + plan (engine count mode) -> status scheduled, slots pending
    start_simulation   -> running (live pace: the simulated clock starts)
    (simulations.materialize writes the rows, slot by slot)
    complete_if_done   -> completed, exactly once, when no slot is left
    pause / resume / cancel / fail / delete

Bad input raises ``crmsim.errors.InvalidInput`` (via ``requests.validate_request``), the per-user quota
``LimitReached``, and a transition the status does not allow ``StateConflict``.
"""

from __future__ import annotations

import datetime as dt
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
from simulations.lifecycle.retry import retry_on_conflict
from simulations.models import Simulation, Slot, User

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
    sink_ids: Sequence[int] = (),
) -> Simulation:
    """Validate, snapshot the resolved parameters and inputs, and plan; with ``start``, start it too.

    ``sink_ids`` (the owner's sinks) get a delivery watermark per slot (``delivery.services.attach_sinks``); an
    unknown or foreign id is InvalidInput and nothing is saved.

    Nothing is written on bad input (InvalidInput). ``enforce_active_limit`` applies the per-user limit of
    active simulations (LimitReached; the API sets it, the shell's operator is trusted).
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
        status=Status.DRAFT,
    )
    simulation = plan_simulation(simulation=simulation)
    if sink_ids:
        from simulations.delivery.services import attach_sinks

        attach_sinks(simulation=simulation, sink_ids=sink_ids)
    return start_simulation(simulation=simulation) if start else simulation


@transaction.atomic
def plan_simulation(*, simulation: Simulation) -> Simulation:
    """Engine count mode over the whole plan: exact planned counts, one pending slot row per slot."""
    counts = engine.count_plan(engine_inputs(simulation))
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
    simulation.planned = {t: int(counts.totals[t]) for t in RECORD_TYPES}
    simulation.status = Status.SCHEDULED
    simulation.save(update_fields=["planned", "status"])
    return simulation


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
    if simulation.status not in (Status.DRAFT, Status.SCHEDULED, Status.RUNNING, Status.PAUSED):
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
    """
    remaining = Slot.objects.filter(simulation_id=OuterRef("pk")).exclude(status=Slot.Status.DONE)
    updated = Simulation.objects.filter(~Exists(remaining), pk=simulation_id, status=Status.RUNNING).update(
        status=Status.COMPLETED, finished_at=now or timezone.now()
    )
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
