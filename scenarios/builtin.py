"""The built-in scenario presets: values and default guardrails.

Every number is explained in docs/scenarios.md. The data migration copies these into ScenarioPreset rows;
tests check that every value lies inside its guardrails and that B2B and B2C differ the expected way.
"""

from __future__ import annotations

import copy
from typing import Any

from crmsim.vocabulary import FUNNEL_STAGES


def _funnel(*drop_probabilities: float) -> list[dict[str, Any]]:
    """The funnelAttrition list: one drop probability per FUNNEL_STAGES entry, in order."""
    return [{"stage": stage, "dropProbability": p} for stage, p in zip(FUNNEL_STAGES, drop_probabilities, strict=True)]


def _path_guardrails(section: str, **bounds: tuple[float, float]) -> dict[str, list[float]]:
    return {f"{section}.{name}": list(pair) for name, pair in bounds.items()}


def _funnel_guardrails(bounds: tuple[float, float]) -> dict[str, list[float]]:
    return {f"funnelAttrition.{stage}.dropProbability": list(bounds) for stage in FUNNEL_STAGES}


B2B: dict[str, Any] = {
    "slug": "b2b",
    "name": "B2B",
    "description": (
        "Business-to-business SaaS: fewer, slower leads that arrive in office hours, heavy mid-funnel "
        "qualification, companies with several contacts, large deals over a two-month cycle."
    ),
    "parameters": {
        "id": "b2b",
        "leadVolumeMultiplier": 0.75,
        "avgSalesCycleDays": 60,
        "funnelAttrition": _funnel(0.30, 0.35, 0.50, 0.40),
        "dealWinRateBase": 0.60,
        "dealAmount": {"distribution": "lognormal", "mu": 10.5, "sigma": 0.9, "min": 1000, "max": 1000000},
        "contactToCompanyRatio": {"min": 3, "max": 7},
        "touchpointDensity": {"notesPerLead": [1, 4], "tasksPerLead": [1, 3], "callsPerLead": [1, 3]},
        "dealOutcomes": {
            "sizeAmountCorrelation": 0.4,
            "sizeCycleCorrelation": 0.3,
            "amountCycleCorrelation": 0.3,
            "slowDealWinPenalty": 0.35,
            "winRateSeasonality": 0.12,
            "quarterEndDiscounting": 0.5,
            "ownerSkillSpread": 0.2,
            "productSpread": 0.25,
        },
        "funnelPaths": {
            "enterAsLeadShare": 0.45,
            "enterAsOtherShare": 0.03,
            "skipToSqlShare": 0.15,
            "recycleShare": 0.35,
            "nurtureCycles": 0.75,
            "lostToLeadShare": 0.6,
            "lostToOtherShare": 0.4,
            "evangelistShare": 0.08,
        },
        "dealPaths": {
            "stageSkipShare": 0.12,
            "regressionShare": 0.1,
            "lostStageDecay": 0.7,
            "closeDateSlipShare": 0.8,
            "closeDateSlipCycles": 0.35,
        },
        "seasonalSlowdown": 1.0,
        "closeRush": 0.4,
    },
    "guardrails": {
        "leadVolumeMultiplier": [0.6, 0.9],
        "avgSalesCycleDays": [35, 90],
        **_funnel_guardrails((0.1, 0.7)),
        "dealWinRateBase": [0.55, 0.65],
        "dealAmount.mu": [9.5, 11.5],
        "dealAmount.sigma": [0.5, 1.3],
        "dealAmount.min": [100, 10000],
        "dealAmount.max": [100000, 5000000],
        "contactToCompanyRatio.min": [3, 7],
        "contactToCompanyRatio.max": [3, 7],
        "touchpointDensity.notesPerLead": [0, 10],
        "touchpointDensity.tasksPerLead": [0, 8],
        "touchpointDensity.callsPerLead": [0, 8],
        "dealOutcomes.sizeAmountCorrelation": [0.0, 0.7],
        "dealOutcomes.sizeCycleCorrelation": [0.0, 0.6],
        "dealOutcomes.amountCycleCorrelation": [0.0, 0.6],
        "dealOutcomes.slowDealWinPenalty": [0.0, 0.6],
        "dealOutcomes.winRateSeasonality": [0.0, 0.3],
        "dealOutcomes.quarterEndDiscounting": [0.0, 1.0],
        "dealOutcomes.ownerSkillSpread": [0.0, 0.4],
        "dealOutcomes.productSpread": [0.0, 0.5],
        **_path_guardrails(
            "funnelPaths",
            enterAsLeadShare=(0.2, 0.7),
            enterAsOtherShare=(0.0, 0.1),
            skipToSqlShare=(0.0, 0.4),
            recycleShare=(0.0, 0.7),
            nurtureCycles=(0.25, 2.0),
            lostToLeadShare=(0.0, 1.0),
            lostToOtherShare=(0.0, 1.0),
            evangelistShare=(0.0, 0.3),
        ),
        **_path_guardrails(
            "dealPaths",
            stageSkipShare=(0.0, 0.3),
            regressionShare=(0.0, 0.3),
            lostStageDecay=(0.4, 1.2),
            closeDateSlipShare=(0.0, 1.0),
            closeDateSlipCycles=(0.1, 1.0),
        ),
        "seasonalSlowdown": [0.0, 2.0],
        "closeRush": [0.0, 0.8],
    },
}

