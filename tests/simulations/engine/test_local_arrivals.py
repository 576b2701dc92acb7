"""Issue 14 items 2 and 3: arrivals in the lead's local time, weekends thinned without piling, holiday seasons.

Plans of a whole year from 2026-01-01 (a Thursday; seed 7). Every expected share follows from the rules
(``arrivals``, ``localtime``) and the window's calendar per country; tolerances are 4 binomial (shares) or Poisson
(ratios) standard errors at the sample size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from simulations.engine import build_plan
from simulations.engine.arrivals import B2B_SHAPING_SHARE, B2C_EVENING_SHARE_DAY_OFF, B2C_EVENING_SHARE_WEEKDAY
from simulations.engine.localtime import (
    CITY_ZONE,
    CONSUMER,
    DEFER_DAYS,
    PROFILES,
    REP_B2B,
    SLOWDOWNS,
    ZONE_COUNTRY,
    ZONES,
    human_times,
    landing_volume,
    window_calendar,
)

from .support import DAY, make_inputs, parameters

START = 1_767_225_600  # 2026-01-01, a Thursday
YEAR = 365


def four_se(p: float, n: int) -> float:
    return 4 * math.sqrt(p * (1 - p) / n)


def _epoch_day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


@pytest.fixture(scope="module")
def b2b():
    return build_plan(make_inputs("b2b", records=40_000, days=YEAR, start=START))


@pytest.fixture(scope="module")
def b2c():
    return build_plan(make_inputs("b2c", records=20_000, days=YEAR, start=START))


def _local(plan):
    cal = window_calendar(plan.inputs.start, plan.inputs.end)
    zone = plan.lead_zone
    local = plan.arrivals + cal.offset[zone, plan.arrivals // DAY - cal.first]
    day = local // DAY - cal.first
    country = ZONE_COUNTRY[zone]
    return cal, local, day, country


def _window_mix(plan, cal, country):
    """Per lead: the window's share of working days in its country; the weekday mix of the window's days; per
    country, the weekday mix of where moved arrivals land (working days, plus days off' moves by SPREAD)."""
    days = np.arange(plan.inputs.start // DAY, plan.inputs.end // DAY) - cal.first
    weekday = (days + cal.first + 3) % 7
    all_days = np.bincount(weekday, minlength=7) / days.size
    working = np.array([(~cal.off[c, days]).mean() for c in range(cal.off.shape[0])])
    landed = np.stack(
        [np.bincount(weekday, weights=landing_volume(cal, c, 0.0)[days], minlength=7) for c in range(working.size)]
    )
    return working[country], all_days, landed / days.size


def test_the_plan_keeps_leads_in_arrival_order_and_companies_with_their_places(b2b):
    assert (np.diff(b2b.arrivals) >= 0).all()
    assert (b2b.arrivals >= b2b.inputs.start).all() and (b2b.arrivals < b2b.inputs.end).all()
    assert (np.bincount(b2b.lead_company) == b2b.company_sizes).all()
    assert (np.diff(b2b.company_first_lead) > 0).all()
    assert (b2b.lead_company[b2b.company_first_lead] == np.arange(b2b.company_count)).all()
    # The zone each arrival was shaped in is the zone of the city the company shows.
    assert (b2b.lead_zone == CITY_ZONE[b2b.company_values.city[b2b.lead_company]]).all()


def test_b2b_arrivals_fall_in_local_office_hours_on_working_days(b2b):
    cal, local, day, country = _local(b2b)
    working_share, _, _ = _window_mix(b2b, cal, country)
    hour = local % DAY // 3600
    inside = ~cal.off[country, day] & (hour >= 9) & (hour < 17)
    s = B2B_SHAPING_SHARE
    expected = float((s + (1 - s) * working_share * 8 / 24).mean())
    assert abs(inside.mean() - expected) <= four_se(expected, inside.size)


def test_b2b_weekend_arrivals_are_thinned_not_piled_onto_friday_and_monday(b2b):
    cal, local, _day, country = _local(b2b)
    _, all_days, work = _window_mix(b2b, cal, country)
    weekday = (local // DAY + 3) % 7
    s = B2B_SHAPING_SHARE
    weekend = (1 - s) * all_days[5:].sum()
    assert abs((weekday >= 5).mean() - weekend) <= four_se(weekend, weekday.size)
    share = ((1 - s) * all_days[None, :] + s * work[country]).mean(axis=0)
    expected = (share[0] + share[4]) / 2 / (share[1:4].sum() / 3)
    counts = np.bincount(weekday, minlength=7)
    edge, middle = counts[0] + counts[4], counts[1:4].sum()
    realized = edge / 2 / (middle / 3)
    assert abs(realized - expected) <= 4 * realized * math.sqrt(1 / edge + 1 / middle)
    assert realized < 1.1  # UTC shaping onto Friday and Monday gave 1.59


def test_b2c_arrivals_skew_to_local_evenings_and_keep_their_weekends(b2c):
    cal, local, _day, country = _local(b2c)
    working_share, all_days, _ = _window_mix(b2c, cal, country)
    hour, weekday = local % DAY // 3600, (local // DAY + 3) % 7
    moved = working_share * B2C_EVENING_SHARE_WEEKDAY + (1 - working_share) * B2C_EVENING_SHARE_DAY_OFF
    expected = float((moved + (1 - moved) * 6 / 24).mean())
    assert abs((hour >= 18).mean() - expected) <= four_se(expected, hour.size)
    weekend = all_days[5:].sum()
    assert abs((weekday >= 5).mean() - weekend) <= four_se(weekend, weekday.size)


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_business_hours_are_the_leads_office_hours(scenario):
    plan = build_plan(make_inputs(scenario, records=10_000, days=YEAR, start=START, distribution="business_hours"))
    _cal, local, _, _ = _local(plan)
    hour, weekday = local % DAY // 3600, (local // DAY + 3) % 7
    inside = (weekday < 5) & (hour >= 9) & (hour < 17)
    expected = 40 / (40 + 0.05 * 128)
    assert abs(inside.mean() - expected) <= four_se(expected, inside.size)
    utc_hour = plan.arrivals % DAY // 3600
    assert ((utc_hour >= 9) & (utc_hour < 17)).mean() < expected - 0.2  # most leads are American


# --- holiday seasons ----------------------------------------------------------------------------------------


def _season_moves(strength: float, profile: int, zone_name: str, n: int = 200_000):
    """Nominal times on the working days of August 2026 in the zone: the share that leave August and where."""
    rng = np.random.default_rng(3)
    cal = window_calendar(START, START + YEAR * DAY, strength)
    zone = ZONES.index(zone_name)
    country = int(ZONE_COUNTRY[zone])
    first, last = _epoch_day(dt.date(2026, 8, 1)), _epoch_day(dt.date(2026, 8, 31))
    working = np.array([d for d in range(first, last + 1) if not cal.off[country, d - cal.first]])
    noon = working[rng.integers(0, working.size, n)] * DAY + 12 * 3600 - cal.offset[zone, working[0] - cal.first]
    moved = human_times(noon, np.full(n, zone), profile, rng.random(n), rng.random(n), cal)
    day = (moved + cal.offset[zone, moved // DAY - cal.first]) // DAY
    return cal, country, day, last


@pytest.mark.parametrize("strength", [0.0, 1.0, 2.0])
def test_in_august_a_french_reps_actions_wait_with_the_share_away(strength):
    cal, country, day, last = _season_moves(strength, PROFILES.index(REP_B2B), "Europe/Paris")
    expected = min(strength * SLOWDOWNS[0].away["FR"], 1.0)
    later = day > last
    assert abs(later.mean() - expected) <= four_se(expected, later.size) + 1e-12
    if expected:
        # They land on the first DEFER_DAYS working days of September, evenly.
        september = [d for d in range(last + 1, last + 40) if not cal.off[country, d - cal.first]][:DEFER_DAYS]
        counts = np.array([(day == d).sum() for d in september])
        assert counts.sum() == later.sum()
        p = 1 / DEFER_DAYS
        assert (np.abs(counts / later.sum() - p) <= four_se(p, int(later.sum()))).all()


def test_consumers_keep_no_holiday_season():
    _, _, day, last = _season_moves(2.0, PROFILES.index(CONSUMER), "Europe/Paris")
    assert (day <= last).all()


def test_the_seasons_depend_on_the_country():
    shares = {}
    for zone in ("America/New_York", "Europe/Berlin", "Europe/Paris"):
        _, _, day, last = _season_moves(1.0, PROFILES.index(REP_B2B), zone, n=50_000)
        shares[zone] = float((day > last).mean())
    assert shares["America/New_York"] < shares["Europe/Berlin"] < shares["Europe/Paris"]


def test_late_december_days_off_do_not_refill_the_christmas_week():
    """Actions of Christmas' days off moved onto the season's working days wait like the others."""
    rng = np.random.default_rng(5)
    cal = window_calendar(START, START + YEAR * DAY, 1.0)
    zone = ZONES.index("Europe/Berlin")
    n = 200_000
    nominal = _epoch_day(dt.date(2026, 12, 25)) * DAY + rng.integers(0, 3 * DAY, n)  # Fri 25 - Sun 27, all off
    moved = human_times(nominal, np.full(n, zone), 0, rng.random(n), rng.random(n), cal)
    day = (moved + cal.offset[zone, moved // DAY - cal.first]) // DAY
    season = (day >= _epoch_day(dt.date(2026, 12, 22))) & (day <= _epoch_day(dt.date(2026, 12, 31)))
    # Kept on the days off (inside the dates), or moved onto Wed 23, Thu 24, Mon 28, Tue 29 or Wed 30: all season
    # working days, where the moved ones wait like the season's own.
    rate = REP_B2B.off_day_rate
    expected = rate + (1 - rate) * (1 - SLOWDOWNS[1].away["DE"])
    assert abs(season.mean() - expected) <= four_se(expected, n)


def test_b2b_arrivals_thin_in_august_with_the_slowdown():
    """French and German leads arriving on an August working day, per working day, relative to July: the same
    plan with the seasons off is the control, so calendar effects cancel."""

    def ratio(strength: float) -> tuple[float, int, int]:
        p = dataclasses.replace(parameters("b2b"), seasonalSlowdown=strength)
        plan = build_plan(make_inputs(p, records=120_000, days=YEAR, start=START))
        cal, _, day, country = _local(plan)
        europe = np.isin(country, [2, 3]) & ~cal.off[country, day]
        date = (day + cal.first).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
        august, july = int((europe & (date == 8)).sum()), int((europe & (date == 7)).sum())
        return august / july, august, july

    on, august, july = ratio(1.0)
    off, _, _ = ratio(0.0)
    # Of the arrivals on a working day, the moved ones (share S, plus the weekend's moved S x 2/5) can wait.
    s = B2B_SHAPING_SHARE
    movable = s * 1.4 / (1 - s + s * 1.4)
    away = (SLOWDOWNS[0].away["FR"] + SLOWDOWNS[0].away["DE"]) / 2
    expected = 1 - movable * away
    assert abs(on / off - expected) <= 4 * (on / off) * math.sqrt(1 / august + 1 / july)
    assert on / off < 0.9
