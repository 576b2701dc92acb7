"""How the global step keeps per-lead arrays small: uniform draws in row blocks, integers stored narrow.

The plan holds arrays of one entry per lead (or company) for the whole simulation, in every process that
writes slots; at 1M leads each int64 array is 8 MB and each whole-array draw another 8 MB of floats.

``rng.random(n)`` and ``rng.random((n, w))`` give the same numbers as consecutive calls over consecutive
row blocks: a double is one 64-bit draw and nothing is buffered between calls. So a global step that reduces
each uniform at once to what it keeps (a bool, a small index) can draw block by block, with at most BLOCK
rows of floats alive, and produce exactly the arrays (and datasets, and digests) of one whole-array call.
Integer draws (``rng.integers``) buffer 32-bit halves within a call, so they stay whole calls.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BLOCK = 65_536
"""Rows of uniforms drawn at once."""


def uniform_blocks(
    rng: np.random.Generator, n: int, reduce: Callable[[int, int, np.ndarray], np.ndarray], width: int = 0
) -> np.ndarray:
    """``reduce(lo, hi, u)`` over consecutive row blocks [lo, hi) of ``rng.random(n)`` (``width`` 0) or
    ``rng.random((n, width))``, concatenated: ``reduce`` returns one row of result per row of ``u``."""
    parts = []
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        parts.append(reduce(lo, hi, rng.random((hi - lo, width) if width else hi - lo)))
    if not parts:
        parts.append(reduce(0, 0, rng.random((0, width) if width else 0)))
    return np.concatenate(parts)


def compact(values: np.ndarray) -> np.ndarray:
    """``values`` (integers) in the narrowest signed dtype that holds them: the plan keeps them for the whole
    simulation, one per lead or company, so int8/int16 instead of int64 is most of its memory at 1M leads.
    Signed, so -1 (blank) fits; readers index with them or combine them with int64 arrays (which widens), and
    their text (COPY, digest) is the same. Not for values that are multiplied or shifted on their own."""
    if values.size == 0:
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values.astype(np.int64)
