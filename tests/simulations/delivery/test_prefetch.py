"""Ranges regenerated ahead in a helper process are the ranges regenerated in line, byte for byte."""

from __future__ import annotations

import pytest

from simulations import engine
from simulations.delivery import events
from simulations.delivery.events import clear_caches, events_for, slot_events
from simulations.delivery.prefetch import Lookahead, pack, unpack
from tests.simulations.engine.support import make_inputs

START = 1_767_225_600  # 2026-01-01
END = START + 90 * 86_400


def inputs() -> engine.SimulationInputs:
    return make_inputs("b2b", records=2500, days=90, seed=11, start=START)


def test_packed_events_unpack_to_the_same_events() -> None:
    found = slot_events(engine.generate_slot(engine.build_plan(inputs()), 0), 7, START, END)
    assert len(found) > 1000
    assert unpack(pack(found)) == found
    assert unpack(pack(found[:1])) == found[:1]
    assert unpack(pack([])) == []


def test_a_range_regenerated_ahead_is_taken_from_the_helper_and_equals_the_one_in_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = (inputs(), 7, 1, START, START + 45 * 86_400)
    clear_caches()
    in_line = events_for(*key)
    clear_caches()
    with Lookahead() as lookahead:
        lookahead.ahead([key])
        assert events.known(key)

        def refuse(*args: object) -> list[events.Event]:
            raise AssertionError("regenerated in line, not by the helper")

        monkeypatch.setattr(events, "slot_events", refuse)  # the helper was forked before this
        assert events_for(*key) == in_line
    clear_caches()
