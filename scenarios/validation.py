"""Validation against the parameter schema: one leaf, guardrails, a whole tree, a preset, overrides.

Every function reports every problem at once, by parameter path (``InvalidParameters.errors``).
``check_preset`` is THE preset validation (model, API, admin); ``resolve`` applies a user's overrides inside
a preset's guardrails. Pure Python, like ``scenarios.parameters``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from crmsim.numbers import finite_number as _number
from crmsim.vocabulary import FUNNEL_STAGES
from scenarios.parameters import (
    DEAL_OUTCOMES,
    ORDERED_PAIRS,
    PATH_SECTIONS,
    SCHEMA,
    SPECS,
    TOUCHPOINT_KINDS,
    InvalidParameters,
    ParameterSpec,
    ScenarioParameters,
    get_leaf,
    set_leaf,
)


def _whole(value: Any) -> int | None:
    number = _number(value)
    if number is None or number != int(number):
        return None
    return int(number)


def _fmt(x: float) -> str:
    return f"{x:g}"


def check_value(spec: ParameterSpec, value: Any, bounds: tuple[float, float] | None = None) -> list[str]:
    """Type-check one leaf and test it against the hard limits and ``bounds`` (a guardrail)."""
    lo, hi = spec.hard_min, spec.hard_max
    if spec.kind == "int_range":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            return ["Must be a [lo, hi] pair of whole numbers."]
        pair = [_whole(v) for v in value]
        if pair[0] is None or pair[1] is None:
            return ["Must be a [lo, hi] pair of whole numbers."]
        numbers = [float(v) for v in pair if v is not None]
        if numbers[0] > numbers[1]:
            return [f"lo ({_fmt(numbers[0])}) must not exceed hi ({_fmt(numbers[1])})."]
    elif spec.kind == "int":
        whole = _whole(value)
        if whole is None:
            return ["Must be a whole number."]
        numbers = [float(whole)]
    else:
        number = _number(value)
        if number is None:
            return ["Must be a finite number."]
        numbers = [number]
    for number in numbers:
        if not lo <= number <= hi:
            return [f"{_fmt(number)} is outside the allowed range [{_fmt(lo)}, {_fmt(hi)}]."]
        if bounds is not None and not bounds[0] <= number <= bounds[1]:
            return [f"{_fmt(number)} is outside the guardrails [{_fmt(bounds[0])}, {_fmt(bounds[1])}]."]
    return []


def validate_guardrails(guardrails: Any) -> dict[str, tuple[float, float]]:
    """Check a guardrails mapping ``{path: [min, max]}`` and return it with tuples.

    Every schema path must have bounds, inside the path's hard limits, with min <= max.
    """
    result, errors = _guardrail_check(guardrails)
    if errors:
        raise InvalidParameters(errors)
    return result


def _guardrail_check(guardrails: Any) -> tuple[dict[str, tuple[float, float]], dict[str, list[str]]]:
    """``(the sound bounds by path, the problems by path)``: one bad guardrail leaves the others usable."""
    errors: dict[str, list[str]] = {}
    if not isinstance(guardrails, Mapping):
        return {}, {"guardrails": ["Must be an object mapping parameter paths to [min, max]."]}
    result: dict[str, tuple[float, float]] = {}
    for path in guardrails:
        if path not in SPECS:
            errors[path] = ["Unknown parameter."]
    for spec in SCHEMA:
        if spec.path not in guardrails and spec.default is not None:
            result[spec.path] = (spec.hard_min, spec.hard_max)
            continue
        if spec.path not in guardrails:
            errors[spec.path] = ["Missing guardrail bounds."]
            continue
        raw = guardrails[spec.path]
        pair = [_number(v) for v in raw] if isinstance(raw, (list, tuple)) and len(raw) == 2 else None
        if pair is None or pair[0] is None or pair[1] is None:
            errors[spec.path] = ["Guardrail must be a [min, max] pair of numbers."]
            continue
        low, high = float(pair[0]), float(pair[1])
        if low > high:
            errors[spec.path] = [f"Guardrail min ({_fmt(low)}) must not exceed max ({_fmt(high)})."]
        elif low < spec.hard_min or high > spec.hard_max:
            errors[spec.path] = [
                f"Guardrail [{_fmt(low)}, {_fmt(high)}] must lie inside the hard limits "
                f"[{_fmt(spec.hard_min)}, {_fmt(spec.hard_max)}]."
            ]
        else:
            result[spec.path] = (low, high)
    return result, errors


def _leaf_errors(
    parameters: Mapping[str, Any], guardrails: Mapping[str, tuple[float, float]] | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for spec in SCHEMA:
        try:
            value = get_leaf(parameters, spec.path)
        except (KeyError, TypeError, ValueError):
            if spec.default is None:
                errors[spec.path] = ["Missing."]
            continue
        bounds = guardrails.get(spec.path) if guardrails is not None else None
        problems = check_value(spec, value, bounds)
        if problems:
            errors[spec.path] = problems
    for low_path, high_path in ORDERED_PAIRS:
        if low_path in errors or high_path in errors:
            continue
        if get_leaf(parameters, low_path) > get_leaf(parameters, high_path):
            errors[low_path] = [f"Must not exceed {high_path} ({_fmt(get_leaf(parameters, high_path))})."]
    return errors


def _shape_errors(parameters: Any) -> dict[str, list[str]]:
    if not isinstance(parameters, Mapping):
        return {"parameters": ["Must be an object."]}
    errors: dict[str, list[str]] = {}
    known = {
        "id",
        "leadVolumeMultiplier",
        "avgSalesCycleDays",
        "funnelAttrition",
        "dealWinRateBase",
        "dealAmount",
        "contactToCompanyRatio",
        "touchpointDensity",
        "dealOutcomes",
        *PATH_SECTIONS,
        "seasonalSlowdown",
        "closeRush",
    }
    for key in parameters:
        if key not in known:
            errors[str(key)] = ["Unknown parameter."]
    funnel = parameters.get("funnelAttrition")
    if not isinstance(funnel, list):
        errors["funnelAttrition"] = ["Must be a list of {stage, dropProbability} objects."]
    else:
        stages = [item.get("stage") if isinstance(item, Mapping) else None for item in funnel]
        if stages != list(FUNNEL_STAGES):
            errors["funnelAttrition"] = [f"Stages must be exactly {', '.join(FUNNEL_STAGES)}, in this order."]
    for section in PATH_SECTIONS:
        if section in parameters and not isinstance(parameters[section], Mapping):
            errors[section] = ["Must be an object."]
    amount = parameters.get("dealAmount")
    if isinstance(amount, Mapping) and amount.get("distribution", "lognormal") != "lognormal":
        errors["dealAmount.distribution"] = ['Only "lognormal" is supported.']
    for section, allowed in (
        ("dealAmount", {"distribution", "mu", "sigma", "min", "max"}),
        ("contactToCompanyRatio", {"min", "max"}),
        ("touchpointDensity", set(TOUCHPOINT_KINDS)),
        ("dealOutcomes", set(DEAL_OUTCOMES)),
        *((section, {f.name for f in fields(kind)}) for section, kind in PATH_SECTIONS.items()),
    ):
        node = parameters.get(section)
        if isinstance(node, Mapping):
            for key in node:
                if key not in allowed:
                    errors[f"{section}.{key}"] = ["Unknown parameter."]
    return errors


def validate_parameters(
    parameters: Any, guardrails: Mapping[str, tuple[float, float]] | None = None
) -> ScenarioParameters:
    """Validate a full parameter tree (types, hard limits, guardrails, consistency) and freeze it.

    Raises InvalidParameters listing every problem by path.
    """
    errors = _shape_errors(parameters)
    if "parameters" in errors:
        raise InvalidParameters(errors)
    errors.update({k: v for k, v in _leaf_errors(parameters, guardrails).items() if k not in errors})
    if errors:
        raise InvalidParameters(errors)
    return ScenarioParameters.from_json(parameters)


@dataclass(frozen=True)
class PresetProblems:
    """What is wrong with a preset's two JSON columns, by parameter path; both empty when it is valid."""

    guardrails: dict[str, list[str]]
    parameters: dict[str, list[str]]

    def __bool__(self) -> bool:
        return bool(self.guardrails or self.parameters)


