"""The one parameter schema of crmsim.

Every scenario parameter is defined once here: its JSON path (the seed's names, verbatim), its type, its
hard limits (what the engine can run at all) and its meaning. The built-in presets' values and guardrails
live in ``scenarios.builtin``; the model validation, the admin form, the API serializers and the docs table
are all driven from ``SCHEMA``.

Validation (``check_value``, ``validate_guardrails``, ``validate_parameters``, ``check_preset``, ``resolve``)
lives in ``scenarios.validation``.

This module is pure Python: it imports neither Django nor numpy, so the generation engine can use
``ScenarioParameters`` without touching the database.

Vocabulary
    parameters  the nested JSON a preset stores, e.g. ``{"dealAmount": {"mu": 10.5, ...}, ...}``
    path        a dotted name of one leaf, e.g. ``dealAmount.mu`` or
                ``funnelAttrition.marketingqualifiedlead.dropProbability``
    guardrails  ``{path: [min, max]}``: the bounds a user's override must respect for one preset
    overrides   ``{path: value}``: a user's changes to a preset, checked against its guardrails
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from crmsim.vocabulary import FUNNEL_STAGES, LIFECYCLE_STAGE_TERMS

TOUCHPOINT_KINDS: tuple[str, ...] = ("notesPerLead", "tasksPerLead", "callsPerLead")

Kind = Literal["float", "int", "probability", "int_range"]


@dataclass(frozen=True)
class ParameterSpec:
    """One leaf of the parameter tree.

    ``kind`` decides the accepted JSON type: ``float`` (any finite number), ``int`` (a whole number),
    ``probability`` (a number in [0, 1]), ``int_range`` (a ``[lo, hi]`` pair of whole numbers, lo <= hi).
    ``hard_min``/``hard_max`` are the limits of what the engine can run, whatever a preset's guardrails say.
    """

    path: str
    kind: Kind
    hard_min: float
    hard_max: float
    unit: str
    help: str

    @property
    def label(self) -> str:
        """The path in words for people (the UI and the admin): ``funnelAttrition.marketingqualifiedlead.
        dropProbability`` -> "Funnel attrition · MQL · drop probability"; the path stays the API's name."""
        return parameter_label(self.path)


def _words(name: str) -> str:
    """``dealWinRateBase`` -> "deal win rate base"; ``mu`` stays "mu"."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def parameter_label(path: str) -> str:
    stages = {term.value: term.label for term in LIFECYCLE_STAGE_TERMS}
    parts = [stages.get(part) or _words(part) for part in path.split(".")]
    return " · ".join([parts[0][:1].upper() + parts[0][1:], *parts[1:]])


def _funnel_spec(stage: str) -> ParameterSpec:
    return ParameterSpec(
        path=f"funnelAttrition.{stage}.dropProbability",
        kind="probability",
        hard_min=0.0,
        hard_max=0.99,
        unit="probability",
        help=f"Chance that a lead stops at the {stage} stage instead of moving on.",
    )


def _touchpoint_spec(name: str, what: str) -> ParameterSpec:
    return ParameterSpec(
        path=f"touchpointDensity.{name}",
        kind="int_range",
        hard_min=0,
        hard_max=50,
        unit="per lead",
        help=f"Number of {what} a rep logs per lead it works (from MQL on), drawn uniformly in [lo, hi].",
    )


SCHEMA: tuple[ParameterSpec, ...] = (
    ParameterSpec(
        "leadVolumeMultiplier",
        "float",
        0.01,
        10.0,
        "x records",
        "Leads generated per requested record: N' = round(N x multiplier).",
    ),
    ParameterSpec(
        "avgSalesCycleDays",
        "float",
        1.0,
        730.0,
        "days",
        "Mean days from deal creation to close (won or lost).",
    ),
    *(_funnel_spec(stage) for stage in FUNNEL_STAGES),
    ParameterSpec(
        "dealWinRateBase",
        "probability",
        0.0,
        1.0,
        "probability",
        "Chance that an opened deal ends closedwon rather than closedlost.",
    ),
    ParameterSpec(
        "dealAmount.mu",
        "float",
        0.0,
        20.0,
        "ln(currency)",
        "Mean of ln(deal amount); exp(mu) is the median amount before clipping.",
    ),
    ParameterSpec(
        "dealAmount.sigma",
        "float",
        0.01,
        3.0,
        "ln(currency)",
        "Standard deviation of ln(deal amount).",
    ),
    ParameterSpec(
        "dealAmount.min",
        "float",
        0.01,
        1e9,
        "currency",
        "Smallest deal amount; draws below are clipped up to it.",
    ),
    ParameterSpec(
        "dealAmount.max",
        "float",
        0.01,
        1e9,
        "currency",
        "Largest deal amount; draws above are clipped down to it.",
    ),
    ParameterSpec(
        "contactToCompanyRatio.min",
        "int",
        1,
        1000,
        "contacts",
        "Fewest contacts a company has.",
    ),
    ParameterSpec(
        "contactToCompanyRatio.max",
        "int",
        1,
        1000,
        "contacts",
        "Most contacts a company has; sizes are uniform in [min, max].",
    ),
    _touchpoint_spec("notesPerLead", "notes"),
    _touchpoint_spec("tasksPerLead", "tasks"),
    _touchpoint_spec("callsPerLead", "calls"),
    ParameterSpec(
        "seasonalSlowdown",
        "float",
        0.0,
        2.0,
        "x default",
        "Strength of the holiday seasons (August, Christmas-New Year) by country: the chance a B2B rep's action or "
        "a B2B arrival on such a day waits until after it is the country's share of people away x this; "
        "0 turns the seasons off.",
    ),
)

SPECS: dict[str, ParameterSpec] = {spec.path: spec for spec in SCHEMA}

# Pairs of leaves that must be ordered (first <= second) for the parameters to make sense.
ORDERED_PAIRS: tuple[tuple[str, str], ...] = (
    ("dealAmount.min", "dealAmount.max"),
    ("contactToCompanyRatio.min", "contactToCompanyRatio.max"),
)


class InvalidParameters(ValueError):
    """Raised with every problem found at once: ``errors`` maps a parameter path to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors: dict[str, list[str]] = {path: list(msgs) for path, msgs in errors.items()}
        super().__init__(self.summary())

    def summary(self) -> str:
        return "; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in sorted(self.errors.items()))


