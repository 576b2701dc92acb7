"""Arrival distributions: how N' lead arrivals spread over the window [start, end).

Every method is a density over time, evaluated on a grid of integer-second bins (the window cut into 1024
equal parts, plus every UTC hour boundary inside it, plus the method's own breakpoints). Sampling picks a
bin by inverse CDF, then a whole second uniformly inside it, so arrivals are exactly N' sorted int64
seconds in [start, end). A method whose density is zero everywhere in the window (e.g. ``business_hours``
with ``offHoursWeight`` 0 over a weekend-only window) falls back to ``linear``.

The draws are on a UTC clock; the plan then moves each one into its lead's local time (``arrivals``):
business_hours and weekend_surge are read as the lead's wall clock, and the methods flagged ``shaped`` (the
ones that describe a macro shape over the window: linear, front_loaded, back_loaded, bell_curve,
random_bursts) get the scenario's shaping (B2B office hours, B2C evenings). trickle, daily_spike and
``custom`` are the user's explicit UTC moments and are left as drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from crmsim.numbers import finite_number

from .blocks import uniform_blocks

DAY = 86_400
HOUR = 3_600
GRID_BINS = 1024
MAX_CUSTOM_WEIGHTS = 1000


class InvalidDistribution(ValueError):
    """Raised with every problem at once: ``errors`` maps "distribution" or "distributionParams.<name>"
    to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors: dict[str, list[str]] = {key: list(msgs) for key, msgs in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(self.errors.items())))


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a distribution method. ``default`` None means required."""

    name: str
    type: Literal["float", "int", "float_list"]
    default: Any
    min: float
    max: float
    help: str

    def describe(self) -> dict[str, Any]:
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        return {
            "name": self.name,
            "type": self.type,
            "default": default,
            "min": self.min,
            "max": self.max,
            "help": self.help,
            "required": self.default is None,
        }


@dataclass(frozen=True)
class Grid:
    """Bins ``[edges[i], edges[i+1])`` of integer seconds covering the window."""

    start: int
    end: int
    edges: np.ndarray

    @property
    def widths(self) -> np.ndarray:
        return np.diff(self.edges)

    @property
    def mids(self) -> np.ndarray:
        return (self.edges[:-1] + self.edges[1:]) / 2.0

    @property
    def position(self) -> np.ndarray:
        """Bin midpoints as a fraction of the window, in [0, 1)."""
        return (self.mids - self.start) / float(self.end - self.start)

    @property
    def hour_of_day(self) -> np.ndarray:
        """Bin midpoints' UTC time of day in hours, in [0, 24)."""
        return (self.mids % DAY) / HOUR

    @property
    def weekday(self) -> np.ndarray:
        """Bin midpoints' UTC weekday, Monday 0 .. Sunday 6 (1970-01-01 was a Thursday)."""
        return ((self.mids // DAY).astype(np.int64) + 3) % 7


Density = Callable[[Grid, Mapping[str, Any], np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class DistributionMethod:
    name: str
    label: str
    description: str
    params: tuple[ParamSpec, ...]
    density: Density
    shaped: bool
    breakpoints: Callable[[int, int, Mapping[str, Any]], np.ndarray] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "shaped": self.shaped,
            "params": [p.describe() for p in self.params],
        }


# --- densities ---------------------------------------------------------------------------------------------


def _linear(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    return np.ones(len(grid.widths))


def _front_loaded(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    return np.exp(-float(params["rate"]) * grid.position)


def _back_loaded(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    return np.exp(-float(params["rate"]) * (1.0 - grid.position))


def _bell_curve(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    z = (grid.position - float(params["center"])) / float(params["width"])
    return np.exp(-0.5 * z * z)


def _trickle(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    hour = (grid.mids // HOUR).astype(np.int64) - grid.start // HOUR
    draws = rng.random(int(hour.max()) + 1)
    # The earliest-drawn minimum is always active, so a short window still gets arrivals.
    active = (draws < float(params["activeShare"])) | (np.arange(draws.size) == np.argmin(draws))
    return active[hour].astype(np.float64)


def _random_bursts(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    bursts = int(params["bursts"])
    width = float(params["burstWidth"])
    baseline = float(params["baseline"])
    centres = rng.random(bursts)
    sizes = rng.uniform(0.5, 1.5, bursts)
    sizes /= sizes.sum()
    z = (grid.position[:, None] - centres[None, :]) / width
    peaks = (np.exp(-0.5 * z * z) / (width * math.sqrt(2 * math.pi))) @ sizes
    return baseline + (1.0 - baseline) * peaks


def _daily_spike(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    centre = int(params["hour"]) + 0.5
    distance = np.abs(grid.hour_of_day - centre)
    distance = np.minimum(distance, 24.0 - distance)
    z = distance / float(params["spread"])
    return 1.0 + (float(params["strength"]) - 1.0) * np.exp(-0.5 * z * z)


def _weekend_surge(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    return np.where(grid.weekday >= 5, float(params["factor"]), 1.0)


def _business_hours(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    hour = grid.hour_of_day
    inside = (grid.weekday < 5) & (hour >= int(params["startHour"])) & (hour < int(params["endHour"]))
    return np.where(inside, 1.0, float(params["offHoursWeight"]))


def _custom_edges(start: int, end: int, params: Mapping[str, Any]) -> np.ndarray:
    count = len(params["weights"])
    return start + (np.arange(count + 1, dtype=np.int64) * (end - start)) // count


def _custom(grid: Grid, params: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    weights = np.asarray(params["weights"], dtype=np.float64)
    edges = _custom_edges(grid.start, grid.end, params)
    index = np.searchsorted(edges, grid.edges[:-1], side="right") - 1
    return weights[np.clip(index, 0, weights.size - 1)]


_RATE = ParamSpec(
    "rate",
    "float",
    3.0,
    0.1,
    50.0,
    "Exponential steepness: density ratio e^rate between the busy and the quiet end of the window.",
)

DISTRIBUTIONS: dict[str, DistributionMethod] = {
    m.name: m
    for m in (
        DistributionMethod("linear", "Linear", "Arrivals spread evenly over the window.", (), _linear, True),
        DistributionMethod(
            "front_loaded",
            "Front-loaded",
            "Most arrivals early in the window, decaying exponentially.",
            (_RATE,),
            _front_loaded,
            True,
        ),
        DistributionMethod(
            "back_loaded",
            "Back-loaded",
            "Arrivals grow exponentially towards the end of the window.",
            (_RATE,),
            _back_loaded,
            True,
        ),
        DistributionMethod(
            "bell_curve",
            "Bell curve",
            "A normal-shaped peak inside the window.",
            (
                ParamSpec("center", "float", 0.5, 0.0, 1.0, "Peak position as a fraction of the window."),
                ParamSpec("width", "float", 0.15, 0.02, 1.0, "Standard deviation as a fraction of the window."),
            ),
            _bell_curve,
            True,
        ),
        DistributionMethod(
            "trickle",
            "Trickle",
            "A thin, irregular stream: only a random share of the hours see arrivals.",
            (ParamSpec("activeShare", "float", 0.2, 0.01, 1.0, "Share of the window's hours with arrivals."),),
            _trickle,
            False,
        ),
        DistributionMethod(
            "random_bursts",
            "Random bursts",
            "A baseline stream plus short bursts at random moments.",
            (
                ParamSpec("bursts", "int", 8, 1, 100, "Number of bursts."),
                ParamSpec(
                    "burstWidth", "float", 0.005, 0.0005, 0.2, "Burst standard deviation as a fraction of the window."
                ),
                ParamSpec("baseline", "float", 0.2, 0.0, 0.95, "Share of arrivals outside the bursts."),
            ),
            _random_bursts,
            True,
        ),
        DistributionMethod(
            "daily_spike",
            "Daily spike",
            "Every day peaks around one UTC hour.",
            (
                ParamSpec("hour", "int", 12, 0, 23, "UTC hour of the daily peak."),
                ParamSpec("strength", "float", 6.0, 1.0, 50.0, "Peak density relative to the rest of the day."),
                ParamSpec("spread", "float", 1.0, 0.25, 6.0, "Peak standard deviation in hours."),
            ),
            _daily_spike,
            False,
        ),
        DistributionMethod(
            "weekend_surge",
            "Weekend surge",
            "Saturdays and Sundays (the lead's local weekend) get more arrivals.",
            (ParamSpec("factor", "float", 3.0, 1.0, 20.0, "Weekend density relative to weekdays."),),
            _weekend_surge,
            False,
        ),
        DistributionMethod(
            "business_hours",
            "Business hours",
            "Arrivals concentrate on weekdays inside office hours (the lead's local time).",
            (
                ParamSpec("startHour", "int", 9, 0, 23, "First office hour (the lead's local time)."),
                ParamSpec("endHour", "int", 17, 1, 24, "Office hours end (the lead's local time, exclusive)."),
                ParamSpec(
                    "offHoursWeight", "float", 0.05, 0.0, 1.0, "Density outside office hours relative to inside."
                ),
            ),
            _business_hours,
            False,
        ),
        DistributionMethod(
            "custom",
            "Custom",
            "Your own weights over equal slices of the window.",
            (
                ParamSpec(
                    "weights",
                    "float_list",
                    None,
                    0.0,
                    1e6,
                    f"Non-negative weights over 1..{MAX_CUSTOM_WEIGHTS} equal bins; at least one > 0.",
                ),
            ),
            _custom,
            False,
            _custom_edges,
        ),
    )
}


def describe_distributions() -> list[dict[str, Any]]:
    """JSON-ready description of every method (name, label, description, params with defaults/bounds)."""
    return [method.describe() for method in DISTRIBUTIONS.values()]


# --- validation --------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return finite_number(value) is not None


def _check(spec: ParamSpec, value: Any) -> tuple[Any, list[str]]:
    if spec.type == "float_list":
        if not isinstance(value, (list, tuple)) or not all(_is_number(v) for v in value):
            return None, ["Must be a list of numbers."]
        if not 1 <= len(value) <= MAX_CUSTOM_WEIGHTS:
            return None, [f"Must have between 1 and {MAX_CUSTOM_WEIGHTS} values."]
        if any(not spec.min <= v <= spec.max for v in value):
            return None, [f"Every value must lie in [{spec.min:g}, {spec.max:g}]."]
        if not any(v > 0 for v in value):
            return None, ["At least one value must be greater than 0."]
        return [float(v) for v in value], []
    if not _is_number(value):
        return None, ["Must be a number."]
    if spec.type == "int":
        if float(value) != int(value):
            return None, ["Must be a whole number."]
        value = int(value)
    else:
        value = float(value)
    if not spec.min <= value <= spec.max:
        return None, [f"{value:g} is outside the allowed range [{spec.min:g}, {spec.max:g}]."]
    return value, []


def validate_distribution(name: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check ``params`` for method ``name``, fill defaults, return the clean dict.

    Raises InvalidDistribution listing every problem, keyed "distribution" or "distributionParams.<name>".
    """
    method = DISTRIBUTIONS.get(name) if isinstance(name, str) else None
    if method is None:
        raise InvalidDistribution(
            {"distribution": [f"Unknown distribution {name!r}. Known: {', '.join(DISTRIBUTIONS)}."]}
        )
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        raise InvalidDistribution({"distributionParams": ["Must be an object."]})
    errors: dict[str, list[str]] = {}
    known = {spec.name for spec in method.params}
    for key in params:
        if key not in known:
            errors[f"distributionParams.{key}"] = ["Unknown parameter."]
    clean: dict[str, Any] = {}
    for spec in method.params:
        if spec.name not in params:
            if spec.default is None:
                errors[f"distributionParams.{spec.name}"] = ["Required."]
            else:
                clean[spec.name] = list(spec.default) if isinstance(spec.default, tuple) else spec.default
            continue
        value, problems = _check(spec, params[spec.name])
        if problems:
            errors[f"distributionParams.{spec.name}"] = problems
        else:
            clean[spec.name] = value
    if name == "business_hours" and not errors and clean["startHour"] >= clean["endHour"]:
        errors["distributionParams.endHour"] = ["Must be after startHour."]
    if errors:
        raise InvalidDistribution(errors)
    return clean


# --- sampling ----------------------------------------------------------------------------------------------


def build_grid(method: DistributionMethod, start: int, end: int, params: Mapping[str, Any]) -> Grid:
    span = end - start
    parts = [start + (np.arange(GRID_BINS + 1, dtype=np.int64) * span) // GRID_BINS]
    first_hour = -(-start // HOUR) * HOUR
    parts.append(np.arange(first_hour, end, HOUR, dtype=np.int64))
    if method.breakpoints is not None:
        parts.append(method.breakpoints(start, end, params))
    edges = np.unique(np.concatenate([*parts, np.array([start, end], dtype=np.int64)]))
    return Grid(start, end, edges[(edges >= start) & (edges <= end)])


def bin_weights(
    name: str, params: Mapping[str, Any], start: int, end: int, rng: np.random.Generator
) -> tuple[Grid, np.ndarray]:
    """The grid and each bin's probability mass (density x width, normalised), before shaping."""
    method = DISTRIBUTIONS[name]
    grid = build_grid(method, start, end, params)
    mass = np.maximum(method.density(grid, params, rng), 0.0) * grid.widths
    total = mass.sum()
    if not total > 0:
        mass = grid.widths.astype(np.float64)
        total = mass.sum()
    return grid, mass / total


def sample_arrivals(
    name: str,
    params: Mapping[str, Any],
    start: int,
    end: int,
    count: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Exactly ``count`` sorted int64 seconds in [start, end) on the UTC clock (before ``arrivals`` moves them
    to local time). Draw order from ``rng``: the method's own draws, bin picks, offsets."""
    grid, mass = bin_weights(name, params, start, end, rng)
    cdf = np.cumsum(mass)
    # Uniforms in row blocks (blocks.py: the same numbers), so only the picks and the times are whole arrays.
    picks = uniform_blocks(rng, count, lambda lo, hi, u: np.minimum(pick_bins(cdf, u), mass.size - 1).astype(np.int32))
    edges, widths = grid.edges[:-1], grid.widths

    def offsets(lo: int, hi: int, u: np.ndarray) -> np.ndarray:
        bins = picks[lo:hi]
        return edges[bins] + np.floor(u * widths[bins]).astype(np.int64)

    times = uniform_blocks(rng, count, offsets)
    times.sort()  # equal integers are indistinguishable: any sort gives the same array (stable was 10x slower)
    return times


PICK_TABLE_SIZE = 1 << 16


def pick_bins(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cdf, u * cdf[-1], side="right")``, the same array, about 3x faster for millions of
    uniforms ``u`` in [0, 1) over thousands of bins.

    A table guesses each pick from ``u``'s bucket among PICK_TABLE_SIZE equal ones; a guess p is kept only
    when ``cdf[p - 1] <= x < cdf[p]`` (x = u x cdf[-1]), which for a non-decreasing ``cdf`` holds for exactly
    one p, the searchsorted answer; the rest (buckets holding a bin edge) are searched.
    """
    x = u * cdf[-1]
    buckets = np.arange(PICK_TABLE_SIZE, dtype=np.float64) / PICK_TABLE_SIZE * cdf[-1]
    table = np.searchsorted(cdf, buckets, side="right")
    picks = table[np.minimum((u * PICK_TABLE_SIZE).astype(np.int64), PICK_TABLE_SIZE - 1)]
    padded = np.concatenate(([-np.inf], cdf, [np.inf]))
    wrong = np.flatnonzero((padded[picks] > x) | (x >= padded[picks + 1]))
    picks[wrong] = np.searchsorted(cdf, x[wrong], side="right")
    return picks
