"""Every random stream the engine draws from, keyed by fixed integer spawn keys.

A stream is ``Generator(PCG64(SeedSequence(seed, spawn_key=key)))``. The keys below are part of the
determinism contract (changing one changes every dataset, so it needs a new ENGINE_VERSION). Structure
streams decide counts and times (count mode draws them); value streams only decide text and cosmetic numbers
and carry the scenario's key (``scenario_key``), so B2B and B2C runs with the same seed share no people.

    key                                 draws
    (ARRIVALS,)                         distribution randomness, then arrival times, then scenario shaping
    (COMPANIES,)                        company sizes and the lead -> company permutation
    (SLOT_STRUCTURE, k)                 slot k: funnel drops, dwell times, deal outcome, cycle, amount, product
    (SLOT_ACTIVITIES, k)                slot k: activity counts and times
    (COMMITTEES,)                       per lead: the target size of the buying committee of a deal it opens
    (COMPANY_VALUES, scenario)          company country, city, name, industry, size, revenue, gaps
    (PERSON_VALUES, scenario)           every contact's name, title, phone, e-mail form, source, owner changes
    (OWNER_VALUES, scenario)            the sales team's names and time zones
    (SLOT_VALUES, scenario, k)          slot k: deal and activity values (owners, reasons, subjects, bodies)
    (SLOT_OUTCOMES, k)                  slot k: deal cycle normals, quarter-end discount steps (``outcomes``)
    (SLOT_OUTCOMES, k, 1)               slot k: the second activity counts of the reps' volume tilt
    (OWNER_SKILLS,)                     per owner: win, cycle and activity-volume skill normals
    (SLOT_PATHS, k)                     slot k: lifecycle entry, skips, recycling and returns, deal stage skips
                                        and regressions, close-date slips (``paths``)
    (ARRIVAL_CLOCK,)                    per lead (in draw order): shaping, keep and clock uniforms of its arrival
                                        in local time (``arrivals.local_arrivals``)
"""

from __future__ import annotations

import hashlib

import numpy as np

ARRIVALS = 1
COMPANIES = 2
SLOT_STRUCTURE = 3
SLOT_VALUES = 4
COMPANY_VALUES = 5
SLOT_ACTIVITIES = 6
COMMITTEES = 7
PERSON_VALUES = 8
OWNER_VALUES = 9
SLOT_OUTCOMES = 10
OWNER_SKILLS = 11
SLOT_PATHS = 12
ARRIVAL_CLOCK = 13


def stream(seed: int, *key: int) -> np.random.Generator:
    """The generator for ``key`` under ``seed``; independent of every other key."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def scenario_key(scenario_id: str) -> int:
    """A stable 32-bit key for a scenario id (the first four bytes of its sha256)."""
    return int.from_bytes(hashlib.sha256(scenario_id.encode()).digest()[:4], "big")
