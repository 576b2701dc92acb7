"""The one parameter schema: types, hard limits, guardrails, consistency, overrides."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scenarios.builtin import B2B, B2C, BUILTIN_PRESETS
from scenarios.parameters import DEAL_OUTCOMES, SCHEMA, SPECS, InvalidParameters, ScenarioParameters, get_leaf, set_leaf
from scenarios.validation import parse_override_value, resolve, validate_guardrails, validate_parameters

PATHS = [spec.path for spec in SCHEMA]


def _b2b() -> dict[str, Any]:
    return copy.deepcopy(B2B["parameters"])


def _errors(call: Any) -> dict[str, list[str]]:
    with pytest.raises(InvalidParameters) as info:
        call()
    return info.value.errors


def test_the_schema_names_every_leaf_of_the_seed_interface_then_the_deal_outcomes_then_the_paths() -> None:
    assert [
        "leadVolumeMultiplier",
        "avgSalesCycleDays",
        "funnelAttrition.subscriber.dropProbability",
        "funnelAttrition.lead.dropProbability",
        "funnelAttrition.marketingqualifiedlead.dropProbability",
        "funnelAttrition.salesqualifiedlead.dropProbability",
        "dealWinRateBase",
        "dealAmount.mu",
        "dealAmount.sigma",
        "dealAmount.min",
        "dealAmount.max",
        "contactToCompanyRatio.min",
        "contactToCompanyRatio.max",
        "touchpointDensity.notesPerLead",
        "touchpointDensity.tasksPerLead",
        "touchpointDensity.callsPerLead",
        *(f"dealOutcomes.{name}" for name in DEAL_OUTCOMES),
        *PATH_LEAVES,
        "seasonalSlowdown",
        "closeRush",
    ] == PATHS


PATH_LEAVES = [
    "funnelPaths.enterAsLeadShare",
    "funnelPaths.enterAsOtherShare",
    "funnelPaths.skipToSqlShare",
    "funnelPaths.recycleShare",
    "funnelPaths.nurtureCycles",
    "funnelPaths.lostToLeadShare",
    "funnelPaths.lostToOtherShare",
    "funnelPaths.evangelistShare",
    "dealPaths.stageSkipShare",
    "dealPaths.regressionShare",
    "dealPaths.lostStageDecay",
    "dealPaths.closeDateSlipShare",
    "dealPaths.closeDateSlipCycles",
]


def test_a_preset_saved_before_the_path_parameters_runs_with_their_defaults() -> None:
    old = _b2b()
    del old["funnelPaths"], old["dealPaths"]
    guardrails = {k: v for k, v in B2B["guardrails"].items() if k not in PATH_LEAVES}
    frozen = resolve(old, guardrails, {"dealPaths.regressionShare": 0.4})
    assert frozen.funnelPaths == ScenarioParameters.from_json(_b2b()).funnelPaths
    assert frozen.dealPaths.regressionShare == 0.4
    assert frozen.leaves()["funnelPaths.enterAsLeadShare"] == SPECS["funnelPaths.enterAsLeadShare"].default
    assert _errors(lambda: resolve(old, guardrails, {"dealPaths.regressionShare": 0.6})) == {
        "dealPaths.regressionShare": ["0.6 is outside the allowed range [0, 0.5]."]
    }


def test_path_sections_are_checked_like_every_other_leaf() -> None:
    bad = _b2b()
    bad["funnelPaths"] = 3
    bad["dealPaths"]["stageSkip"] = 0.1
    bad["dealPaths"]["lostStageDecay"] = 0.05
    errors = _errors(lambda: validate_parameters(bad))
    assert errors["funnelPaths"] == ["Must be an object."]
    assert errors["dealPaths.stageSkip"] == ["Unknown parameter."]
    assert "dealPaths.lostStageDecay" in errors
    assert _errors(lambda: resolve(_b2b(), B2B["guardrails"], {"funnelPaths.recycleShare": 0.9})) == {
        "funnelPaths.recycleShare": ["0.9 is outside the guardrails [0, 0.7]."]
    }


@pytest.mark.parametrize("preset", BUILTIN_PRESETS, ids=lambda p: p["slug"])
def test_builtin_parameters_lie_inside_their_own_guardrails(preset: dict[str, Any]) -> None:
    bounds = validate_guardrails(preset["guardrails"])
    frozen = validate_parameters(preset["parameters"], bounds)
    for path, value in frozen.leaves().items():
        assert value == get_leaf(preset["parameters"], path)
        low, high = bounds[path]
        for number in value if isinstance(value, list) else [value]:
            assert low <= number <= high, path


def test_the_seed_indicative_ranges_are_the_default_guardrails() -> None:
    assert B2B["guardrails"]["leadVolumeMultiplier"] == [0.6, 0.9]
    assert B2B["guardrails"]["avgSalesCycleDays"] == [35, 90]
    assert B2B["guardrails"]["dealWinRateBase"] == [0.55, 0.65]
    assert B2B["guardrails"]["contactToCompanyRatio.min"] == [3, 7]
    assert B2C["guardrails"]["leadVolumeMultiplier"] == [1.4, 2.2]
    assert B2C["guardrails"]["avgSalesCycleDays"] == [3, 14]
    assert B2C["guardrails"]["dealWinRateBase"] == [0.35, 0.5]
    assert B2C["guardrails"]["contactToCompanyRatio.max"] == [1, 2]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("end", ["below", "above"])
def test_an_override_outside_either_guardrail_names_the_parameter_and_the_bounds(path: str, end: str) -> None:
    low, high = B2B["guardrails"][path]
    spec = SPECS[path]
    step = 1 if spec.kind in ("int", "int_range") else (high - low) / 10 or 0.01
    value: Any = low - step if end == "below" else high + step
    if spec.kind in ("int", "int_range"):
        value = int(value)
    if spec.kind == "int_range":
        value = [value, value]
    errors = _errors(lambda: resolve(B2B["parameters"], B2B["guardrails"], {path: value}))
    assert list(errors) == [path]
    message = errors[path][0]
    assert "outside" in message
    assert f"{low:g}" in message or f"{spec.hard_min:g}" in message
    assert f"{high:g}" in message or f"{spec.hard_max:g}" in message


@pytest.mark.parametrize("path", PATHS)
def test_an_override_at_either_guardrail_is_accepted(path: str) -> None:
    low, high = B2B["guardrails"][path]
    spec = SPECS[path]
    for bound in (low, high):
        value: Any = bound
        if spec.kind in ("int", "int_range"):
            value = int(bound)
        if spec.kind == "int_range":
            value = [value, value]
        overrides = {path: value}
        # Keep ordered pairs consistent when one end moves past the other.
        if path == "contactToCompanyRatio.min":
            overrides["contactToCompanyRatio.max"] = 7
        if path == "contactToCompanyRatio.max":
            overrides["contactToCompanyRatio.min"] = 3
        resolved = resolve(B2B["parameters"], B2B["guardrails"], overrides)
        assert resolved.leaves()[path] == value


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("leadVolumeMultiplier", "0.7"),
        ("leadVolumeMultiplier", True),
        ("leadVolumeMultiplier", None),
        ("leadVolumeMultiplier", float("nan")),
        ("dealWinRateBase", [0.6]),
        ("contactToCompanyRatio.min", 3.5),
        ("touchpointDensity.notesPerLead", 3),
        ("touchpointDensity.notesPerLead", [1, 2, 3]),
        ("touchpointDensity.notesPerLead", [1.5, 2]),
        ("touchpointDensity.notesPerLead", [4, 1]),
    ],
)
def test_an_override_of_the_wrong_type_is_rejected_by_path(path: str, value: Any) -> None:
    errors = _errors(lambda: resolve(B2B["parameters"], B2B["guardrails"], {path: value}))
    assert list(errors) == [path]


def test_an_unknown_override_is_rejected() -> None:
    errors = _errors(lambda: resolve(B2B["parameters"], B2B["guardrails"], {"dealAmount.median": 5}))
    assert "Unknown parameter" in errors["dealAmount.median"][0]


def test_every_violation_is_reported_at_once_and_nothing_is_mutated() -> None:
    parameters = _b2b()
    before = copy.deepcopy(parameters)
    errors = _errors(lambda: resolve(parameters, B2B["guardrails"], {"dealWinRateBase": 0.9, "avgSalesCycleDays": 5}))
    assert set(errors) == {"dealWinRateBase", "avgSalesCycleDays"}
    assert parameters == before


@pytest.mark.parametrize("path", [p for p in PATHS if SPECS[p].default is None])
def test_a_missing_parameter_is_reported_by_path(path: str) -> None:
    parameters = _b2b()
    if path.startswith("funnelAttrition."):
        stage = path.split(".")[1]
        for item in parameters["funnelAttrition"]:
            if item["stage"] == stage:
                del item["dropProbability"]
    else:
        *parents, last = path.split(".")
        node = parameters
        for part in parents:
            node = node[part]
        del node[last]
    errors = _errors(lambda: validate_parameters(parameters))
    assert errors[path] == ["Missing."]


def test_min_above_max_is_inconsistent() -> None:
    parameters = _b2b()
    parameters["dealAmount"]["min"] = 2_000_000
    parameters["dealAmount"]["max"] = 1_000_000
    errors = _errors(lambda: validate_parameters(parameters))
    assert "dealAmount.min" in errors


def test_probabilities_must_lie_in_zero_one_and_sigma_must_be_positive() -> None:
    parameters = _b2b()
    set_leaf(parameters, "dealWinRateBase", 1.2)
    set_leaf(parameters, "dealAmount.sigma", 0)
    set_leaf(parameters, "funnelAttrition.lead.dropProbability", -0.1)
    errors = _errors(lambda: validate_parameters(parameters))
    assert set(errors) == {"dealWinRateBase", "dealAmount.sigma", "funnelAttrition.lead.dropProbability"}


def test_funnel_stages_must_be_hubspot_ids_in_order() -> None:
    parameters = _b2b()
    parameters["funnelAttrition"][0]["stage"] = "prospect"
    errors = _errors(lambda: validate_parameters(parameters))
    assert "funnelAttrition" in errors


def test_unknown_top_level_keys_and_other_amount_distributions_are_rejected() -> None:
    parameters = _b2b()
    parameters["colour"] = "blue"
    parameters["dealAmount"]["distribution"] = "normal"
    errors = _errors(lambda: validate_parameters(parameters))
    assert set(errors) == {"colour", "dealAmount.distribution"}


def test_guardrails_must_cover_every_parameter_within_hard_limits() -> None:
    guardrails = copy.deepcopy(B2B["guardrails"])
    del guardrails["dealAmount.mu"]
    guardrails["dealWinRateBase"] = [0.2, 1.5]
    guardrails["avgSalesCycleDays"] = [90, 35]
    guardrails["nonsense"] = [0, 1]
    errors = _errors(lambda: validate_guardrails(guardrails))
    assert set(errors) == {"dealAmount.mu", "dealWinRateBase", "avgSalesCycleDays", "nonsense"}


def test_get_and_set_leaf_round_trip_every_path() -> None:
    parameters = _b2b()
    for path in PATHS:
        value = get_leaf(parameters, path)
        set_leaf(parameters, path, value)
        assert get_leaf(parameters, path) == value
    assert parameters == _b2b()


@pytest.mark.parametrize(
    ("path", "text", "value"),
    [
        ("dealWinRateBase", "0.62", 0.62),
        ("contactToCompanyRatio.max", "5", 5),
        ("touchpointDensity.callsPerLead", "1,4", [1, 4]),
        ("touchpointDensity.callsPerLead", "[2,3]", [2, 3]),
    ],
)
def test_command_line_override_values_parse_to_the_leaf_type(path: str, text: str, value: Any) -> None:
    assert parse_override_value(path, text) == value


def test_resolved_parameters_are_frozen() -> None:
    resolved = resolve(B2B["parameters"], B2B["guardrails"], {"dealAmount.mu": 10.2})
    assert isinstance(resolved, ScenarioParameters)
    assert resolved.dealAmount.mu == 10.2
    with pytest.raises(AttributeError):
        resolved.dealWinRateBase = 0.1  # type: ignore[misc]
