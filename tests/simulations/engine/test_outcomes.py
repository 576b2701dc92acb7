"""Outcomes that correlate (issue 14 item 5): each relation of ``simulations.engine.outcomes``, measured on
every would-be deal of a plan (the window does not hide slow deals here), with fixed seeds and tolerances of
four standard errors at the sample size."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pytest

from scenarios.parameters import DealOutcomes
from simulations.engine import build_plan
from simulations.engine.catalog import DISCOUNTS
from simulations.engine.outcomes import (
    PRODUCT_WIN_TILT,
    SEASON,
    gamma_to_score,
    quarter_end,
    score_to_gamma,
    season_of,
)
from simulations.engine.trajectories import CYCLE_SHAPE, lead_timelines

from .support import DAY, make_inputs, parameters, wide_amounts

SE = 4.0


@dataclass(frozen=True)
class Deals:
    """Every lead's would-be deal (whether or not the lead reaches it), uncensored by the window."""

    won: np.ndarray
    z: np.ndarray
    w: np.ndarray
    cycle_days: np.ndarray
    close: np.ndarray
    size: np.ndarray
    owner: np.ndarray
    product: np.ndarray
    discount: np.ndarray
    skills: np.ndarray


def _deals(scenario: str = "b2b", records: int = 40_000, days: float = 365, **outcomes: float) -> Deals:
    p = wide_amounts(parameters(scenario))
    if outcomes:
        p = dataclasses.replace(p, dealOutcomes=dataclasses.replace(p.dealOutcomes, **outcomes))
    inputs = make_inputs(p, records=records, days=days, seed=11)
    plan = build_plan(inputs)
    parts = []
    for k in range(plan.slot_count):
        lo, hi = plan.slot_leads(k)
        t = lead_timelines(
            inputs, plan.scenario_style, plan.arrivals[lo:hi], plan.lead_zone[lo:hi], k,
            plan.outcome_drivers.slice(lo, hi),
        )  # fmt: skip
        parts.append((t.won, t.amount_cents, t.close_time, t.deal_times[:, 0], t.product, t.discount))
    won, cents, close, created, product, discount = (np.concatenate(c) for c in zip(*parts, strict=True))
    cycle = (close - created) / DAY
    amount = p.dealAmount
    return Deals(
        won=won.astype(float),
        z=(np.log(cents / 100.0) - amount.mu) / amount.sigma,
        w=gamma_to_score(cycle / (p.avgSalesCycleDays / CYCLE_SHAPE), int(CYCLE_SHAPE)),
        cycle_days=cycle,
        close=close,
        size=plan.outcome_drivers.size_score,
        owner=plan.outcome_drivers.owner,
        product=product,
        discount=discount,
        skills=plan.outcome_drivers.skills,
    )


@pytest.fixture(scope="module")
def b2b() -> Deals:
    return _deals()


