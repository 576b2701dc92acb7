"""B2B and B2C at the same N, seed and window differ the way their parameters say they should."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from simulations.engine import build_plan

from .support import DAY, concat, generate_by_slot, make_inputs

RECORDS = 12_000
Dataset = dict[str, dict[str, np.ndarray]]


@pytest.fixture(scope="module")
def datasets() -> dict[str, Dataset]:
    result = {}
    for scenario in ("b2b", "b2c"):
        inputs = make_inputs(scenario, records=RECORDS, days=730, seed=99)
        slots = generate_by_slot(inputs)
        result[scenario] = {t: concat(slots, t) for t in ("contacts", "deals", "activities", "lifecycle_events")}
        result[scenario]["plan"] = {"company_sizes": build_plan(inputs).company_sizes}
    return result


def _closed(d: Dataset) -> np.ndarray:
    return d["deals"]["closed_at"] >= 0


def _stopped_at_subscriber(d: Dataset) -> float:
    events = d["lifecycle_events"]
    moved = (events["from_stage"] == "subscriber") & (events["to_stage"] == "lead")
    return 1 - moved.sum() / (events["to_stage"] == "subscriber").sum()


METRICS: list[tuple[str, Callable[[Dataset], float], str]] = [
    ("leads", lambda d: d["contacts"]["key"].size, "higher"),
    ("mean deal cycle", lambda d: (d["deals"]["closed_at"] - d["deals"]["created_at"])[_closed(d)].mean(), "lower"),
    ("win rate", lambda d: (d["deals"]["is_won"][_closed(d)] == 1).mean(), "lower"),
    ("median amount", lambda d: np.median(d["deals"]["amount_cents"]), "lower"),
    ("contacts per company", lambda d: d["plan"]["company_sizes"].mean(), "lower"),
    ("early attrition", _stopped_at_subscriber, "lower"),
    ("touchpoints per lead", lambda d: d["activities"]["key"].size / d["contacts"]["key"].size, "higher"),
    ("calls per lead", lambda d: (d["activities"]["type"] == "call").sum() / d["contacts"]["key"].size, "higher"),
    ("deals per lead", lambda d: d["deals"]["key"].size / d["contacts"]["key"].size, "higher"),
    (
        "days from arrival to opportunity",
        lambda d: np.median(d["deals"]["created_at"] - d["contacts"]["created_at"][d["deals"]["key"]]) / DAY,
        "lower",
    ),
]


@pytest.mark.parametrize(("metric", "measure", "b2c_is"), METRICS, ids=[m[0] for m in METRICS])
def test_b2c_differs_from_b2b_in_the_expected_direction(datasets, metric, measure, b2c_is):
    b2b, b2c = measure(datasets["b2b"]), measure(datasets["b2c"])
    assert (b2c > b2b) if b2c_is == "higher" else (b2c < b2b), f"{metric}: b2b={b2b} b2c={b2c}"


def test_b2b_arrivals_lean_on_office_hours_and_b2c_on_evenings(datasets):
    """In the contact's own time zone (arrivals follow the lead's local clock since engine 4)."""

    def share(d: Dataset, hours: range, weekdays_only: bool) -> float:
        zone = d["contacts"]["timezone"]
        known = np.array([bool(z) for z in zone])  # a contact's time zone is sometimes left blank
        offset = np.array([ZoneInfo(str(z)).utcoffset(dt.datetime(2024, 3, 1)).total_seconds() for z in zone[known]])
        t = d["contacts"]["created_at"][known] + offset.astype(np.int64)
        hour = (t % DAY) // 3600
        weekday = (t // DAY + 3) % 7
        inside = np.isin(hour, list(hours)) & ((weekday < 5) if weekdays_only else True)
        return float(inside.mean())

    assert share(datasets["b2b"], range(9, 17), True) > 0.55 > share(datasets["b2c"], range(9, 17), True)
    assert share(datasets["b2c"], range(18, 24), False) > 0.4 > share(datasets["b2b"], range(18, 24), False)
