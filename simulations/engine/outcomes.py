"""Deal outcomes that correlate (issue 14 item 5): who buys, who sells, what and when decide amount, cycle,
win and discount.

Everything here is structure (count mode draws it too) and pure numpy. The scenario's ``dealOutcomes`` group
sets each relation's strength (docs/scenarios.md "Outcomes that correlate"):

* **Amount**: its normal score ``z = rho s + sqrt(1 - rho^2) z0`` (s: the account's size score, z0: the slot's
  amount normal), so ln(amount) keeps mean mu and s.d. sigma whatever rho.
* **Cycle**: a Gaussian copula. The cycle's normal score ``w`` loads on the size score, on the amount, on the
  rep's cycle skill and on the product's cycle tilt (its part linear in the amount taken out), the rest is
  fresh noise scaled so ``w`` has unit variance; the cycle is then the Gamma(CYCLE_SHAPE) quantile of Phi(w) x
  mean / shape, so its distribution is exactly the Gamma the ``avgSalesCycleDays`` calibration row expects
  (``score_to_gamma``), and its correlations with the size and amount scores are the configured ones.
* **Win**: ``p = base + min(base, 1 - base) x (-WIN_AMOUNT_SLOPE z - slowDealWinPenalty w + winRateSeasonality
  x SEASON[month of the nominal close] + rep skill + product tilt)``, clipped to [0, 1]. Every term has mean 0
  (rep and product terms are centred over the slot's leads; SEASON over the twelve months), so the team-wide
  win rate stays ``dealWinRateBase``; lost deals run longer because slow deals win less.
* **Quarter-end discount**: a deal closing in a quarter's last QUARTER_END_DAYS days takes one or two deeper
  discount steps with probability ``quarterEndDiscounting``; the quantity is refitted, so the amount holds.
* **Activity volume**: a rep's leads get the larger (busy rep) or smaller (quiet rep) of two activity counts
  with probability |tilt|, tilts centred over the slot, so counts stay in [lo, hi] and their mean holds.

Streams: ``(SLOT_OUTCOMES, k)`` draws cycle normals (n), then discount uniforms (n, 2);
``(SLOT_OUTCOMES, k, 1)`` uniforms (n, kinds + 1): the second activity counts and whether the rep's tilt
applies; ``(OWNER_SKILLS,)`` per owner: win, cycle and volume standard normals (team size, 3).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from scenarios.parameters import ScenarioParameters

from .catalog import DISCOUNTS, PRICE_BOOKS
from .streams import OWNER_SKILLS, SLOT_OUTCOMES, stream

DAY = 86_400
WIN_AMOUNT_SLOPE = 0.25
"""Win probability falls by this x min(base, 1 - base) per s.d. of the amount's normal score: the largest deals
win least (mean unchanged, E z = 0)."""
SEASON = np.array([-1.0, -0.5, 0.5, -0.25, 0.0, 0.5, -0.5, -0.75, 0.5, 0.0, 0.5, 1.0])
"""Win-rate shape by month of close, January first: December and quarter-end months strong (budgets spent,
quota pressure), January (new budgets not yet released) and August (holidays) weak. Mean 0 over the year
(an assumption in the spirit of the usual quarter-end and year-end close patterns)."""
QUARTER_END_DAYS = 21
"""A quarter's last three weeks: the window in which reps trade discount for a signature this quarter."""
PRODUCT_WIN_TILT = {
    "b2b": np.array([0.6, 0.4, -0.2, 0.0, -1.0, 0.6, 0.2, 0.4]),
    "b2c": np.array([0.6, 0.2, 0.8, 0.2, 0.0, -0.2, -0.4, -0.6, -1.0]),
}
"""Per price-book product (catalog.PRICE_BOOKS order), in units of ``productSpread`` x min(p, 1 - p):
seats and add-ons (onboarding, support, warranty, accessories) win more, platforms and whole-home packages
less. An assumption: cheaper, lower-risk purchases need fewer sign-offs."""
PRODUCT_CYCLE_TILT = {
    "b2b": np.array([-0.6, -0.3, 0.3, 0.3, 1.0, -0.5, -0.3, -0.4]),
    "b2c": np.array([-0.6, -0.2, -0.6, 0.0, 0.2, 0.3, 0.2, 0.6, 1.0]),
}
"""Per product, in units of ``productSpread`` standard deviations of the cycle score, on top of what the
product's amount brings (the part linear in the amount score is taken out): the same story, in days."""
VOLUME_TILT_SCALE = 2.0
"""A rep's activity-volume tilt is ownerSkillSpread x this x its volume skill (at most VOLUME_TILT_MAX either
way), so a spread of 0.2 makes one rep in six take the larger of two counts for 40% or more of its leads."""
VOLUME_TILT_MAX = 0.9
MIN_NOISE = 0.05
"""Least share of the cycle score's variance left to fresh noise when the loadings ask for more than 1."""


