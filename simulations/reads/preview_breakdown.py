"""What the scenario comparison adds to a preview: the funnel by stage and the distribution of deal amounts.

Computed from the same plan and slot structures as ``engine.preview`` (which stays untouched): exact up to
``engine.PREVIEW_EXACT_LEADS`` leads, beyond that from the same simulation run smaller
(``engine.preview_inputs``) and scaled up, like the preview's other estimated figures. Deterministic in the
inputs, so two presets with the same seed, window, N and distribution compare like for like.

Amount bins are fixed (``AMOUNT_EDGES``: four per decade from 1 to 10,000,000), not fitted to the data, so two
previews' histograms line up bin for bin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from crmsim.vocabulary import LIFECYCLE_STAGES
from simulations import engine
from simulations.engine.trajectories import slot_structure

AMOUNT_EDGES_CENTS = np.rint(100 * 10 ** (np.arange(29) / 4)).astype(np.int64)
"""29 edges, 1.00 to 10,000,000.00: 28 log-spaced bins; amounts above the last count in the last bin."""


def _structure_breakdown(inputs: engine.SimulationInputs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    plan = engine.build_plan(inputs)
    funnel = np.zeros(len(LIFECYCLE_STAGES), dtype=np.int64)
    bins = AMOUNT_EDGES_CENTS.size - 1
    amounts = {kind: np.zeros(bins, dtype=np.int64) for kind in ("won", "lost", "open")}
    for k in range(plan.slot_count):
        s = slot_structure(plan, k)
        funnel += np.bincount(s.final_stage, minlength=len(LIFECYCLE_STAGES))
        masks = {
            "won": s.closed & s.timelines.won,
            "lost": s.closed & ~s.timelines.won,
            "open": s.deal_kept & ~s.closed,
        }
        for kind, mask in masks.items():
            index = np.searchsorted(AMOUNT_EDGES_CENTS, s.timelines.amount_cents[mask], side="right") - 1
            amounts[kind] += np.bincount(np.clip(index, 0, bins - 1), minlength=bins)
    return funnel, amounts


def preview_breakdown(inputs: engine.SimulationInputs) -> dict[str, Any]:
    """``funnel``: contacts per lifecycle stage at the window's end; ``amounts``: deals per amount bin (won,
    lost, still open), with the bins' ``edges`` as decimal strings. Scaled (round half up) when estimated."""
    leads = engine.lead_count(inputs)
    run = engine.preview_inputs(inputs) if leads > engine.PREVIEW_EXACT_LEADS else inputs
    sampled = engine.lead_count(run)
    funnel, amounts = _structure_breakdown(run)

    def scaled(values: np.ndarray) -> list[int]:
        return [int((2 * int(v) * leads + sampled) // (2 * sampled)) for v in values]

    return {
        "funnel": [{"stage": s, "contacts": n} for s, n in zip(LIFECYCLE_STAGES, scaled(funnel), strict=True)],
        "amounts": {
            "edges": [engine.format_amount(int(e)) for e in AMOUNT_EDGES_CENTS],
            **{kind: scaled(counts) for kind, counts in amounts.items()},
        },
    }
