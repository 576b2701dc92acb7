"""The user's wizard profile (``User.simulation_profile``): their latest wizard selections, and saving them.

Every key is optional (a new user has ``{}``); present keys must have the right type, and overrides must name
known parameters with values inside the hard limits (the preset's guardrails are checked again when a
simulation is created, since a preset may change in between).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError

from crmsim.errors import NON_FIELD_ERRORS, InvalidInput
from crmsim.numbers import finite_number
from crmsim.vocabulary import MAX_TIME_SCALE, MIN_TIME_SCALE, PACES, SEED_RANGE_TEXT, seed_in_range
from scenarios.parameters import SPECS
from scenarios.validation import check_value
from simulations.engine.distributions import MAX_CUSTOM_WEIGHTS

if TYPE_CHECKING:  # the model validates with this module, so it cannot be imported at run time here
    from simulations.models import User

PROFILE_KEYS = (
    "scenario",
    "distribution",
    "distributionParams",
    "overrides",
    "start",
    "end",
    "records",
    "seed",
    "pace",
    "timeScale",
    "muted",
)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_datetime(value: Any) -> bool:
    # The same parser as the create API's start/end, so a saved profile is one the wizard can submit. Imported
    # here: the models import this module, and the API layer (DRF, drf-spectacular: ~0.1-0.4 s) is no part of
    # what a management command or a worker needs at start-up.
    from crmsim.api import parse_moment

    return isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH and parse_moment(value) is not None


MAX_PROFILE_BYTES = 64 * 1024
"""A profile is a handful of choices; the largest real one (1,000 custom weights) is about 20 KiB as JSON."""
MAX_TEXT_LENGTH = 100
MAX_DISTRIBUTION_PARAMS = 16


def _is_number(value: Any) -> bool:
    return finite_number(value) is not None


def _distribution_params_ok(params: Any) -> bool:
    """An object of at most MAX_DISTRIBUTION_PARAMS short names, each a number or a list of at most
    MAX_CUSTOM_WEIGHTS numbers (the values themselves are checked when a simulation is created)."""
    if not isinstance(params, Mapping) or len(params) > MAX_DISTRIBUTION_PARAMS:
        return False
    for name, value in params.items():
        if not isinstance(name, str) or len(name) > MAX_TEXT_LENGTH:
            return False
        if isinstance(value, list):
            if len(value) > MAX_CUSTOM_WEIGHTS or not all(_is_number(v) for v in value):
                return False
        elif not _is_number(value):
            return False
    return True


def _short_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT_LENGTH


def profile_errors(profile: Any) -> dict[str, list[str]]:
    """Every problem with a profile, keyed by its path (``overrides.dealAmount.mu``); empty when valid.

    Bounded: every value has a type and a size limit, and the whole profile at most MAX_PROFILE_BYTES as JSON,
    so a user row cannot be made to carry an arbitrary blob.
    """
    if not isinstance(profile, Mapping):
        return {"simulation_profile": ["Must be an object."]}
    errors: dict[str, list[str]] = {}
    if len(json.dumps(profile, default=str)) > MAX_PROFILE_BYTES:
        return {"simulation_profile": [f"Must be at most {MAX_PROFILE_BYTES} bytes as JSON."]}
    for key in profile:
        if key not in PROFILE_KEYS:
            errors[str(key)] = [f"Unknown key. Allowed: {', '.join(PROFILE_KEYS)}."]
    checks: dict[str, tuple[bool, str]] = {}
    if "scenario" in profile:
        checks["scenario"] = (_short_text(profile["scenario"]), "Must be a preset slug.")
    if "distribution" in profile:
        checks["distribution"] = (_short_text(profile["distribution"]), "Must be a distribution method name.")
    if "distributionParams" in profile:
        checks["distributionParams"] = (
            _distribution_params_ok(profile["distributionParams"]),
            f"Must be an object of at most {MAX_DISTRIBUTION_PARAMS} parameters, each a number or a list of at "
            f"most {MAX_CUSTOM_WEIGHTS} numbers.",
        )
    for key in ("start", "end"):
        if key in profile:
            checks[key] = (_is_datetime(profile[key]), "Must be an ISO-8601 date or datetime.")
    if "records" in profile:
        records = profile["records"]
        checks["records"] = (
            _is_int(records) and 0 < records <= settings.CRMSIM_MAX_RECORDS,
            f"Must be a whole number from 1 to {settings.CRMSIM_MAX_RECORDS}.",
        )
    if "seed" in profile:
        seed = profile["seed"]
        checks["seed"] = (
            seed is None or (_is_int(seed) and seed_in_range(seed)),
            f"Must be null or an integer in {SEED_RANGE_TEXT}.",
        )
    if "pace" in profile:
        checks["pace"] = (profile["pace"] in PACES, f"Must be one of {', '.join(PACES)}.")
    if "timeScale" in profile:
        scale = profile["timeScale"]
        checks["timeScale"] = (
            _is_number(scale) and MIN_TIME_SCALE <= scale <= MAX_TIME_SCALE,
            f"Must be a number from {MIN_TIME_SCALE:g} to {MAX_TIME_SCALE:g}.",
        )
    if "muted" in profile:
        checks["muted"] = (isinstance(profile["muted"], bool), "Must be true or false.")
    for key, (ok, message) in checks.items():
        if not ok:
            errors[key] = [message]
    overrides = profile.get("overrides", {})
    if not isinstance(overrides, Mapping):
        errors["overrides"] = ["Must be an object mapping parameter paths to values."]
    else:
        for path, value in overrides.items():
            spec = SPECS.get(path)
            problems = ["Unknown parameter."] if spec is None else check_value(spec, value)
            if problems:
                errors[f"overrides.{path}"] = problems
    return errors


def validate_profile(profile: Any) -> None:
    """Raise django ValidationError listing each problem with its path (usable as a field validator)."""
    errors = profile_errors(profile)
    if errors:
        raise ValidationError([f"{path}: {' '.join(msgs)}" for path, msgs in sorted(errors.items())])


def save_profile(*, user: User, profile: Any) -> dict[str, Any]:
    """Validate and store a whole profile; InvalidInput with the profile's paths when it is wrong."""
    if not isinstance(profile, Mapping):
        raise InvalidInput({NON_FIELD_ERRORS: ["Must be a JSON object."]})
    errors = profile_errors(profile)
    if errors:
        raise InvalidInput(errors)
    user.simulation_profile = dict(profile)
    user.save(update_fields=["simulation_profile"])
    return user.simulation_profile
