"""The plan's memory helpers give exactly the numbers of whole-array draws, in narrower storage."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulations.engine.blocks import BLOCK, compact, uniform_blocks
from simulations.engine.streams import stream


@pytest.mark.parametrize("n", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 17])
@pytest.mark.parametrize("width", [0, 4])
def test_uniform_blocks_draw_the_numbers_of_one_call_and_leave_the_stream_where_it_would(n: int, width: int) -> None:
    whole, blocked = stream(3, 1), stream(3, 1)
    expected = whole.random((n, width) if width else n)
    seen: list[tuple[int, int]] = []

    def keep(lo: int, hi: int, u: np.ndarray) -> np.ndarray:
        seen.append((lo, hi))
        assert len(u) == hi - lo <= BLOCK
        return u

    assert np.array_equal(uniform_blocks(blocked, n, keep, width=width), expected)
    assert seen[0][0] == 0 and seen[-1][1] == n and all(a[1] == b[0] for a, b in itertools.pairwise(seen))
    assert whole.random() == blocked.random()  # the next draw is the same: nothing consumed beyond n rows


def test_uniform_blocks_reduce_rows_to_what_is_kept() -> None:
    u = stream(5, 2).random(BLOCK + 10)
    flags = uniform_blocks(stream(5, 2), BLOCK + 10, lambda lo, hi, block: block < 0.3)
    assert flags.dtype == bool and np.array_equal(flags, u < 0.3)


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([0, 5, 127], np.int8),
        ([-1, 109], np.int8),
        ([-1, 2001], np.int16),
        ([0, 999_999_999], np.int32),
        ([-1, 5_800_000_000], np.int64),
    ],
)
def test_compact_picks_the_narrowest_signed_dtype_and_keeps_every_value(values: list[int], dtype: type) -> None:
    narrow = compact(np.array(values, dtype=np.int64))
    assert narrow.dtype == dtype
    assert narrow.tolist() == values


def test_compact_leaves_an_empty_array_as_it_is() -> None:
    empty = np.empty(0, dtype=np.int64)
    assert compact(empty).dtype == np.int64


@pytest.mark.parametrize(
    ("scenario", "distribution"),
    [
        ("b2b", "linear"),
        ("b2b", "business_hours"),
        ("b2c", "random_bursts"),
        ("b2c", "weekend_surge"),
        ("b2b", "trickle"),
    ],
)
def test_the_plan_moves_arrivals_to_local_time_in_blocks_with_the_numbers_of_the_whole_array(
    scenario: str, distribution: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan moves leads to local time block by block (its peak memory): the arrivals, and the companies
    carried with them, are those of one block holding every lead, whatever the block size."""
    from simulations.engine import blocks
    from simulations.engine.inputs import lead_count
    from simulations.engine.plan import _placed

    from .support import make_inputs

    records = 200_000 if scenario == "b2b" else 80_000  # 150,000 and 144,000 leads
    inputs = make_inputs(scenario, records=records, days=120, distribution=distribution)
    assert lead_count(inputs) > 2 * BLOCK  # the default block size splits this plan
    placed = {}
    for size in (BLOCK, 1_000, 10**9):
        monkeypatch.setattr(blocks, "BLOCK", size)
        placed[size] = _placed(inputs)
    for size in (BLOCK, 1_000):
        assert np.array_equal(placed[size].arrivals, placed[10**9].arrivals)
        assert np.array_equal(placed[size].lead_company, placed[10**9].lead_company)