# --- reading and writing leaves of the nested JSON ---------------------------------------------------------


def get_leaf(parameters: Mapping[str, Any], path: str) -> Any:
    """Return the value at ``path``; raise KeyError when any part is missing."""
    if path.startswith("funnelAttrition."):
        _, stage, field = path.split(".")
        for item in parameters["funnelAttrition"]:
            if isinstance(item, Mapping) and item.get("stage") == stage:
                return item[field]
        raise KeyError(path)
    node: Any = parameters
    for part in path.split("."):
        if not isinstance(node, Mapping):
            raise KeyError(path)
        node = node[part]
    return node


def set_leaf(parameters: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at ``path`` in place, creating missing containers."""
    if path.startswith("funnelAttrition."):
        _, stage, field = path.split(".")
        items = parameters.setdefault("funnelAttrition", [])
        for item in items:
            if item.get("stage") == stage:
                item[field] = value
                return
        items.append({"stage": stage, field: value})
        return
    *parents, last = path.split(".")
    node = parameters
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


# --- the frozen value the engine consumes ---------------------------------------------------------------


@dataclass(frozen=True)
class DealAmount:
    mu: float
    sigma: float
    min: float
    max: float


@dataclass(frozen=True)
class ScenarioParameters:
    """Resolved, validated scenario parameters: the engine's only view of a scenario."""

    id: str
    leadVolumeMultiplier: float
    avgSalesCycleDays: float
    dropProbabilities: tuple[float, float, float, float]
    """Per FUNNEL_STAGES, in order."""
    dealWinRateBase: float
    dealAmount: DealAmount
    contactsPerCompany: tuple[int, int]
    notesPerLead: tuple[int, int]
    tasksPerLead: tuple[int, int]
    callsPerLead: tuple[int, int]
    seasonalSlowdown: float

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScenarioParameters:
        drops = {item["stage"]: float(item["dropProbability"]) for item in data["funnelAttrition"]}
        amount = data["dealAmount"]
        touch = data["touchpointDensity"]
        ratio = data["contactToCompanyRatio"]
        return cls(
            id=str(data.get("id", "")),
            leadVolumeMultiplier=float(data["leadVolumeMultiplier"]),
            avgSalesCycleDays=float(data["avgSalesCycleDays"]),
            dropProbabilities=(
                drops["subscriber"],
                drops["lead"],
                drops["marketingqualifiedlead"],
                drops["salesqualifiedlead"],
            ),
            dealWinRateBase=float(data["dealWinRateBase"]),
            dealAmount=DealAmount(
                mu=float(amount["mu"]),
                sigma=float(amount["sigma"]),
                min=float(amount["min"]),
                max=float(amount["max"]),
            ),
            contactsPerCompany=(int(ratio["min"]), int(ratio["max"])),
            notesPerLead=(int(touch["notesPerLead"][0]), int(touch["notesPerLead"][1])),
            tasksPerLead=(int(touch["tasksPerLead"][0]), int(touch["tasksPerLead"][1])),
            callsPerLead=(int(touch["callsPerLead"][0]), int(touch["callsPerLead"][1])),
            seasonalSlowdown=float(data["seasonalSlowdown"]),
        )

    def to_json(self) -> dict[str, Any]:
        """The seed's JSON shape, as stored in presets and simulation snapshots."""
        return {
            "id": self.id,
            "leadVolumeMultiplier": self.leadVolumeMultiplier,
            "avgSalesCycleDays": self.avgSalesCycleDays,
            "funnelAttrition": [
                {"stage": stage, "dropProbability": p}
                for stage, p in zip(FUNNEL_STAGES, self.dropProbabilities, strict=True)
            ],
            "dealWinRateBase": self.dealWinRateBase,
            "dealAmount": {
                "distribution": "lognormal",
                "mu": self.dealAmount.mu,
                "sigma": self.dealAmount.sigma,
                "min": self.dealAmount.min,
                "max": self.dealAmount.max,
            },
            "contactToCompanyRatio": {"min": self.contactsPerCompany[0], "max": self.contactsPerCompany[1]},
            "touchpointDensity": {
                "notesPerLead": list(self.notesPerLead),
                "tasksPerLead": list(self.tasksPerLead),
                "callsPerLead": list(self.callsPerLead),
            },
            "seasonalSlowdown": self.seasonalSlowdown,
        }

    def leaves(self) -> dict[str, Any]:
        """{path: value} for every schema leaf (the flat view the preview table and docs show)."""
        data = self.to_json()
        return {spec.path: get_leaf(data, spec.path) for spec in SCHEMA}
