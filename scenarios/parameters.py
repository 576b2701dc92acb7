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
from dataclasses import dataclass, field, fields
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
    default: float | None = None
    """A leaf with a default may be missing from a preset (presets saved before it existed): the engine then uses
    the default, and a missing guardrail allows the hard limits."""

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


def _outcome_spec(name: str, hard_max: float, unit: str, help: str) -> ParameterSpec:
    return ParameterSpec(f"dealOutcomes.{name}", "float", 0.0, hard_max, unit, help)


DEAL_OUTCOMES: tuple[str, ...] = (
    "sizeAmountCorrelation",
    "sizeCycleCorrelation",
    "amountCycleCorrelation",
    "slowDealWinPenalty",
    "winRateSeasonality",
    "quarterEndDiscounting",
    "ownerSkillSpread",
    "productSpread",
)
"""The leaves of ``dealOutcomes``: how a deal's amount, cycle, win and discount depend on who and what (see
simulations/engine/outcomes.py and docs/scenarios.md "Outcomes that correlate"). All 0 = independent outcomes."""

DEAL_OUTCOME_SPECS: tuple[ParameterSpec, ...] = (
    _outcome_spec(
        "sizeAmountCorrelation",
        0.9,
        "correlation",
        "Correlation of ln(company head count) with ln(deal amount): larger accounts buy larger deals.",
    ),
    _outcome_spec(
        "sizeCycleCorrelation",
        0.9,
        "correlation",
        "Correlation of ln(company head count) with the deal cycle's normal score: larger accounts buy slower.",
    ),
    _outcome_spec(
        "amountCycleCorrelation",
        0.9,
        "correlation",
        "Correlation of ln(deal amount) with the deal cycle's normal score: larger deals take longer.",
    ),
    _outcome_spec(
        "slowDealWinPenalty",
        1.0,
        "x min(p, 1-p) per s.d.",
        "Fall of the win probability per standard deviation of the cycle's normal score (times min(p, 1 - p)):"
        " lost deals run longer than won ones.",
    ),
    _outcome_spec(
        "winRateSeasonality",
        1.0,
        "x min(p, 1-p)",
        "Amplitude of the win rate's month-of-close pattern (strong December and quarter ends, weak January and"
        " August; mean 0 over a year, times min(p, 1 - p)).",
    ),
    _outcome_spec(
        "quarterEndDiscounting",
        1.0,
        "probability",
        "Chance that a deal closing in a quarter's last three weeks takes one or two deeper discount steps.",
    ),
    _outcome_spec(
        "ownerSkillSpread",
        1.0,
        "s.d.",
        "Spread of rep skill: s.d. of a rep's win-probability shift (times min(p, 1 - p)), of its cycle's normal"
        " score, and of its activity-volume tilt.",
    ),
    _outcome_spec(
        "productSpread",
        1.0,
        "x min(p, 1-p)",
        "Scale of the products' fixed win-rate and cycle tilts (seats win more and faster, platforms less and slower).",
    ),
)


@dataclass(frozen=True)
class FunnelPaths:
    """How contacts move through the lifecycle besides the ladder (issue 14, docs/scenarios.md "Paths").
    Defaults are the B2B preset's values."""

    enterAsLeadShare: float = 0.45
    enterAsOtherShare: float = 0.03
    skipToSqlShare: float = 0.15
    recycleShare: float = 0.35
    nurtureCycles: float = 0.75
    lostToLeadShare: float = 0.6
    lostToOtherShare: float = 0.4
    evangelistShare: float = 0.08


@dataclass(frozen=True)
class DealPaths:
    """How deals move through the pipeline besides the ladder (docs/scenarios.md "Paths"); B2B defaults."""

    stageSkipShare: float = 0.12
    regressionShare: float = 0.1
    lostStageDecay: float = 0.7
    closeDateSlipShare: float = 0.8
    closeDateSlipCycles: float = 0.35


PATH_SECTIONS: dict[str, type[FunnelPaths] | type[DealPaths]] = {"funnelPaths": FunnelPaths, "dealPaths": DealPaths}


def _path_spec(path: str, kind: Kind, hard_max: float, unit: str, help: str, hard_min: float = 0.0) -> ParameterSpec:
    section, name = path.split(".")
    return ParameterSpec(path, kind, hard_min, hard_max, unit, help, getattr(PATH_SECTIONS[section](), name))


