"""Calibration rows of the ``dealOutcomes`` parameters, measured on the deals a simulation wrote.

Each relation is read back through the engine's own scales (``simulations.engine.outcomes``): a deal's amount
score ``z = (ln amount - mu) / sigma``, its cycle score ``w`` (the normal score of its created->closed days under
the Gamma cycle), its account's size score ``(ln employees - 3.5) / 1.5``, the season of its close month and its
product's win tilt (from the deal name). Two facts keep the estimates unbiased although the window's end hides
slow deals (only deals that closed show a cycle): the win model is linear in (z, w, season, tilt), so regressing
``won`` on them over closed deals is unbiased whatever the selection on w; and a regression *of* something *on*
w is unbiased under a selection on w alone. Tolerances: STANDARD_ERRORS robust (sandwich) standard errors.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from django.db import connection
from django.db.models import Count

from crm.models import Company, Contact
from scenarios.parameters import DEAL_OUTCOMES, ScenarioParameters
from simulations.engine import scenario_style
from simulations.engine.catalog import DISCOUNTS, PRICE_BOOKS
from simulations.engine.outcomes import (
    PRODUCT_WIN_TILT,
    WIN_AMOUNT_SLOPE,
    gamma_to_score,
    normal_cdf,
    quarter_end,
    season_of,
)
from simulations.engine.trajectories import CYCLE_SHAPE, DAY
from simulations.engine.values import DEAL_REASSIGNED, EMPLOYEES_LOG_MEAN, EMPLOYEES_LOG_SD
from simulations.reads.calibration_statistics import SE, STANDARD_ERRORS, CalibrationRow, rounded, verdict, within
from simulations.reads.sql import EpochSeconds

MIN_EMPLOYEES = 10
"""Head counts from here up are never the floor (a company has at least as many employees as CRM contacts,
at most contactToCompanyRatio.max), so their size score is exact."""
MIN_OWNER_DEALS = 30
MIN_CYCLE_SCORE = -1.0
"""Rows that regress on the cycle score use closed deals with a score from here up: moving a deal's creation and
close to working time shifts its cycle by up to a few days, which blurs the score of the shortest cycles most
(a day is a large step in score near zero days; B2C's 7-day cycles lose half their slope). Selecting on the
regressor keeps a regression unbiased."""
DEEP_DISCOUNT = 0.10
CHUNK_ROWS = 20_000
"""Deals (and companies) read per round into arrays."""


@dataclass(frozen=True)
class DealOutcomeSample:
    """Every deal of the simulation as the engine's scores (NaN where unknown)."""

    z: np.ndarray
    w: np.ndarray
    limit: np.ndarray
    """The cycle score a deal's cycle had to stay under to close by the window's end."""
    closed: np.ndarray
    won: np.ndarray
    season: np.ndarray
    tilt: np.ndarray
    owner: np.ndarray
    size: np.ndarray
    size_floor: np.ndarray
    """The size score of the company's contact count: the floor of its head count."""
    discount: np.ndarray
    """The discount level read back from the amount (exactly recoverable products only; NaN otherwise)."""
    quarter_end: np.ndarray


def _exact_products(style: str) -> dict[int, np.ndarray]:
    """Products whose amount tells the discount level apart for every quantity: product -> levels."""
    levels = np.unique(np.asarray(DISCOUNTS[style]))
    exact = {}
    for index, product in enumerate(PRICE_BOOKS[style]):
        cents = np.rint(np.outer(np.arange(1, product.most + 1), product.price * (1.0 - levels)) * 100)
        if np.unique(cents).size == cents.size:
            exact[index] = levels
    return exact


def _discount_levels(style: str, product: np.ndarray, cents: np.ndarray) -> np.ndarray:
    level = np.full(cents.size, np.nan)
    for index, levels in _exact_products(style).items():
        rows = np.flatnonzero(product == index)
        price = PRICE_BOOKS[style][index].price
        for value in levels:
            unit = price * (1.0 - value) * 100
            quantity = np.rint(cents[rows] / unit)
            hit = (quantity >= 1) & (np.abs(quantity * unit - cents[rows]) < 0.5)
            level[rows[hit]] = value
    return level


def _product_index(style: str, names: Sequence[str]) -> np.ndarray:
    """The price-book index of each deal's product, from its name ("<company> - <product>[ - Expansion]"; no
    product name holds " - "); -1 when the name ends in none."""
    book = {p.name: i for i, p in enumerate(PRICE_BOOKS[style])}
    return np.array(
        [book.get(name.removesuffix(" - Expansion").rpartition(" - ")[2], -1) for name in names], dtype=np.int64
    )


def deal_outcome_sample(simulation, parameters: ScenarioParameters, deals) -> DealOutcomeSample:
    style = scenario_style(parameters.id)
    company, owner, product, cents, created_s, closed_s, won = _deal_columns(style, deals)
    cents_a = cents.astype(float)
    amount = parameters.dealAmount
    z = (np.log(cents_a / 100.0) - amount.mu) / amount.sigma
    closed = ~np.isnan(closed_s)
    scale = parameters.avgSalesCycleDays * DAY / CYCLE_SHAPE
    w = np.where(closed, gamma_to_score(np.nan_to_num(closed_s - created_s) / scale, int(CYCLE_SHAPE)), np.nan)
    end = simulation.window_end.timestamp()
    limit = gamma_to_score((end - created_s) / scale, int(CYCLE_SHAPE))
    close_int = np.nan_to_num(closed_s).astype(np.int64)
    tilt = np.where(product >= 0, PRODUCT_WIN_TILT[style][np.maximum(product, 0)], np.nan)
    employees, contacts = _company_sizes(simulation, style, company)
    return DealOutcomeSample(
        z=z,
        w=w,
        limit=limit,
        closed=closed,
        won=won,
        season=np.where(closed, season_of(close_int), np.nan),
        tilt=tilt - np.nanmean(tilt) if np.isfinite(tilt).any() else tilt,
        owner=owner,
        size=(np.log(employees) - EMPLOYEES_LOG_MEAN) / EMPLOYEES_LOG_SD,
        size_floor=(np.log(contacts) - EMPLOYEES_LOG_MEAN) / EMPLOYEES_LOG_SD,
        discount=_discount_levels(style, product, cents_a),
        quarter_end=closed & quarter_end(close_int),
    )


def _deal_columns(style: str, deals) -> tuple[np.ndarray, ...]:
    """(company, owner, product index, amount cents, created, closed (NaN: open), won (NaN: open)) of every deal
    in key order, read in chunks into arrays: no Python object per deal outlives its chunk (110k deals at 1M
    leads were ~80 MB of tuples and lists, the report's peak)."""
    rows = deals.order_by("key").values_list(
        "company_key", "owner_key", "name", "amount_cents", EpochSeconds("created_at"), EpochSeconds("closed_at"),
        "is_won",
    ).iterator(chunk_size=CHUNK_ROWS)  # fmt: skip
    parts: list[list[np.ndarray]] = [[] for _ in range(7)]
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        company, owner, names, cents, created, closed_at, won = zip(*chunk, strict=True)
        for part, column in zip(parts, (
            np.asarray(company, dtype=np.int64),
            np.asarray(owner, dtype=np.int64),
            _product_index(style, names),
            np.asarray(cents, dtype=np.int64),
            np.asarray(created, dtype=float),
            np.array([np.nan if c is None else c for c in closed_at], dtype=float),
            np.array([np.nan if x is None else float(x) for x in won], dtype=float),
        ), strict=True):  # fmt: skip
            part.append(column)
    empty = (np.int64, np.int64, np.int64, np.int64, float, float, float)
    return tuple(np.concatenate(part) if part else np.empty(0, dtype) for part, dtype in zip(parts, empty, strict=True))


def _company_sizes(simulation, style: str, company: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The employees (where written, else NaN) and the contacts (NaN: none) of each deal's company; NaN for B2C.
    Looked up in arrays indexed by company key (keys are 0 .. companies - 1), read pair by pair off the cursor."""
    if style != "b2b" or company.size == 0:
        return np.full(company.size, np.nan), np.full(company.size, np.nan)
    top = int(company.max()) + 1
    # Every company's: a key range makes PostgreSQL walk the contacts' index on a table just written and never
    # analyzed (3.7 s instead of 1.6 s at 1M leads).
    employees = Company.objects.filter(simulation=simulation, employees__isnull=False, employees__gt=0)
    contacts = Contact.objects.filter(simulation=simulation).order_by().values("company_key").annotate(n=Count("pk"))
    by_key = []
    for pairs in (employees.order_by().values_list("key", "employees"), contacts.values_list("company_key", "n")):
        statement, params = pairs.query.sql_with_params()
        # Off Django's cursor a (key, value) pair at a time, not via .iterator(): its server-side cursor took
        # 0.54-0.59 s against 0.42-0.48 s at 300k leads.
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            flat = np.fromiter(itertools.chain.from_iterable(cursor), dtype=np.int64)
        keys, sizes = flat[0::2], flat[1::2]
        inside = (keys >= 0) & (keys < top)
        values = np.full(top, np.nan)
        values[keys[inside]] = sizes[inside]
        by_key.append(np.where(company >= 0, values[np.maximum(company, 0)], np.nan))
    return by_key[0], by_key[1]


def regression(y: np.ndarray, columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients of y on [1, *columns] and their robust (HC1 sandwich) standard errors."""
    x = np.column_stack([np.ones(y.size), *columns])
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    residual = y - x @ beta
    dof = max(y.size - x.shape[1], 1)
    meat = (x * residual[:, None] ** 2).T @ x * (y.size / dof)
    return beta, np.sqrt(np.maximum(np.diag(xtx_inv @ meat @ xtx_inv), 0.0))


def _row(parameter: str, configured: float, expected: float, realized: float, se: float, note: str) -> CalibrationRow:
    tolerance = STANDARD_ERRORS * se
    ok = bool(np.isfinite(realized)) and within(realized, expected, tolerance)
    return CalibrationRow(
        parameter, configured, rounded(expected), rounded(realized), rounded(tolerance), verdict(ok), f"{note}; {SE}"
    )


def _none(parameter: str, configured: float, why: str) -> CalibrationRow:
    """No data to measure: fine when the relation is switched off, a warning otherwise."""
    return CalibrationRow(parameter, configured, configured, None, None, verdict(configured == 0), why)


def win_rows(parameters: ScenarioParameters, d: DealOutcomeSample) -> list[CalibrationRow]:
    """slowDealWinPenalty, winRateSeasonality, productSpread: the linear win model regressed on closed deals."""
    o = parameters.dealOutcomes
    base = parameters.dealWinRateBase
    m = min(base, 1.0 - base)
    keep = d.closed & np.isfinite(d.tilt) & (d.w >= MIN_CYCLE_SCORE)
    names = ("slowDealWinPenalty", "winRateSeasonality", "productSpread")
    configured = (o.slowDealWinPenalty, o.winRateSeasonality, o.productSpread)
    if keep.sum() < 50 or m == 0:
        return [
            _none(f"dealOutcomes.{n}", c, "fewer than 50 closed deals") for n, c in zip(names, configured, strict=True)
        ]
    beta, se = regression(d.won[keep], [d.z[keep], d.w[keep], d.season[keep], d.tilt[keep]])
    n = int(keep.sum())
    note = (
        f"won regressed on amount score, cycle score, month season and product tilt over {n} closed deals with "
        f"cycle score >= {MIN_CYCLE_SCORE:g} "
        f"(coefficient / min(p, 1 - p) = {m:g}; amount slope {-beta[1] / m:.3f}, engine {WIN_AMOUNT_SLOPE:g})"
    )
    return [
        _row("dealOutcomes.slowDealWinPenalty", o.slowDealWinPenalty, o.slowDealWinPenalty, -beta[2] / m, se[2] / m,
             "fall of the win probability per s.d. of the cycle score: " + note),
        _row("dealOutcomes.winRateSeasonality", o.winRateSeasonality, o.winRateSeasonality, beta[3] / m, se[3] / m,
             "win-rate swing with the close month's SEASON: " + note),
        _row("dealOutcomes.productSpread", o.productSpread, o.productSpread, beta[4] / m, se[4] / m,
             "win-rate shift per unit of the product's tilt: " + note),
    ]  # fmt: skip


def expected_win_rate(parameters: ScenarioParameters, d: DealOutcomeSample) -> float | None:
    """The win rate the engine gives the deals that closed by the window's end, which keeps mostly fast deals
    (and fast deals win more). A deal closes when its cycle score w stays under its limit a; given w the win
    probability is linear, base + m (-(slowDealWinPenalty + WIN_AMOUNT_SLOPE x amountCycleCorrelation) w + ...),
    and E[w; w < a] = -phi(a), so the expected wins are sum base Phi(a) + m c phi(a) over every deal; the close
    month's season and the product tilt are read off the deals that closed."""
    o = parameters.dealOutcomes
    base = parameters.dealWinRateBase
    m = min(base, 1.0 - base)
    if not d.closed.any():
        return None
    slope = o.slowDealWinPenalty + WIN_AMOUNT_SLOPE * o.amountCycleCorrelation
    chance = normal_cdf(d.limit)
    density = np.exp(-0.5 * d.limit**2) / math.sqrt(2.0 * math.pi)
    fast = m * slope * float(density.sum()) / float(chance.sum())
    seen = o.winRateSeasonality * d.season[d.closed] + o.productSpread * np.nan_to_num(d.tilt[d.closed])
    return base + fast + m * float(seen.mean())


def size_rows(parameters: ScenarioParameters, d: DealOutcomeSample) -> list[CalibrationRow]:
    o = parameters.dealOutcomes
    exact = np.isfinite(d.size) & (d.size >= (math.log(MIN_EMPLOYEES) - EMPLOYEES_LOG_MEAN) / EMPLOYEES_LOG_SD)
    rows = []
    if exact.sum() < 50:
        rows.append(_none("dealOutcomes.sizeAmountCorrelation", o.sizeAmountCorrelation, "no head counts written"))
    else:
        beta, se = regression(d.z[exact], [d.size[exact]])
        note = (
            f"slope of the amount score on the size score over {int(exact.sum())} deals of companies with >= "
            f"{MIN_EMPLOYEES} employees (both scores unit normal: slope = r)"
        )
        rho = o.sizeAmountCorrelation
        rows.append(_row("dealOutcomes.sizeAmountCorrelation", rho, rho, beta[1], se[1], note))
    known = d.closed & np.isfinite(d.size) & (d.w >= MIN_CYCLE_SCORE) & np.isfinite(d.size_floor)
    if known.sum() < 50:
        rows.append(_none("dealOutcomes.sizeCycleCorrelation", o.sizeCycleCorrelation, "no head counts written"))
    else:
        # A head count is at least the company's contact count, so the score read back is max(s, floor):
        # cov(max(s, f), s) = 1 - Phi(f), which scales the expected slope.
        kept = float(np.mean([1.0 - NormalDist().cdf(f) for f in d.size_floor[known]]))
        beta, se = regression(d.size[known], [d.w[known]])
        note = (
            f"slope of the size score on the cycle score over {int(known.sum())} closed deals with cycle score >= "
            f"{MIN_CYCLE_SCORE:g}, expected correlation x {kept:.3f} (head counts floored at the contact count)"
        )
        c = o.sizeCycleCorrelation
        rows.append(_row("dealOutcomes.sizeCycleCorrelation", c, c * kept, beta[1], se[1], note))
    return rows


def amount_cycle_row(parameters: ScenarioParameters, d: DealOutcomeSample) -> CalibrationRow:
    c = parameters.dealOutcomes.amountCycleCorrelation
    keep = d.closed & (d.w >= MIN_CYCLE_SCORE)
    if keep.sum() < 50:
        return _none("dealOutcomes.amountCycleCorrelation", c, "fewer than 50 closed deals")
    beta, se = regression(d.z[keep], [d.w[keep]])
    return _row("dealOutcomes.amountCycleCorrelation", c, c, beta[1], se[1],
                f"slope of the amount score on the cycle score over {int(keep.sum())} closed deals with cycle "
                f"score >= {MIN_CYCLE_SCORE:g}")  # fmt: skip


def owner_row(parameters: ScenarioParameters, d: DealOutcomeSample) -> CalibrationRow:
    """Between-rep s.d. of win rates (method of moments: variance of rep rates minus their binomial part)."""
    spread = parameters.dealOutcomes.ownerSkillSpread
    base = parameters.dealWinRateBase
    m = min(base, 1.0 - base)
    _, inverse = np.unique(d.owner[d.closed], return_inverse=True)
    counts = np.bincount(inverse)
    wins = np.bincount(inverse, weights=d.won[d.closed])
    big = counts >= MIN_OWNER_DEALS
    if big.sum() < 3 or m == 0:
        return _none("dealOutcomes.ownerSkillSpread", spread, f"fewer than 3 reps with {MIN_OWNER_DEALS} closed deals")
    rate = wins[big] / counts[big]
    pooled = float(wins[big].sum() / counts[big].sum())
    between = max(float(rate.var(ddof=1)) - float(np.mean(pooled * (1 - pooled) / counts[big])), 0.0)
    realized = math.sqrt(between) / m
    reps = int(big.sum())
    kept = 1.0 - DEAL_REASSIGNED * reps / max(reps - 1, 1)
    expected = spread * kept
    se = math.sqrt((expected**2 + float(np.mean(pooled * (1 - pooled) / counts[big])) / m**2) / (2.0 * (reps - 1)))
    return _row("dealOutcomes.ownerSkillSpread", spread, expected, realized, se,
                f"between-rep s.d. of win rates / min(p, 1 - p) over {reps} reps with >= {MIN_OWNER_DEALS} closed "
                f"deals; expected x {kept:.3f}: {DEAL_REASSIGNED:.0%} of deals are owned by another rep than the "
                "account's")  # fmt: skip


def discount_row(parameters: ScenarioParameters, d: DealOutcomeSample) -> CalibrationRow:
    """Share of deep discounts (>= DEEP_DISCOUNT) at quarter end vs what the other closes give after the push."""
    q = parameters.dealOutcomes.quarterEndDiscounting
    style = scenario_style(parameters.id)
    known = d.closed & np.isfinite(d.discount)
    other, push = known & ~d.quarter_end, known & d.quarter_end
    if other.sum() < 30 or push.sum() < 30:
        return _none("dealOutcomes.quarterEndDiscounting", q, "fewer than 30 closes with a readable discount")
    levels = np.asarray(DISCOUNTS[style])
    deepest = levels.size - 1
    # P(index i) from the other closes, a level's share split evenly over the indices that share it.
    share = np.array([np.mean(d.discount[other] == v) / np.sum(levels == v) for v in levels])
    after = np.zeros(levels.size)
    for i, p in enumerate(share):
        after[i] += (1 - q) * p
        after[min(i + 1, deepest)] += q * p / 2
        after[min(i + 2, deepest)] += q * p / 2
    expected = float(after[levels >= DEEP_DISCOUNT].sum())
    realized = float(np.mean(d.discount[push] >= DEEP_DISCOUNT))
    base = float(share[levels >= DEEP_DISCOUNT].sum())
    se = math.sqrt(expected * (1 - expected) / push.sum() + (1 + q) ** 2 * base * (1 - base) / other.sum())
    return _row("dealOutcomes.quarterEndDiscounting", q, expected, realized, se,
                f"share of discounts >= {DEEP_DISCOUNT:.0%} among {int(push.sum())} closes in a quarter's last 3 "
                f"weeks vs {base:.3f} over {int(other.sum())} other closes pushed one or two steps with probability "
                f"{q:g} (products whose amount shows the discount)")  # fmt: skip


def outcome_rows(ctx) -> list[CalibrationRow]:  # ctx: calibration_checks.CalibrationContext
    if not ctx.deals.exists():
        return [_none(f"dealOutcomes.{name}", value, "no deal to measure")
                for name, value in ctx.parameters.dealOutcomes.to_json().items()]  # fmt: skip
    d = ctx.deal_outcomes
    rows = [
        *size_rows(ctx.parameters, d),
        amount_cycle_row(ctx.parameters, d),
        *win_rows(ctx.parameters, d),
        discount_row(ctx.parameters, d),
        owner_row(ctx.parameters, d),
    ]
    order = [f"dealOutcomes.{name}" for name in DEAL_OUTCOMES]
    return sorted(rows, key=lambda row: order.index(row.parameter))