def _slope(y: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients of y on [1, *columns] and their robust standard errors."""
    x = np.column_stack([np.ones(y.size), *columns])
    inverse = np.linalg.inv(x.T @ x)
    beta = inverse @ x.T @ y
    residual = y - x @ beta
    cov = inverse @ ((x * residual[:, None] ** 2).T @ x) @ inverse
    return beta, np.sqrt(np.diag(cov))


def test_the_copula_keeps_the_cycle_an_exact_gamma() -> None:
    w = np.random.default_rng(3).standard_normal(200_000)
    g = score_to_gamma(w, 4)
    assert abs(g.mean() - 4.0) < SE * 2.0 / math.sqrt(w.size)  # Gamma(4, 1): mean 4, s.d. 2
    assert abs(g.var() - 4.0) < SE * math.sqrt((2 * 4 * 3 * 4 + 2 * 16) / w.size) * 2
    assert np.allclose(gamma_to_score(g, 4), w, atol=1e-4)


def test_the_team_wide_win_rate_stays_the_base_rate(b2b: Deals) -> None:
    p = parameters("b2b").dealWinRateBase
    assert abs(b2b.won.mean() - p) < SE * math.sqrt(p * (1 - p) / b2b.won.size)


def test_larger_accounts_buy_larger_deals_with_longer_cycles(b2b: Deals) -> None:
    o = parameters("b2b").dealOutcomes
    n = b2b.z.size
    assert abs(b2b.z.mean()) < SE / math.sqrt(n) and abs(b2b.z.std() - 1) < SE / math.sqrt(2 * n)
    assert abs(np.corrcoef(b2b.z, b2b.size)[0, 1] - o.sizeAmountCorrelation) < SE / math.sqrt(n)
    assert abs(np.corrcoef(b2b.w, b2b.size)[0, 1] - o.sizeCycleCorrelation) < SE / math.sqrt(n) + 0.01
    assert abs(np.corrcoef(b2b.w, b2b.z)[0, 1] - o.amountCycleCorrelation) < SE / math.sqrt(n) + 0.01
    # In days: the largest tenth of accounts waits markedly longer than the smallest tenth.
    small, large = b2b.size < np.quantile(b2b.size, 0.1), b2b.size > np.quantile(b2b.size, 0.9)
    assert np.median(b2b.cycle_days[large]) > 1.2 * np.median(b2b.cycle_days[small])


def test_the_mean_cycle_is_still_the_average_sales_cycle(b2b: Deals) -> None:
    mean = parameters("b2b").avgSalesCycleDays
    # Human time and the month-end rush move closes by days at most (the calibration row has the same slack).
    assert abs(b2b.cycle_days.mean() - mean) < SE * (mean / 2) / math.sqrt(b2b.cycle_days.size) + 1.0


def test_lost_deals_run_longer_than_won_ones(b2b: Deals) -> None:
    o = parameters("b2b").dealOutcomes
    m = min(parameters("b2b").dealWinRateBase, 1 - parameters("b2b").dealWinRateBase)
    tilt = PRODUCT_WIN_TILT["b2b"][b2b.product]
    beta, se = _slope(b2b.won, b2b.z, b2b.w, season_of(b2b.close), tilt)
    assert abs(-beta[2] / m - o.slowDealWinPenalty) < SE * se[2] / m + 0.03
    won, lost = b2b.won == 1, b2b.won == 0
    assert np.median(b2b.cycle_days[lost]) > 1.15 * np.median(b2b.cycle_days[won])


def test_without_the_relations_outcomes_are_independent() -> None:
    off = _deals(records=20_000, **{name: 0.0 for name in DealOutcomes().to_json()})
    n = off.z.size
    assert abs(np.corrcoef(off.z, off.size)[0, 1]) < SE / math.sqrt(n)
    assert abs(np.corrcoef(off.w, off.size)[0, 1]) < SE / math.sqrt(n)
    beta, se = _slope(off.won, off.z, off.w)
    assert abs(beta[2]) < SE * se[2]


def test_the_win_rate_follows_the_season_and_averages_the_base_over_a_year() -> None:
    deals = _deals(records=60_000, days=730, winRateSeasonality=0.3)
    p = parameters("b2b")
    m = min(p.dealWinRateBase, 1 - p.dealWinRateBase)
    month = deals.close.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
    rates = np.array([deals.won[month == i].mean() for i in range(12)])
    counts = np.bincount(month, minlength=12)
    # The mean over the twelve months is the base rate (SEASON has mean 0) ...
    se_mean = math.sqrt(np.sum(p.dealWinRateBase * (1 - p.dealWinRateBase) / counts)) / 12
    assert abs(rates.mean() - p.dealWinRateBase) < SE * se_mean + 0.005
    # ... and the months move with SEASON: December beats January by about 2 x 0.3 x m.
    beta, se = _slope(deals.won, deals.z, deals.w, SEASON[month], PRODUCT_WIN_TILT["b2b"][deals.product])
    assert abs(beta[3] / m - 0.3) < SE * se[3] / m
    assert rates[11] - rates[0] > 0.3 * m


def test_reps_differ_in_win_rate_cycle_and_activity_volume(b2b: Deals) -> None:
    p = parameters("b2b")
    m = min(p.dealWinRateBase, 1 - p.dealWinRateBase)
    reps = np.unique(b2b.owner)
    rate = np.array([b2b.won[b2b.owner == r].mean() for r in reps])
    score = np.array([b2b.w[b2b.owner == r].mean() for r in reps])
    # A rep's win rate moves with its win skill, its cycle score with its cycle skill (slopes near the spread).
    win_slope = np.polyfit(b2b.skills[reps, 0], rate, 1)[0] / m
    cycle_slope = np.polyfit(b2b.skills[reps, 1], score, 1)[0]
    assert 0.5 * p.dealOutcomes.ownerSkillSpread < win_slope < 1.5 * p.dealOutcomes.ownerSkillSpread
    assert 0.5 * p.dealOutcomes.ownerSkillSpread < cycle_slope < 1.5 * p.dealOutcomes.ownerSkillSpread


def test_busy_reps_log_more_activities_and_the_mean_holds() -> None:
    from simulations.engine.trajectories import slot_structure

    inputs = make_inputs(records=20_000, seed=11)
    plan = build_plan(inputs)
    owner = plan.outcome_drivers.owner
    per_lead = np.zeros(plan.lead_count)
    worked = np.zeros(plan.lead_count, dtype=bool)
    for k in range(plan.slot_count):
        s = slot_structure(plan, k, amounts=False)
        np.add.at(per_lead, s.lo + s.activity_lead[s.activity_kind == 0], 1)  # notes: uniform in [lo, hi]
        worked[s.lo : s.hi] = (s.timelines.depth >= 2) & (s.timelines.lifecycle[:, 2] < inputs.end - 120 * DAY)
    reps = np.unique(owner[worked])
    volume = np.array([per_lead[worked & (owner == r)].mean() for r in reps])
    assert np.corrcoef(plan.outcome_drivers.skills[reps, 2], volume)[0, 1] > 0.5


def test_products_differ_in_win_rate_and_cycle(b2b: Deals) -> None:
    tilt = PRODUCT_WIN_TILT["b2b"]
    rate = np.array([b2b.won[b2b.product == j].mean() for j in range(tilt.size)])
    cycle = np.array([np.median(b2b.cycle_days[b2b.product == j]) for j in range(tilt.size)])
    assert np.corrcoef(tilt, rate)[0, 1] > 0.6
    # Platforms (the largest amounts) take longest: cycles follow the amount.
    assert cycle[4] > 1.2 * cycle[0]


def test_deals_closing_at_quarter_end_carry_deeper_discounts(b2b: Deals) -> None:
    q = parameters("b2b").dealOutcomes.quarterEndDiscounting
    deep = np.asarray(DISCOUNTS["b2b"])[b2b.discount] >= 0.10
    at_end = quarter_end(b2b.close)
    base = deep[~at_end].mean()
    # One or two steps deeper with probability q: index 0 reaches >= 10% half the time, index 1 always.
    share = np.bincount(b2b.discount[~at_end], minlength=5) / (~at_end).sum()
    expected = base + q * (share[0] / 2 + share[1])
    n = int(at_end.sum())
    assert abs(deep[at_end].mean() - expected) < SE * math.sqrt(expected * (1 - expected) / n) + 0.01
