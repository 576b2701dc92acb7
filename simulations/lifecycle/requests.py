"""What a user asks for, checked at once with a message per field path, and the engine inputs it becomes.

``validate_request`` is the one validation of simulation input: the API, the CLI and the admin call it. It
reads the preset and the limits in settings but writes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from crmsim.errors import InvalidInput
from crmsim.vocabulary import MAX_SEED, MAX_TIME_SCALE, MIN_TIME_SCALE, PACES, SEED_RANGE_TEXT, seed_in_range
from scenarios.models import ScenarioPreset
from scenarios.parameters import InvalidParameters, ScenarioParameters
from scenarios.services import resolve_parameters
from simulations import engine
from simulations.lifecycle.clock import epoch
from simulations.models import Simulation


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


@dataclass(frozen=True)
class SimulationRequest:
    """What a user asks for; ``validate_request`` turns it into engine inputs or raises InvalidInput."""

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
    """Check every input at once; raise InvalidInput with a message per field path."""
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
    if request.seed is not None and not seed_in_range(request.seed):
        errors["seed"] = [f"Must be in {SEED_RANGE_TEXT}."]
    if request.pace not in PACES:
        errors["pace"] = [f"Must be one of {', '.join(PACES)}."]
    if not MIN_TIME_SCALE <= request.time_scale <= MAX_TIME_SCALE:
        errors["timeScale"] = [f"Must be in [{MIN_TIME_SCALE:g}, {MAX_TIME_SCALE:g}]."]
    if errors:
        raise InvalidInput(errors)
    assert preset is not None and parameters is not None
    seed = request.seed if request.seed is not None else secrets.randbelow(MAX_SEED + 1)
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