B2C: dict[str, Any] = {
    "slug": "b2c",
    "name": "B2C",
    "description": (
        "Business-to-consumer e-commerce/subscription: many leads at all hours with evening and weekend "
        "spikes, light qualification, one or two contacts per household account, small deals closed in days."
    ),
    "parameters": {
        "id": "b2c",
        "leadVolumeMultiplier": 1.8,
        "avgSalesCycleDays": 7,
        "funnelAttrition": _funnel(0.20, 0.20, 0.25, 0.30),
        "dealWinRateBase": 0.42,
        "dealAmount": {"distribution": "lognormal", "mu": 7.8, "sigma": 0.5, "min": 50, "max": 50000},
        "contactToCompanyRatio": {"min": 1, "max": 2},
        "touchpointDensity": {"notesPerLead": [2, 6], "tasksPerLead": [1, 4], "callsPerLead": [2, 5]},
        "dealOutcomes": {
            "sizeAmountCorrelation": 0.0,
            "sizeCycleCorrelation": 0.0,
            "amountCycleCorrelation": 0.2,
            "slowDealWinPenalty": 0.25,
            "winRateSeasonality": 0.10,
            "quarterEndDiscounting": 0.0,
            "ownerSkillSpread": 0.15,
            "productSpread": 0.25,
        },
        "funnelPaths": {
            "enterAsLeadShare": 0.3,
            "enterAsOtherShare": 0.01,
            "skipToSqlShare": 0.1,
            "recycleShare": 0.25,
            "nurtureCycles": 2.0,
            "lostToLeadShare": 0.5,
            "lostToOtherShare": 0.3,
            "evangelistShare": 0.05,
        },
        "dealPaths": {
            "stageSkipShare": 0.2,
            "regressionShare": 0.03,
            "lostStageDecay": 0.55,
            "closeDateSlipShare": 0.5,
            "closeDateSlipCycles": 0.5,
        },
        "seasonalSlowdown": 0.0,
        "closeRush": 0.0,
    },
    "guardrails": {
        "leadVolumeMultiplier": [1.4, 2.2],
        "avgSalesCycleDays": [3, 14],
        **_funnel_guardrails((0.05, 0.5)),
        "dealWinRateBase": [0.35, 0.5],
        "dealAmount.mu": [6.5, 9.0],
        "dealAmount.sigma": [0.2, 0.9],
        "dealAmount.min": [10, 500],
        "dealAmount.max": [5000, 200000],
        "contactToCompanyRatio.min": [1, 2],
        "contactToCompanyRatio.max": [1, 2],
        "touchpointDensity.notesPerLead": [0, 12],
        "touchpointDensity.tasksPerLead": [0, 10],
        "touchpointDensity.callsPerLead": [0, 10],
        "dealOutcomes.sizeAmountCorrelation": [0.0, 0.0],
        "dealOutcomes.sizeCycleCorrelation": [0.0, 0.0],
        "dealOutcomes.amountCycleCorrelation": [0.0, 0.5],
        "dealOutcomes.slowDealWinPenalty": [0.0, 0.6],
        "dealOutcomes.winRateSeasonality": [0.0, 0.3],
        "dealOutcomes.quarterEndDiscounting": [0.0, 0.3],
        "dealOutcomes.ownerSkillSpread": [0.0, 0.4],
        "dealOutcomes.productSpread": [0.0, 0.5],
        **_path_guardrails(
            "funnelPaths",
            enterAsLeadShare=(0.1, 0.6),
            enterAsOtherShare=(0.0, 0.05),
            skipToSqlShare=(0.0, 0.3),
            recycleShare=(0.0, 0.6),
            nurtureCycles=(0.5, 5.0),
            lostToLeadShare=(0.0, 1.0),
            lostToOtherShare=(0.0, 1.0),
            evangelistShare=(0.0, 0.2),
        ),
        **_path_guardrails(
            "dealPaths",
            stageSkipShare=(0.0, 0.5),
            regressionShare=(0.0, 0.2),
            lostStageDecay=(0.3, 1.2),
            closeDateSlipShare=(0.0, 1.0),
            closeDateSlipCycles=(0.1, 2.0),
        ),
        "seasonalSlowdown": [0.0, 0.0],
        "closeRush": [0.0, 0.3],
    },
}

BUILTIN_PRESETS: tuple[dict[str, Any], ...] = (B2B, B2C)


def install_builtin_presets(preset_model: Any) -> None:
    """Create or reset the built-in presets (used by the data migration, with its historical model, and by
    transactional tests, whose database is flushed between tests)."""
    for preset in BUILTIN_PRESETS:
        preset_model.objects.update_or_create(
            slug=preset["slug"],
            defaults={
                "name": preset["name"],
                "description": preset["description"],
                "parameters": copy.deepcopy(preset["parameters"]),
                "guardrails": copy.deepcopy(preset["guardrails"]),
                "is_builtin": True,
            },
        )


def add_leaf_to_presets(preset_model: Any, leaf: str) -> None:
    """Data migrations that add a top-level leaf: reset the built-ins, and give each staff preset without it the
    value and guardrails of the built-in of its style (``b2c`` or ``b2c-*`` by its scenario id, else its slug: B2C;
    otherwise B2B)."""
    install_builtin_presets(preset_model)
    for preset in preset_model.objects.filter(is_builtin=False):
        if leaf in preset.parameters:
            continue
        scenario = str(preset.parameters.get("id", preset.slug)).lower()
        source = B2C if scenario == "b2c" or scenario.startswith("b2c-") else B2B
        preset.parameters[leaf] = source["parameters"][leaf]
        preset.guardrails[leaf] = list(source["guardrails"][leaf])
        preset.save(update_fields=["parameters", "guardrails"])