PATH_SCHEMA: tuple[ParameterSpec, ...] = (
    _path_spec(
        "funnelPaths.enterAsLeadShare",
        "probability",
        0.8,
        "probability",
        "Share of contacts created as lead (a form fill), skipping subscriber.",
    ),
    _path_spec(
        "funnelPaths.enterAsOtherShare",
        "probability",
        0.2,
        "probability",
        "Share of contacts created as other (partners, vendors, applicants): they never enter the funnel.",
    ),
    _path_spec(
        "funnelPaths.skipToSqlShare",
        "probability",
        0.9,
        "probability",
        "Share of leads moving on from lead that go straight to SQL (a demo request), skipping MQL.",
    ),
    _path_spec(
        "funnelPaths.recycleShare",
        "probability",
        1.0,
        "probability",
        "Share of contacts stopped at MQL or SQL (unqualified, bad timing) recycled to lead after nurture.",
    ),
    _path_spec(
        "funnelPaths.nurtureCycles",
        "float",
        5.0,
        "x avgSalesCycleDays",
        "Mean nurture time before a recycled contact is back at lead, in sales cycles.",
        0.01,
    ),
    _path_spec(
        "funnelPaths.lostToLeadShare",
        "probability",
        1.0,
        "probability",
        "Share of the contacts of a lost deal set back to lead (lead status BAD_TIMING) after the loss.",
    ),
    _path_spec(
        "funnelPaths.lostToOtherShare",
        "probability",
        1.0,
        "probability",
        "Of a lost deal's other contacts, the share set to other (UNQUALIFIED); the rest stay opportunity.",
    ),
    _path_spec(
        "funnelPaths.evangelistShare",
        "probability",
        0.5,
        "probability",
        "Share of customers who later become evangelists (references, referrals).",
    ),
    _path_spec(
        "dealPaths.stageSkipShare",
        "probability",
        0.6,
        "probability",
        "Chance that a deal skips an open stage after its first (never the stage a lost deal drops out at).",
    ),
    _path_spec(
        "dealPaths.regressionShare",
        "probability",
        0.5,
        "probability",
        "Share of deals with two or more open stages that move back one stage once, then on again.",
    ),
    _path_spec(
        "dealPaths.lostStageDecay",
        "float",
        2.0,
        "ratio",
        "Lost deals dropping out at each open stage per lost deal dropping out at the stage before "
        "(1: evenly; below 1: most losses come early).",
        0.1,
    ),
    _path_spec(
        "dealPaths.closeDateSlipShare",
        "probability",
        1.0,
        "probability",
        "Chance that a rep who moves a deal past its expected close date pushes the close date out.",
    ),
    _path_spec(
        "dealPaths.closeDateSlipCycles",
        "float",
        2.0,
        "x avgSalesCycleDays",
        "Mean push of a slipped close date past the stage change, in sales cycles.",
        0.01,
    ),
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
    *DEAL_OUTCOME_SPECS,
    *PATH_SCHEMA,
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
    ParameterSpec(
        "closeRush",
        "float",
        0.0,
        1.0,
        "probability",
        "Month-end close rush: the chance that a close falling in a month's last 4-10 days, or the first 5 of the "
        "next, moves into the month's last 3 days (x1.5 in a quarter's last month, capped at 1): reps push deals "
        "over the line for the month's number and pull next month's in. 0 turns it off.",
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
class DealOutcomes:
    """The ``dealOutcomes`` group (see DEAL_OUTCOME_SPECS). A snapshot without it (engine 3 and before) reads
    as all zeros: outcomes independent of account, owner, product and season, as those engines made them."""

    sizeAmountCorrelation: float = 0.0
    sizeCycleCorrelation: float = 0.0
    amountCycleCorrelation: float = 0.0
    slowDealWinPenalty: float = 0.0
    winRateSeasonality: float = 0.0
    quarterEndDiscounting: float = 0.0
    ownerSkillSpread: float = 0.0
    productSpread: float = 0.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DealOutcomes:
        return cls(**{name: float(data.get(name, 0.0)) for name in DEAL_OUTCOMES})

    def to_json(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in DEAL_OUTCOMES}


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
    closeRush: float
    dealOutcomes: DealOutcomes = field(default_factory=lambda: DealOutcomes())
    funnelPaths: FunnelPaths = field(default_factory=FunnelPaths)
    dealPaths: DealPaths = field(default_factory=DealPaths)

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
            dealOutcomes=DealOutcomes.from_json(data.get("dealOutcomes", {})),
            funnelPaths=FunnelPaths(**_section(data, "funnelPaths")),
            dealPaths=DealPaths(**_section(data, "dealPaths")),
            seasonalSlowdown=float(data.get("seasonalSlowdown", 0.0)),  # engine 3 snapshots: no seasons
            closeRush=float(data.get("closeRush", 0.0)),  # not re-run by engine 4 anyway (version check)
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
            "dealOutcomes": self.dealOutcomes.to_json(),
            "funnelPaths": _fields(self.funnelPaths),
            "dealPaths": _fields(self.dealPaths),
            "seasonalSlowdown": self.seasonalSlowdown,
            "closeRush": self.closeRush,
        }

    def leaves(self) -> dict[str, Any]:
        """{path: value} for every schema leaf (the flat view the preview table and docs show)."""
        data = self.to_json()
        return {spec.path: get_leaf(data, spec.path) for spec in SCHEMA}


def _section(data: Mapping[str, Any], section: str) -> dict[str, float]:
    """A path section's leaves as floats; missing ones (presets saved before engine 4) keep their default."""
    node = data.get(section) or {}
    return {f.name: float(node[f.name]) for f in fields(PATH_SECTIONS[section]) if f.name in node}


def _fields(section: FunnelPaths | DealPaths) -> dict[str, float]:
    return {f.name: getattr(section, f.name) for f in fields(section)}
