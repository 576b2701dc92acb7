"""Simulation services: every write to simulations and slots goes through here.

Life of a simulation::

    create_simulation  -> snapshot + plan (engine count mode) -> status scheduled, slots pending
    start_simulation   -> running (live pace: the simulated clock starts)
    materialize_slot   -> one slot's rows for [watermark, until), in one transaction; idempotent
    complete_if_done   -> completed, exactly once, when no slot is left
    pause / resume / cancel

The in-process runner (simulations.runner) and the Celery dispatcher/tasks (simulations.tasks) are two drivers
of the same services; neither writes rows itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from crm.models import RECORD_MODELS
from scenarios.models import ScenarioPreset
from scenarios.parameters import InvalidParameters, ScenarioParameters
from scenarios.services import resolve_parameters
from simulations import engine
from simulations.batches import cut_batch
from simulations.models import RECORD_TYPES, LagSample, Simulation, Slot, User
from simulations.writer import writer_for_connection

Status = Simulation.Status
MAX_TIME_SCALE = 1_000_000.0
ACTIVE_STATUSES = (Status.SCHEDULED, Status.RUNNING, Status.PAUSED)


class SimulationInputError(ValueError):
    """Bad simulation input; ``errors`` maps a field path (``overrides.dealAmount.mu``) to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {key: list(messages) for key, messages in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(self.errors.items())))


class SimulationStateError(ValueError):
    """A control action that the simulation's status does not allow (e.g. resume a completed run)."""


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def engine_inputs(simulation: Simulation) -> engine.SimulationInputs:
    """The engine's inputs, rebuilt from the simulation's immutable snapshot."""
    return engine.SimulationInputs(
        parameters=ScenarioParameters.from_json(simulation.parameters),
        distribution=simulation.distribution,
        distribution_params=engine.freeze_params(simulation.distribution_params),
        start=epoch(simulation.window_start),
        end=epoch(simulation.window_end),
        records=simulation.records,
        seed=simulation.seed,
    )


# --- creation ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationRequest:
    """What a user asks for; ``validate_request`` turns it into engine inputs or a SimulationInputError."""

    scenario: str
    start: dt.datetime
    end: dt.datetime
    records: int
    distribution: str = "linear"
    distribution_params: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    pace: str = Simulation.Pace.BACKFILL
    time_scale: float = 1.0


@dataclass(frozen=True)
class ValidatedRequest:
    preset: ScenarioPreset
    parameters: ScenarioParameters
    distribution_params: dict[str, Any]
    seed: int
    inputs: engine.SimulationInputs


def validate_request(request: SimulationRequest) -> ValidatedRequest:
    """Check every input at once; raise SimulationInputError with a message per field path."""
    errors: dict[str, list[str]] = {}
    preset = ScenarioPreset.objects.filter(slug=request.scenario).first()
    parameters = None
    if preset is None:
        known = ", ".join(ScenarioPreset.objects.values_list("slug", flat=True))
        errors["scenario"] = [f"Unknown scenario {request.scenario!r}. Known: {known}."]
    else:
        try:
            parameters = resolve_parameters(preset, request.overrides)
        except InvalidParameters as exc:
            errors.update({f"overrides.{path}": msgs for path, msgs in exc.errors.items()})
    distribution_params: dict[str, Any] = {}
    try:
        distribution_params = engine.validate_distribution(request.distribution, request.distribution_params)
    except engine.InvalidDistribution as exc:
        errors.update(exc.errors)
    if request.start.tzinfo is None or request.end.tzinfo is None:
        errors["start"] = ["start and end must be timezone-aware (UTC)."]
    elif request.end <= request.start:
        errors["end"] = [f"end ({request.end.isoformat()}) must be after start ({request.start.isoformat()})."]
    elif (request.end - request.start).days > settings.CRMSIM_MAX_WINDOW_DAYS:
        errors["end"] = [f"The window may span at most {settings.CRMSIM_MAX_WINDOW_DAYS} days."]
    if isinstance(request.records, bool) or not isinstance(request.records, int) or request.records < 1:
        errors["records"] = ["Must be a positive whole number."]
    elif request.records > settings.CRMSIM_MAX_RECORDS:
        errors["records"] = [f"At most {settings.CRMSIM_MAX_RECORDS} records per simulation (CRMSIM_MAX_RECORDS)."]
    if request.seed is not None and not 0 <= request.seed < 2**63:
        errors["seed"] = ["Must be in [0, 2^63)."]
    if request.pace not in Simulation.Pace.values:
        errors["pace"] = [f"Must be one of {', '.join(Simulation.Pace.values)}."]
    if not 0 < request.time_scale <= MAX_TIME_SCALE:
        errors["timeScale"] = [f"Must be in (0, {MAX_TIME_SCALE:g}]."]
    if errors:
        raise SimulationInputError(errors)
    assert preset is not None and parameters is not None
    seed = request.seed if request.seed is not None else secrets.randbelow(2**63)
    inputs = engine.SimulationInputs(
        parameters=parameters,
        distribution=request.distribution,
        distribution_params=engine.freeze_params(distribution_params),
        start=epoch(request.start),
        end=epoch(request.end),
        records=request.records,
        seed=seed,
    )
    return ValidatedRequest(preset, parameters, distribution_params, seed, inputs)