@dataclass(frozen=True)
class OutcomeDrivers:
    """What the outcome of a lead's deal depends on beyond its own draws (per lead, and per owner)."""

    size_score: np.ndarray
    """(n,) standard normal size score of the lead's account (``values.Firmographics.size_score``)."""
    owner: np.ndarray
    """(n,) owner key of the lead's account (the rep who works it)."""
    skills: np.ndarray
    """(owners, 3) win, cycle and activity-volume skill normals of every owner."""

    def slice(self, lo: int, hi: int) -> OutcomeDrivers:
        return OutcomeDrivers(self.size_score[lo:hi], self.owner[lo:hi], self.skills)


def outcome_drivers(
    seed: int, lead_company: np.ndarray, size_score: np.ndarray, account_owner: np.ndarray, owners: int
) -> OutcomeDrivers:
    """Per-lead drivers from the companies' size scores and owners; owner skills from ``(OWNER_SKILLS,)``."""
    skills = stream(seed, OWNER_SKILLS).standard_normal((owners, 3))
    return OutcomeDrivers(size_score[lead_company], account_owner[lead_company], skills)


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x), elementwise (the C library's erfc: numpy has none)."""
    return 0.5 * np.asarray(_ERFC(-np.asarray(x, dtype=float) / math.sqrt(2.0)), dtype=float)


def gamma_cdf(x: np.ndarray, shape: int) -> np.ndarray:
    """CDF of Gamma(shape, 1) for a whole ``shape``: 1 - exp(-x) sum_{i < shape} x^i / i!."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    term = np.ones_like(x)
    total = np.ones_like(x)
    for i in range(1, shape):
        term = term * x / i
        total = total + term
    return 1.0 - np.exp(-x) * total


SCORE_GRID = np.linspace(-8.0, 8.0, 16_385)
"""Normal scores at which ``score_quantiles`` tabulates Gamma quantiles (step 0.001: linear interpolation is
exact to about 1e-7 relative)."""


@functools.cache
def score_quantiles(shape: int) -> np.ndarray:
    """Gamma(shape, 1) quantile of Phi(w) at every SCORE_GRID point, by bisection on ``gamma_cdf`` (60 halvings
    of [0, 200]: exact to the last bits; computed once per process)."""
    u = normal_cdf(SCORE_GRID)
    low, high = np.zeros_like(u), np.full_like(u, 200.0)
    for _ in range(60):
        middle = (low + high) / 2.0
        below = gamma_cdf(middle, shape) < u
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    quantiles = (low + high) / 2.0
    quantiles.flags.writeable = False
    return quantiles


def score_to_gamma(score: np.ndarray, shape: int) -> np.ndarray:
    """The Gamma(shape, 1) variable with normal score ``score`` (the copula's transform)."""
    return np.interp(score, SCORE_GRID, score_quantiles(shape))


def gamma_to_score(x: np.ndarray, shape: int) -> np.ndarray:
    """Inverse of ``score_to_gamma``: the normal score of a Gamma(shape, 1) value (the reads use it)."""
    return np.interp(x, score_quantiles(shape), SCORE_GRID)


def _centred(values: np.ndarray) -> np.ndarray:
    return values - values.mean() if values.size else values


@dataclass(frozen=True)
class DealOutcome:
    z: np.ndarray
    """(n,) the amount's normal score: ln(target amount) = mu + sigma z."""
    cycle: np.ndarray
    """(n,) cycle in seconds (float)."""
    score: np.ndarray
    """(n,) the cycle's normal score w."""
    discount_u: np.ndarray
    """(n, 2) uniforms of the quarter-end discount step."""


def amount_score(p: ScenarioParameters, drivers: OutcomeDrivers, z0: np.ndarray) -> np.ndarray:
    """The amount's normal score: ``rho s + sqrt(1 - rho^2) z0`` (unit normal whatever rho)."""
    rho = p.dealOutcomes.sizeAmountCorrelation
    return rho * drivers.size_score + math.sqrt(1.0 - rho * rho) * z0


def _orthogonal(values: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``values`` centred and stripped of their linear part in ``z`` over the slot, so adding them to the cycle
    score leaves its covariances with the size and amount scores as configured."""
    values, z = _centred(values), _centred(z)
    spread = float(z @ z)
    return values - (float(values @ z) / spread) * z if spread > 0 else values


def deal_cycle(
    p: ScenarioParameters,
    style: str,
    drivers: OutcomeDrivers,
    z0: np.ndarray,
    product: np.ndarray,
    seed: int,
    k: int,
    shape: int,
) -> DealOutcome:
    """The cycle (see the module: Gaussian copula with an exact Gamma marginal) and the slot's other draws."""
    o = p.dealOutcomes
    n = z0.size
    rng = stream(seed, SLOT_OUTCOMES, k)
    noise = rng.standard_normal(n)
    discount_u = rng.random((n, 2))
    rho = o.sizeAmountCorrelation
    s = drivers.size_score
    z = amount_score(p, drivers, z0)
    beta = (o.amountCycleCorrelation - o.sizeCycleCorrelation * rho) / math.sqrt(1.0 - rho * rho)
    skill = o.ownerSkillSpread * _centred(drivers.skills[drivers.owner, 1])
    tilt = o.productSpread * _orthogonal(PRODUCT_CYCLE_TILT[style][product], z)
    loaded = o.sizeCycleCorrelation * s + beta * z0 + skill + tilt
    variance = float(loaded.var()) if n else 0.0
    rest = max(1.0 - variance, MIN_NOISE)
    score = (loaded + math.sqrt(rest) * noise) / math.sqrt(variance + rest)
    cycle = score_to_gamma(score, shape) * (p.avgSalesCycleDays * DAY / shape)
    return DealOutcome(z=z, cycle=cycle, score=score, discount_u=discount_u)


def season_of(times: np.ndarray) -> np.ndarray:
    """SEASON at the UTC month of each epoch-second time."""
    month = times.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
    return SEASON[month]


def win_probability(
    p: ScenarioParameters, style: str, drivers: OutcomeDrivers, outcome: DealOutcome, product: np.ndarray, close
) -> np.ndarray:
    """Each lead's chance that its deal is won (module docstring); ``close``: the nominal close times."""
    o = p.dealOutcomes
    base = p.dealWinRateBase
    shift = (
        -WIN_AMOUNT_SLOPE * outcome.z
        - o.slowDealWinPenalty * outcome.score
        + o.winRateSeasonality * season_of(close)
        + o.ownerSkillSpread * _centred(drivers.skills[drivers.owner, 0])
        + o.productSpread * _centred(PRODUCT_WIN_TILT[style][product])
    )
    return np.clip(base + min(base, 1.0 - base) * shift, 0.0, 1.0)


def quarter_end(times: np.ndarray) -> np.ndarray:
    """True for times in the last QUARTER_END_DAYS days of a calendar quarter (UTC)."""
    day = times // DAY
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    next_quarter = ((month // 3 + 1) * 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return next_quarter - day <= QUARTER_END_DAYS


def quarter_end_discount(
    p: ScenarioParameters, style: str, discount: np.ndarray, close: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Discount indices after the quarter-end push: one or two steps deeper (capped at the deepest level) with
    probability quarterEndDiscounting for closes in a quarter's last QUARTER_END_DAYS days."""
    deepest = len(DISCOUNTS[style]) - 1
    pushed = quarter_end(close) & (u[:, 0] < p.dealOutcomes.quarterEndDiscounting)
    return np.where(pushed, np.minimum(discount + 1 + (u[:, 1] < 0.5), deepest), discount)


def refit_quantity(
    style: str, target: np.ndarray, product: np.ndarray, discount: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(quantity, amount) of the chosen product at the final discount: the quantity closest to the target."""
    price = np.array([item.price for item in PRICE_BOOKS[style]], dtype=float)[product]
    most = np.array([item.most for item in PRICE_BOOKS[style]], dtype=float)[product]
    unit = price * (1.0 - np.asarray(DISCOUNTS[style])[discount])
    quantity = np.clip(np.rint(target / unit), 1.0, most)
    return quantity.astype(np.int64), quantity * unit


def owner_volume(
    p: ScenarioParameters, drivers: OutcomeDrivers, counts: np.ndarray, bounds: np.ndarray, seed: int, k: int
) -> np.ndarray:
    """Activity counts tilted by the rep's volume skill (module docstring); ``bounds`` (kinds, 2) [lo, hi]."""
    rng = stream(seed, SLOT_OUTCOMES, k, 1)
    u = rng.random((counts.shape[0], counts.shape[1] + 1))
    other = bounds[:, 0] + np.floor(u[:, :-1] * (bounds[:, 1] - bounds[:, 0] + 1)).astype(np.int64)
    pick_u = u[:, -1]
    raw = p.dealOutcomes.ownerSkillSpread * VOLUME_TILT_SCALE * drivers.skills[drivers.owner, 2]
    tilt = _centred(np.clip(raw, -VOLUME_TILT_MAX, VOLUME_TILT_MAX))
    tilted = pick_u < np.abs(tilt)
    busy = np.maximum(counts, other)
    quiet = np.minimum(counts, other)
    chosen = np.where((tilt > 0)[:, None], busy, quiet)
    return np.where(tilted[:, None], chosen, counts)