def check_preset(parameters: Any, guardrails: Any) -> PresetProblems:
    """THE preset validation (model, API and admin): guardrails first, then the parameters against them.

    When some guardrails are invalid the parameters are still checked, each against its own guardrail where that
    one is sound and against the hard limits where it is not, so every problem is reported at once. A
    whole-column problem is keyed by the column's name (``{"guardrails": ["Must be an object ..."]}``).
    """
    bounds, guardrail_errors = _guardrail_check(guardrails)
    parameter_errors: dict[str, list[str]] = {}
    try:
        validate_parameters(parameters, bounds)
    except InvalidParameters as exc:
        parameter_errors = exc.errors
    return PresetProblems(guardrail_errors, parameter_errors)


def parse_override_value(path: str, text: str) -> Any:
    """Turn a command-line value (``0.62``, ``5``, ``1,4`` or ``[1,4]``) into the leaf's JSON value."""
    spec = SPECS.get(path)
    if spec is None:
        raise InvalidParameters({path: ["Unknown parameter."]})
    try:
        if spec.kind == "int_range":
            parts = text.strip().strip("[]").split(",")
            return [int(p) for p in parts] if len(parts) == 2 else text
        if spec.kind == "int":
            return int(text)
        return float(text)
    except ValueError:
        return text


def resolve(
    parameters: Mapping[str, Any],
    guardrails: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
) -> ScenarioParameters:
    """Apply ``overrides`` ({path: value}) to a preset's parameters and validate the result.

    Overridden leaves must lie inside the preset's guardrails; the preset's own values are trusted to be
    valid already (they were checked when saved) but are re-checked against the hard limits. Nothing is
    mutated. Raises InvalidParameters with every violation by path and its allowed range.
    """
    overrides = overrides or {}
    if not isinstance(overrides, Mapping):
        raise InvalidParameters({"overrides": ["Must be an object mapping parameter paths to values."]})
    bounds = validate_guardrails(guardrails)
    errors: dict[str, list[str]] = {}
    merged = copy.deepcopy(dict(parameters))
    for path, value in overrides.items():
        spec = SPECS.get(path)
        if spec is None:
            errors[path] = [f"Unknown parameter. Known: {', '.join(SPECS)}."]
            continue
        problems = check_value(spec, value, bounds[path])
        if problems:
            errors[path] = problems
        else:
            set_leaf(merged, path, value)
    if errors:
        raise InvalidParameters(errors)
    return validate_parameters(merged)
