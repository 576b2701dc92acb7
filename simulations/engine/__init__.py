"""The crmsim generation engine: a pure function from SimulationInputs to CRM rows.

numpy in, numpy out; never Django, the database, ``random``, global numpy state or the clock. See
docs/engine.md for the model and the determinism design.
"""

from __future__ import annotations

from crmsim.vocabulary import DEAL_STAGES, LIFECYCLE_STAGES

from .digest import (
    DIGEST_FIELDS,
    DatasetDigest,
    engine_digest,
    format_amount,
    format_timestamp,
    slot_rows,
)
from .distributions import (
    DISTRIBUTIONS,
    DistributionMethod,
    InvalidDistribution,
    ParamSpec,
    describe_distributions,
    validate_distribution,
)
from .inputs import ENGINE_VERSION, RECORD_TYPES, SLOT_SIZE, SimulationInputs, freeze_params, lead_count
from .plan import Plan, build_plan, scenario_style
from .slots import PlanCounts, SlotData, count_plan, count_slot, generate_dataset, generate_slot, preview

__all__ = [
    "DEAL_STAGES",
    "DIGEST_FIELDS",
    "DISTRIBUTIONS",
    "ENGINE_VERSION",
    "LIFECYCLE_STAGES",
    "RECORD_TYPES",
    "SLOT_SIZE",
    "DatasetDigest",
    "DistributionMethod",
    "InvalidDistribution",
    "ParamSpec",
    "Plan",
    "PlanCounts",
    "SimulationInputs",
    "SlotData",
    "build_plan",
    "count_plan",
    "count_slot",
    "describe_distributions",
    "engine_digest",
    "format_amount",
    "format_timestamp",
    "freeze_params",
    "generate_dataset",
    "generate_slot",
    "lead_count",
    "preview",
    "scenario_style",
    "slot_rows",
    "validate_distribution",
]
