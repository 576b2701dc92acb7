"""The calibration report's statistics: pure functions of numbers (no ORM), and the shape of one report row.

Tolerances are ``STANDARD_ERRORS`` standard errors of the realized estimate; notes say so with ``SE``
(``"4 s.e."``), derived from the constant so the text cannot drift from the rule.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

Verdict = Literal["OK", "WARN"]

STANDARD_ERRORS = 4.0
"""Tolerance of every statistical check, in standard errors of the realized estimate."""

SE = f"{STANDARD_ERRORS:g} s.e."
"""How notes name the tolerance."""


@dataclass(frozen=True)
class CalibrationRow:
    """One parameter against the data.

    ``expected`` is what the realized value should be under the configured parameters; it equals
    ``configured`` unless the note says why not (truncation, clipping, a derived quantity).
    """

    parameter: str
    configured: Any
    expected: float | None
    realized: float | None
    tolerance: float | None
    verdict: Verdict
    note: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def verdict(ok: bool) -> Verdict:
    return "OK" if ok else "WARN"


def rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def within(realized: float, expected: float, tolerance: float) -> bool:
    # A tolerance of exactly zero (e.g. a [2, 2] touchpoint range) must not fail on float noise.
    return abs(realized - expected) <= tolerance + 1e-9 * max(1.0, abs(expected))


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _normal_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def clipped_normal_moments(mu: float, sigma: float, low: float, high: float) -> tuple[float, float, float, float]:
    """Mean, sd, P(at low), P(at high) of clip(Normal(mu, sigma), low, high) (the engine clips ln-amounts)."""
    alpha, beta = (low - mu) / sigma, (high - mu) / sigma
    p_low, p_high = _normal_cdf(alpha), 1.0 - _normal_cdf(beta)
    middle = _normal_cdf(beta) - _normal_cdf(alpha)
    first = alpha * p_low + beta * p_high + _normal_pdf(alpha) - _normal_pdf(beta)
    second = (
        alpha * alpha * p_low + beta * beta * p_high + middle + alpha * _normal_pdf(alpha) - beta * _normal_pdf(beta)
    )
    return mu + sigma * first, sigma * math.sqrt(max(second - first * first, 0.0)), p_low, p_high


def erlang_cdf(shape: int, y: np.ndarray) -> np.ndarray:
    """P(Gamma(shape, 1) < y) for a whole-number shape, accurate for small y too (series, no cancellation)."""
    y = np.asarray(y, dtype=float)
    upper = np.zeros_like(y)
    term = np.exp(-y)
    for j in range(shape):
        upper += term
        term = term * y / (j + 1)
    result = 1.0 - upper
    small = upper > 0.5  # 1 - upper would lose digits: sum the lower series e^-y sum_{j>=shape} y^j / j!
    if small.any():
        ys = y[small]
        term = np.exp(-ys) * ys**shape / math.factorial(shape)
        series = term.copy()
        for n in range(1, 200):
            term = term * ys / (shape + n)
            series += term
        result[small] = series
    return result


def truncated_gamma_mean(mean: float, shape: int, limits: np.ndarray) -> tuple[float, float]:
    """Expected mean of n Gamma(shape, mean / shape) draws each known to be below its limit, and the s.e.

    Returns (sum of E[X | X < L_i] / n, sqrt(sum of Var[X | X < L_i]) / n).
    """
    theta = mean / shape
    y = limits / theta
    below = np.maximum(erlang_cdf(shape, y), 1e-300)
    first = shape * theta * erlang_cdf(shape + 1, y) / below
    second = shape * (shape + 1) * theta * theta * erlang_cdf(shape + 2, y) / below
    variance = np.maximum(second - first * first, 0.0)
    n = limits.size
    return float(first.sum() / n), float(math.sqrt(variance.sum()) / n)
