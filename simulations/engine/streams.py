"""Every random stream the engine draws from, keyed by fixed integer spawn keys.

A stream is ``Generator(PCG64(SeedSequence(seed, spawn_key=key)))``. The keys below are part of the
determinism contract (changing one changes every dataset, so it needs a new ENGINE_VERSION):

    key                       draws
    (ARRIVALS,)               distribution randomness (burst centres, trickle hours), then arrival times,
                              then scenario shaping
    (COMPANIES,)              company sizes and the lead -> company permutation
    (COMPANY_VALUES,)         company names, domains' TLDs, industries, employee counts, first-name offsets
    (SLOT_STRUCTURE, k)       slot k: funnel drops, dwell times, deal outcome, cycle, amounts, activity
                              counts and times (everything count mode needs)
    (SLOT_VALUES, k)          slot k: cosmetic values only (last names, titles, phones, mail domains,
                              deal products, activity subjects)
"""

from __future__ import annotations

import numpy as np

ARRIVALS = 1
COMPANIES = 2
SLOT_STRUCTURE = 3
SLOT_VALUES = 4
COMPANY_VALUES = 5


def stream(seed: int, *key: int) -> np.random.Generator:
    """The generator for ``key`` under ``seed``; independent of every other key."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
