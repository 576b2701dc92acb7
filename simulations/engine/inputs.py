"""What one simulation asks the engine for, and the constants that version its output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crmsim.vocabulary import RECORD_TYPES, SEED_RANGE_TEXT, seed_in_range
from scenarios.parameters import ScenarioParameters

ENGINE_VERSION = "4"
"""Bumped whenever the same inputs would give a different dataset (streams, model, SLOT_SIZE, pools)."""

SLOT_SIZE = 1000
"""Leads per slot: the unit of scheduling and idempotency. Part of ENGINE_VERSION (slot k's streams are
keyed by k, so another size reshuffles every draw)."""

__all__ = ["ENGINE_VERSION", "RECORD_TYPES", "SLOT_SIZE", "SimulationInputs", "freeze_params", "lead_count"]


@dataclass(frozen=True)
class SimulationInputs:
    """Everything that decides a dataset (with ENGINE_VERSION). Hashable, so plans can be cached.

    ``distribution_params`` are already validated (see ``validate_distribution``) and frozen with
    ``freeze_params``; ``start``/``end`` are epoch seconds UTC, the window is ``[start, end)``.
    """

    parameters: ScenarioParameters
    distribution: str
    distribution_params: tuple[tuple[str, Any], ...]
    start: int
    end: int
    records: int
    seed: int

    def __post_init__(self) -> None:
        if not self.end > self.start:
            raise ValueError("end must be after start")
        if self.records < 1:
            raise ValueError("records must be at least 1")
        if not seed_in_range(self.seed):
            raise ValueError(f"seed must be in {SEED_RANGE_TEXT}")

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.distribution_params)


def freeze_params(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Sorted ``(name, value)`` pairs with lists turned into tuples, so the inputs stay hashable."""

    def freeze(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return tuple(freeze(v) for v in value)
        return value

    return tuple(sorted((str(name), freeze(value)) for name, value in params.items()))


def lead_count(inputs: SimulationInputs) -> int:
    """N' = round(N x leadVolumeMultiplier), at least 1.

    Python's ``round`` rounds halves to even (round(2.5) == 2), which is what we use.
    """
    return max(1, round(inputs.records * inputs.parameters.leadVolumeMultiplier))