def _check_active_limit(owner: User) -> None:
    """At most CRMSIM_MAX_RUNNING_PER_USER scheduled/running/paused simulations per user.

    The owner's row is locked first, so two concurrent creates cannot both slip under the limit.
    """
    User.objects.select_for_update().filter(pk=owner.pk).exists()
    active = Simulation.objects.filter(owner=owner, status__in=ACTIVE_STATUSES).count()
    limit = settings.CRMSIM_MAX_RUNNING_PER_USER
    if active >= limit:
        raise SimulationInputError(
            {
                "non_field_errors": [
                    f"You have {active} scheduled, running or paused simulations; the limit is {limit} "
                    "(CRMSIM_MAX_RUNNING_PER_USER). Cancel or delete one first."
                ]
            }
        )


@transaction.atomic
def create_simulation(*, owner: User, request: SimulationRequest, enforce_active_limit: bool = False) -> Simulation:
    """Validate, snapshot the resolved parameters and inputs, and plan. Nothing is written on bad input.

    ``enforce_active_limit`` applies the per-user limit of active simulations (the API sets it; the shell's
    operator is trusted).
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
    return plan_simulation(simulation=simulation)


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


# --- control -----------------------------------------------------------------------------------------------


def simulated_now(simulation: Simulation, wall: dt.datetime) -> int:
    """The simulated time (epoch seconds) that is due at wall time ``wall``, capped at the window's end.

    Backfill: the window's end (everything is due). Live: clock_sim + (wall - clock_wall) x time_scale; a
    paused simulation's clock stands still at clock_sim.
    """
    end = epoch(simulation.window_end)
    if simulation.pace == Simulation.Pace.BACKFILL:
        return end
    assert simulation.clock_sim is not None
    sim = epoch(simulation.clock_sim)
    if simulation.clock_wall is not None:
        sim += int((wall - simulation.clock_wall).total_seconds() * simulation.time_scale)
    return min(sim, end)


def due_wall_time(simulation: Simulation, seconds: int) -> dt.datetime:
    """Wall time at which simulated time ``seconds`` falls due (live pace, while running)."""
    if simulation.pace == Simulation.Pace.BACKFILL or simulation.clock_wall is None:
        return timezone.now()
    assert simulation.clock_sim is not None
    offset = (seconds - epoch(simulation.clock_sim)) / simulation.time_scale
    return simulation.clock_wall + dt.timedelta(seconds=offset)


def _locked(simulation: Simulation) -> Simulation:
    return Simulation.objects.select_for_update().get(pk=simulation.pk)


@transaction.atomic
def start_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """scheduled -> running. Live pace starts the simulated clock at the window's start; at time_scale 1 a
    window that began in the past starts at the present, so its past part is backfilled at once."""
    simulation = _locked(simulation)
    if simulation.status != Status.SCHEDULED:
        raise SimulationStateError(f"Cannot start a simulation that is {simulation.status}.")
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


@transaction.atomic
def pause_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """running -> paused: no new slot is claimed; a slot already being written finishes."""
    simulation = _locked(simulation)
    if simulation.status != Status.RUNNING:
        raise SimulationStateError(f"Cannot pause a simulation that is {simulation.status}.")
    now = now or timezone.now()
    if simulation.pace == Simulation.Pace.LIVE:
        simulation.clock_sim = from_epoch(simulated_now(simulation, now))
        simulation.clock_wall = None
    simulation.status = Status.PAUSED
    simulation.save(update_fields=["status", "clock_sim", "clock_wall"])
    Slot.objects.filter(simulation=simulation, status=Slot.Status.ENQUEUED).update(
        status=Slot.Status.PENDING, claimed_at=None
    )
    return simulation


@transaction.atomic
def resume_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """paused -> running; live pace continues from the simulated time it was paused at."""
    simulation = _locked(simulation)
    if simulation.status != Status.PAUSED:
        raise SimulationStateError(f"Cannot resume a simulation that is {simulation.status}.")
    simulation.status = Status.RUNNING
    if simulation.pace == Simulation.Pace.LIVE:
        simulation.clock_wall = now or timezone.now()
    simulation.save(update_fields=["status", "clock_wall"])
    return simulation


@transaction.atomic
def cancel_simulation(*, simulation: Simulation, now: dt.datetime | None = None) -> Simulation:
    """Stop for good; rows written so far stay."""
    simulation = _locked(simulation)
    if simulation.status not in (Status.DRAFT, Status.SCHEDULED, Status.RUNNING, Status.PAUSED):
        raise SimulationStateError(f"Cannot cancel a simulation that is {simulation.status}.")
    simulation.status = Status.CANCELLED
    simulation.finished_at = now or timezone.now()
    simulation.save(update_fields=["status", "finished_at"])
    return simulation


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


@transaction.atomic
def delete_simulation(*, simulation: Simulation, force: bool = False) -> None:
    """Delete a simulation and its CRM rows: one DELETE per table, no per-row work.

    A running simulation must be paused or cancelled first (SimulationStateError); ``force`` cancels it here.
    """
    if _locked(simulation).status == Status.RUNNING:
        if not force:
            raise SimulationStateError("Cannot delete a running simulation; pause or cancel it first.")
        cancel_simulation(simulation=simulation)
    for model in RECORD_MODELS.values():
        model._default_manager.filter(simulation=simulation).delete()
    simulation.delete()


# --- writing rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotResult:
    slot_id: int
    written: dict[str, int]
    done: bool
    skipped: str = ""
    """Why nothing was written ("done", "not running", "up to date"), or "" when rows were written."""


@transaction.atomic
def materialize_slot(*, slot_id: int, until: int | None = None, now: dt.datetime | None = None) -> SlotResult:
    """Write one slot's rows with simulated time in [watermark, until) and advance its watermark.

    ``until`` defaults to the simulated time due now (the window's end for a backfill). Rows, the slot's
    processed counts, its watermark and next due time change in ONE transaction under the slot's row lock,
    so a second call for the same range (a redelivered task) writes nothing.
    """
    now = now or timezone.now()
    # Lock the slot only (of="self"): slots of one simulation are written in parallel, and pause/cancel (which
    # lock the simulation, then its slots) cannot deadlock with a slot being written.
    slot = Slot.objects.select_for_update(of=("self",)).select_related("simulation").get(pk=slot_id)
    simulation = slot.simulation
    if slot.status == Slot.Status.DONE:
        return SlotResult(slot_id, {}, True, "done")
    if simulation.status != Status.RUNNING:
        slot.status, slot.claimed_at = Slot.Status.PENDING, None
        slot.save(update_fields=["status", "claimed_at"])
        return SlotResult(slot_id, {}, False, "not running")
    if simulation.engine_version != engine.ENGINE_VERSION:
        raise RuntimeError(
            f"Simulation {simulation.pk} was planned by engine {simulation.engine_version}; "
            f"this worker runs engine {engine.ENGINE_VERSION} and cannot reproduce it."
        )
    if until is None:
        until = simulated_now(simulation, now)
    until = min(until, epoch(simulation.window_end))
    since = epoch(slot.watermark) if slot.watermark else epoch(simulation.window_start)
    if until <= since:
        slot.status, slot.claimed_at = Slot.Status.PENDING, None
        slot.save(update_fields=["status", "claimed_at"])
        return SlotResult(slot_id, {}, False, "up to date")

    inputs = engine_inputs(simulation)
    data = engine.generate_slot(engine.build_plan(inputs), slot.index)
    batch = cut_batch(data, since, until)
    writer = writer_for_connection()
    writer.begin()
    written: dict[str, int] = {}
    shared = ("owners", "companies")
    for record_type in RECORD_TYPES:
        if record_type not in shared:
            columns = batch.inserts[record_type]
            written[record_type] = writer.insert(RECORD_MODELS[record_type], simulation.pk, columns)
    for record_type, columns in batch.updates.items():
        writer.update_state(RECORD_MODELS[record_type], simulation.pk, columns)
    # Owners and companies last: a row several slots offer is row-locked by the first inserter until it
    # commits, and other slots' ON CONFLICT waits on that lock; inserting just before commit keeps it short.
    for record_type in shared:
        columns = batch.inserts[record_type]
        written[record_type] = writer.insert_missing(RECORD_MODELS[record_type], simulation.pk, columns)

    for record_type, count in written.items():
        setattr(slot, f"processed_{record_type}", getattr(slot, f"processed_{record_type}") + count)
    slot.watermark = from_epoch(until)
    slot.next_due = from_epoch(batch.next_due) if batch.next_due is not None else None
    slot.status = Slot.Status.DONE if batch.next_due is None else Slot.Status.PENDING
    slot.claimed_at = None
    slot.save()
    if simulation.pace == Simulation.Pace.LIVE:
        _record_lag(simulation, batch.event_times(), now)
    transaction.on_commit(lambda: complete_if_done(simulation_id=simulation.pk))
    return SlotResult(slot_id, written, slot.status == Slot.Status.DONE)


def _record_lag(simulation: Simulation, times: np.ndarray, now: dt.datetime) -> None:
    if len(times) == 0 or simulation.clock_wall is None or simulation.clock_sim is None:
        return
    due = simulation.clock_wall.timestamp() + (times - epoch(simulation.clock_sim)) / simulation.time_scale
    lag_ms = np.maximum(now.timestamp() - due, 0.0) * 1000.0
    LagSample.objects.create(
        simulation=simulation,
        recorded_at=now,
        rows=len(times),
        lag_p50_ms=float(np.percentile(lag_ms, 50)),
        lag_max_ms=float(lag_ms.max()),
    )


def apply_due_events(
    *,
    simulation: Simulation,
    now: dt.datetime | None = None,
    after_slot: Callable[[SlotResult], None] | None = None,
) -> int:
    """Write every slot of a running simulation that has rows due by ``now``; return how many slots ran.

    The in-process runner calls this in a loop; each slot is its own transaction, after which ``after_slot``
    (if given) is called, e.g. to move a progress bar.
    """
    now = now or timezone.now()
    until = simulated_now(simulation, now)
    due = (
        Slot.objects.filter(simulation=simulation, status=Slot.Status.PENDING, next_due__lt=from_epoch(until))
        .order_by("next_due", "index")
        .values_list("pk", flat=True)
    )
    ran = 0
    for slot_id in list(due):
        result = materialize_slot(slot_id=slot_id, until=until, now=now)
        if result.skipped == "not running":
            break
        ran += 1
        if after_slot is not None:
            after_slot(result)
    return ran
