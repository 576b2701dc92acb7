from __future__ import annotations

import json
import math

import numpy as np
import pytest

from simulations.engine import DISTRIBUTIONS, InvalidDistribution, describe_distributions, validate_distribution
from simulations.engine.distributions import sample_arrivals
from simulations.engine.streams import ARRIVALS, stream

from .support import DAY, START

COUNT = 20_000
END = START + 56 * DAY  # eight whole weeks from a Monday


def arrivals(
    name: str,
    params: dict | None = None,
    *,
    count: int = COUNT,
    start: int = START,
    end: int = END,
    seed: int = 1,
) -> np.ndarray:
    return sample_arrivals(name, validate_distribution(name, params or {}), start, end, count, stream(seed, ARRIVALS))


def thirds(times: np.ndarray, start: int = START, end: int = END) -> np.ndarray:
    return np.bincount(((times - start) * 3) // (end - start), minlength=3)


def poisson_tolerance(expected: float) -> float:
    return 4 * math.sqrt(expected)


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
@pytest.mark.parametrize(
    ("start", "end"),
    [(START, END), (START + 17, START + 18), (START + 5, START + 65), (START - 400 * DAY, START + 3 * DAY + 1234)],
)
def test_every_method_gives_exactly_n_sorted_seconds_inside_the_window(name, start, end):
    params = {"weights": [1, 0, 2]} if name == "custom" else {}
    times = arrivals(name, params, count=997, start=start, end=end)
    assert times.dtype == np.int64 and times.size == 997
    assert (np.diff(times) >= 0).all()
    assert times.min() >= start and times.max() < end
    again = arrivals(name, params, count=997, start=start, end=end)
    assert (times == again).all()


def test_linear_spreads_arrivals_evenly():
    tenths = np.bincount(((arrivals("linear") - START) * 10) // (END - START), minlength=10)
    assert (np.abs(tenths - COUNT / 10) <= poisson_tolerance(COUNT / 10)).all()


def test_front_loaded_puts_most_arrivals_first():
    first, _, last = thirds(arrivals("front_loaded"))
    assert first > 3 * last


def test_back_loaded_puts_most_arrivals_last():
    first, _, last = thirds(arrivals("back_loaded"))
    assert last > 3 * first


def test_bell_curve_peaks_at_its_center():
    times = arrivals("bell_curve", {"center": 0.25, "width": 0.05})
    position = (times - START) / (END - START)
    assert abs(np.median(position) - 0.25) < 0.01
    assert ((position > 0.1) & (position < 0.4)).mean() > 0.99


def test_trickle_leaves_most_hours_empty():
    times = arrivals("trickle", {"activeShare": 0.2})
    hours_with_arrivals = np.unique((times - START) // 3600).size
    assert hours_with_arrivals < 0.3 * (END - START) / 3600


def test_random_bursts_concentrate_arrivals_in_a_few_short_spans():
    times = arrivals("random_bursts", {"bursts": 5, "burstWidth": 0.005, "baseline": 0.1})
    bins = np.bincount(((times - START) * 200) // (END - START), minlength=200)
    assert bins.max() > 10 * np.median(bins)
    assert np.sort(bins)[-30:].sum() > 0.7 * COUNT  # 15% of the window holds most arrivals


def test_daily_spike_peaks_at_its_hour():
    hours = np.bincount(((arrivals("daily_spike", {"hour": 15}) % DAY) // 3600), minlength=24)
    assert hours.argmax() == 15
    assert hours[15] > 4 * np.median(hours)


def test_weekend_surge_raises_the_weekend_share():
    weekday = ((arrivals("weekend_surge", {"factor": 3}) // DAY) + 3) % 7
    weekend = (weekday >= 5).mean()
    expected = 2 * 3 / (5 + 2 * 3)
    assert weekend > 2 / 7 + 0.1
    assert abs(weekend - expected) <= 4 * math.sqrt(expected * (1 - expected) / COUNT)


def test_business_hours_keep_most_arrivals_on_weekdays_nine_to_five():
    times = arrivals("business_hours")
    hour, weekday = (times % DAY) // 3600, ((times // DAY) + 3) % 7
    inside = ((weekday < 5) & (hour >= 9) & (hour < 17)).mean()
    expected = 40 / (40 + 0.05 * 128)  # office hours vs off hours at relative density 0.05
    assert inside > 0.8
    assert abs(inside - expected) <= 4 * math.sqrt(expected * (1 - expected) / COUNT)


def test_business_hours_without_any_office_hour_fall_back_to_linear():
    saturday = START + 5 * DAY
    times = arrivals("business_hours", {"offHoursWeight": 0}, count=100, start=saturday, end=saturday + DAY)
    assert times.size == 100 and times.min() >= saturday and times.max() < saturday + DAY


def test_custom_weights_leave_zero_bins_empty():
    times = arrivals("custom", {"weights": [1, 0, 0, 3]})
    edges = START + (np.arange(5) * (END - START)) // 4
    counts = np.diff(np.searchsorted(times, edges))
    assert counts[1] == counts[2] == 0
    assert abs(counts[3] / COUNT - 0.75) <= 4 * math.sqrt(0.75 * 0.25 / COUNT)


# --- validation ----------------------------------------------------------------------------------------------


def test_validation_fills_defaults():
    assert validate_distribution("bell_curve", {}) == {"center": 0.5, "width": 0.15}
    assert validate_distribution("daily_spike", {"hour": 7.0}) == {"hour": 7, "strength": 6.0, "spread": 1.0}
    assert validate_distribution("custom", {"weights": [0, 2]}) == {"weights": [0.0, 2.0]}


@pytest.mark.parametrize(
    ("name", "params", "key"),
    [
        ("sideways", {}, "distribution"),
        ("linear", {"rate": 2}, "distributionParams.rate"),
        ("front_loaded", {"rate": 0}, "distributionParams.rate"),
        ("front_loaded", {"rate": "fast"}, "distributionParams.rate"),
        ("front_loaded", {"rate": True}, "distributionParams.rate"),
        ("front_loaded", {"rate": float("nan")}, "distributionParams.rate"),
        ("daily_spike", {"hour": 24}, "distributionParams.hour"),
        ("daily_spike", {"hour": 1.5}, "distributionParams.hour"),
        ("business_hours", {"startHour": 18, "endHour": 9}, "distributionParams.endHour"),
        ("custom", {}, "distributionParams.weights"),
        ("custom", {"weights": []}, "distributionParams.weights"),
        ("custom", {"weights": [0, 0]}, "distributionParams.weights"),
        ("custom", {"weights": [1, -1]}, "distributionParams.weights"),
        ("custom", {"weights": [1] * 1001}, "distributionParams.weights"),
        ("custom", {"weights": "1,2"}, "distributionParams.weights"),
        ("linear", [1], "distributionParams"),
    ],
)
def test_validation_rejects_bad_input_by_field(name, params, key):
    with pytest.raises(InvalidDistribution) as caught:
        validate_distribution(name, params)
    assert caught.value.errors.get(key)


def test_validation_reports_every_problem_at_once():
    with pytest.raises(InvalidDistribution) as caught:
        validate_distribution("random_bursts", {"bursts": 0, "baseline": 2, "colour": "red"})
    assert set(caught.value.errors) == {
        "distributionParams.bursts",
        "distributionParams.baseline",
        "distributionParams.colour",
    }


def test_descriptions_are_json_ready_and_cover_every_method():
    described = json.loads(json.dumps(describe_distributions()))
    assert [d["name"] for d in described] == list(DISTRIBUTIONS)
    for method in described:
        assert method["label"] and method["description"]
        for param in method["params"]:
            assert {"name", "type", "default", "min", "max", "help"} <= set(param)
            if param["default"] is not None:
                assert validate_distribution(method["name"], {param["name"]: param["default"]})
