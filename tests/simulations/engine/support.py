"""Shared builders for the engine tests (no Django)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from scenarios.builtin import B2B, B2C
from scenarios.parameters import DealAmount, ScenarioParameters
from simulations.engine import (
    RECORD_TYPES,
    DatasetDigest,
    SimulationInputs,
    SlotData,
    build_plan,
    freeze_params,
    generate_slot,
    validate_distribution,
)
from simulations.engine.digest import columns_rows

START = 1_704_067_200  # 2024-01-01T00:00:00Z, a Monday
DAY = 86_400


def parameters(scenario: str = "b2b", **changes: Any) -> ScenarioParameters:
    preset = B2B if scenario == "b2b" else B2C
    return dataclasses.replace(ScenarioParameters.from_json(preset["parameters"]), **changes)


def wide_amounts(p: ScenarioParameters) -> ScenarioParameters:
    """Amount bounds so wide that clipping is negligible."""
    return dataclasses.replace(p, dealAmount=DealAmount(p.dealAmount.mu, p.dealAmount.sigma, 0.01, 1e9))


def make_inputs(
    scenario: str | ScenarioParameters = "b2b",
    *,
    records: int = 2000,
    days: float = 365,
    seed: int = 7,
    distribution: str = "linear",
    params: dict[str, Any] | None = None,
    start: int = START,
) -> SimulationInputs:
    p = parameters(scenario) if isinstance(scenario, str) else scenario
    return SimulationInputs(
        parameters=p,
        distribution=distribution,
        distribution_params=freeze_params(validate_distribution(distribution, params or {})),
        start=start,
        end=start + int(days * DAY),
        records=records,
        seed=seed,
    )


def generate_by_slot(inputs: SimulationInputs, order: list[int] | None = None) -> dict[int, SlotData]:
    plan = build_plan(inputs)
    order = list(range(plan.slot_count)) if order is None else order
    return {k: generate_slot(plan, k) for k in order}


def digest_of_slots(inputs: SimulationInputs, slots: dict[int, SlotData]) -> str:
    """The digest the database layer would compute after committing ``slots`` in whatever order: owners and
    companies are the union of the slots' upserts, everything else is concatenated in key order."""
    digest = DatasetDigest()
    for record_type in ("owners", "companies"):
        upserted: dict[int, tuple] = {}
        for slot in slots.values():
            for row in columns_rows(record_type, getattr(slot, record_type)):
                assert upserted.setdefault(row[0], row) == row, f"two slots disagree on a {record_type} row"
        digest.add_rows(record_type, (upserted[key] for key in sorted(upserted)))
    for record_type in RECORD_TYPES[2:]:
        for k in sorted(slots):
            digest.add_rows(record_type, columns_rows(record_type, getattr(slots[k], record_type)))
    return digest.hexdigest()


def concat(slots: dict[int, SlotData], record_type: str) -> dict[str, np.ndarray]:
    parts = [getattr(slots[k], record_type) for k in sorted(slots)]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
