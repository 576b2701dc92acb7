"""Issue 14's rules: stage-aware touches, local working time, weekends thinned without piling.

``human_times`` is tested on uniform nominal times, where every expected share follows from the profile and the
calendar; the datasets (half a year, B2B and B2C, 20,000 records, seed 7) are checked rule by rule on every
row, or with 4 binomial standard errors at the realized sample size.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from scenarios.builtin import B2B, B2C
from simulations.engine import build_plan
from simulations.engine.catalog import OPEN_STAGES
from simulations.engine.localtime import (
    CAMPAIGN,
    CONSUMER,
    PROFILES,
    REP_B2B,
    ZONE_COUNTRY,
    ZONES,
    human_times,
    window_calendar,
)
from simulations.engine.paths import lost_stage_shares
from simulations.engine.touches import _EMAILS, MARKETING, ONBOARDING_DAYS
from simulations.engine.trajectories import (
    QUARTER_RUSH,
    RUSH_DAYS,
    RUSH_PULL_DAYS,
    RUSH_PUSH_DAYS,
    month_end_rush,
    rush_share,
)

from .support import DAY, concat, generate_by_slot, make_inputs

START = 1_767_225_600  # 2026-01-01, a Thursday
WEEKS = 26
B2B_RUSH, B2C_RUSH = B2B["parameters"]["closeRush"], B2C["parameters"]["closeRush"]
LATE = re.compile(r"contract|negotiation|closing|onboarding|quote|proposal|budget|pricing", re.IGNORECASE)


def four_se(p: float, n: int) -> float:
    return 4 * math.sqrt(p * (1 - p) / n)


# --- human_times on uniform nominal times ---------------------------------------------------------------------


def _uniform(profile: int, zone_name: str, n: int = 200_000):
    rng = np.random.default_rng(14)
    end = START + 365 * DAY
    cal = window_calendar(START, end)
    nominal = START + 30 * DAY + rng.integers(0, 300 * DAY, n)
    zone = np.full(n, ZONES.index(zone_name))
    moved = human_times(nominal, zone, profile, rng.random(n), rng.random(n), cal)
    local = moved + cal.offset[zone, moved // DAY - cal.first]
    nominal_local = nominal + cal.offset[zone, nominal // DAY - cal.first]
    country = ZONE_COUNTRY[zone[0]]
    off_nominal = cal.off[country, nominal_local // DAY - cal.first]
    off = cal.off[country, local // DAY - cal.first]
    return local % DAY // 3600, off, off_nominal


@pytest.mark.parametrize(("profile", "zone"), [(0, "America/Los_Angeles"), (2, "Europe/Berlin"), (3, "Europe/London")])
def test_local_hours_follow_the_profile(profile: int, zone: str):
    hour, _, _ = _uniform(profile, zone)
    expected = np.asarray(PROFILES[profile].hours) / sum(PROFILES[profile].hours)
    realized = np.bincount(hour, minlength=24) / hour.size
    for h in range(24):
        assert abs(realized[h] - expected[h]) <= four_se(expected[h], hour.size) + 1e-12, h


@pytest.mark.parametrize("profile", [REP_B2B, CONSUMER, CAMPAIGN])
def test_days_off_keep_their_rate_of_actions(profile):
    index = PROFILES.index(profile)
    _, off, off_nominal = _uniform(index, "America/New_York")
    expected = off_nominal.mean() * profile.off_day_rate
    assert abs(off.mean() - expected) <= four_se(expected, off.size)


def test_public_holidays_are_days_off():
    cal = window_calendar(START, START + 365 * DAY)
    for country, date in ((0, dt.date(2026, 7, 3)), (1, dt.date(2026, 12, 28)), (2, dt.date(2026, 10, 3))):
        epoch_day = (date - dt.date(1970, 1, 1)).days  # US Independence Day observed, UK Boxing Day, German Unity
        assert cal.off[country, epoch_day - cal.first]
    assert not cal.off[0, (dt.date(2026, 7, 2) - dt.date(1970, 1, 1)).days - cal.first]


def test_daylight_saving_is_followed():
    cal = window_calendar(START, START + 365 * DAY)
    ny = ZONES.index("America/New_York")
    for date, hours in ((dt.date(2026, 1, 15), -5), (dt.date(2026, 7, 15), -4)):
        assert cal.offset[ny, (date - dt.date(1970, 1, 1)).days - cal.first] == hours * 3600


# --- datasets -------------------------------------------------------------------------------------------------

TYPES = ("contacts", "deals", "activities", "lifecycle_events", "deal_stage_events")


def _dataset(scenario: str):
    inputs = make_inputs(scenario, records=20_000, days=WEEKS * 7, seed=7, start=START)
    slots = generate_by_slot(inputs)
    data = {t: concat(slots, t) for t in TYPES}
    data["plan"] = build_plan(inputs)
    data["inputs"] = inputs
    return data


@pytest.fixture(scope="module")
def b2b():
    return _dataset("b2b")


@pytest.fixture(scope="module")
def b2c():
    return _dataset("b2c")


def _stage_time(data, stage: str) -> np.ndarray:
    """Per contact key: when it first reached ``stage`` or, for MQL, SQL straight from lead (int64 max when it did
    not)."""
    events = data["lifecycle_events"]
    times = np.full(data["contacts"]["key"].size, np.iinfo(np.int64).max)
    stages = ("marketingqualifiedlead", "salesqualifiedlead") if stage == "marketingqualifiedlead" else (stage,)
    mine = np.isin(events["to_stage"], stages)
    np.minimum.at(times, events["contact_key"][mine], events["occurred_at"][mine])
    return times


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_no_rep_touches_before_mql_only_marketing_emails(scenario, request):
    data = request.getfixturevalue(scenario)
    a = data["activities"]
    mql = _stage_time(data, "marketingqualifiedlead")[a["contact_key"]]
    before = a["occurred_at"] < mql
    assert set(a["type"][before]) == {"email"}
    assert set(a["subject"][before]) <= set(_EMAILS[scenario][MARKETING])
    assert (a["direction"][before] == "EMAIL").all()


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_late_stage_subjects_only_on_deals_and_onboarding_only_for_customers(scenario, request):
    data = request.getfixturevalue(scenario)
    a = data["activities"]
    late = np.array([bool(LATE.search(s)) for s in a["subject"]])
    opportunity = _stage_time(data, "opportunity")[a["contact_key"]]
    customer = _stage_time(data, "customer")[a["contact_key"]]
    assert late.sum() > 0
    assert (a["occurred_at"][late] >= opportunity[late]).all()
    onboarding = np.isin(a["subject"], ("Onboarding call", "Kick-off", "Onboarding session", "Schedule onboarding"))
    assert onboarding.sum() > 0
    assert (a["occurred_at"][onboarding] >= customer[onboarding]).all()


def test_customers_are_touched_after_the_win(b2b):
    a, deals = b2b["activities"], b2b["deals"]
    end = b2b["inputs"].end
    won = deals["contact_key"][(deals["is_won"] == 1) & (deals["closed_at"] < end - ONBOARDING_DAYS * DAY)]
    customer = _stage_time(b2b, "customer")
    after = np.zeros(customer.size, dtype=bool)
    after[a["contact_key"][a["occurred_at"] > customer[a["contact_key"]]]] = True
    # ~10 touches per customer, about 40% of each span after the win: all but a fraction of a per cent.
    assert won.size > 100 and after[won].mean() >= 0.95


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_the_zone_is_the_contact_time_zone(scenario, request):
    data = request.getfixturevalue(scenario)
    contacts = data["contacts"]
    known = contacts["timezone"] != ""
    zones = np.array(ZONES, dtype=object)[data["plan"].lead_zone[contacts["key"]]]
    assert (zones[known] == contacts["timezone"][known]).all()


def _local(times: np.ndarray, zones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hour, weekday) in each row's zone, by zoneinfo (independent of the engine's calendar)."""
    moments = [dt.datetime.fromtimestamp(int(t), ZoneInfo(ZONES[z])) for t, z in zip(times, zones, strict=True)]
    return np.array([m.hour for m in moments]), np.array([m.weekday() for m in moments])


def test_b2b_rep_actions_happen_in_local_working_time(b2b):
    a, events = b2b["activities"], b2b["deal_stage_events"]
    rep = np.isin(a["type"], ("note", "task", "meeting")) | ((a["type"] == "call") & (a["direction"] == "OUTBOUND"))
    times = np.concatenate([a["occurred_at"][rep], events["occurred_at"][events["seq"] > 0]])
    keys = np.concatenate([a["contact_key"][rep], events["deal_key"][events["seq"] > 0]])
    sample = np.random.default_rng(1).choice(times.size, 6000, replace=False)
    zones = b2b["plan"].lead_zone[keys[sample]]
    hour, weekday = _local(times[sample], zones)
    assert ((hour >= 7) & (hour < 22)).all()
    weights = np.asarray(REP_B2B.hours)
    lunch = weights[12] / weights.sum()
    assert abs((hour == 12).mean() - lunch) <= four_se(lunch, sample.size)
    # Days off (weekends and the country's public holidays) keep REP_B2B.off_day_rate of their actions.
    inputs = b2b["inputs"]
    cal = window_calendar(inputs.start, inputs.end)
    window = slice(inputs.start // DAY - cal.first, inputs.end // DAY - cal.first)
    expected = cal.off[ZONE_COUNTRY[zones], window].mean(axis=1).mean() * REP_B2B.off_day_rate
    local = times[sample] + cal.offset[zones, times[sample] // DAY - cal.first]
    off = cal.off[ZONE_COUNTRY[zones], local // DAY - cal.first]
    assert abs(off.mean() - expected) <= four_se(expected, sample.size)
    assert (weekday >= 5).mean() <= off.mean()


def test_b2c_consumers_act_in_the_evening_and_at_weekends(b2c):
    a = b2c["activities"]
    inbound = (a["direction"] == "INBOUND") | (a["direction"] == "INCOMING_EMAIL")
    sample = np.random.default_rng(2).choice(np.flatnonzero(inbound), 5000, replace=False)
    hour, weekday = _local(a["occurred_at"][sample], b2c["plan"].lead_zone[a["contact_key"][sample]])
    weights = np.asarray(CONSUMER.hours)
    evening = weights[18:23].sum() / weights.sum()
    assert abs(((hour >= 18) & (hour < 23)).mean() - evening) <= four_se(evening, sample.size) + 0.03
    assert (weekday >= 5).mean() >= 2 / 7 - four_se(2 / 7, sample.size) - 0.03


def test_b2b_weekend_arrivals_spread_evenly_over_the_weekdays(b2b):
    """Linear arrivals: 60% shaped; a shaped weekend arrival lands on any weekday of its week, so each weekday
    gets 1/7 + (2/7 x 0.6)/5 of the arrivals and each weekend day 0.4/7 (UTC days, whole weeks)."""
    created = b2b["contacts"]["created_at"]
    weekday = (created // DAY + 3) % 7
    counts = np.bincount(weekday, minlength=7)
    for day in range(7):
        expected = 1 / 7 + 0.6 * 2 / 35 if day < 5 else 0.4 / 7
        assert abs(counts[day] / created.size - expected) <= four_se(expected, created.size), day


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_lost_deals_drop_out_where_the_stage_weights_say(scenario, request):
    events = request.getfixturevalue(scenario)["deal_stage_events"]
    lost_from = events["from_stage"][events["to_stage"] == "closedlost"]
    parameters = request.getfixturevalue(scenario)["inputs"].parameters
    weights = lost_stage_shares(parameters.dealPaths.lostStageDecay, len(OPEN_STAGES[scenario]))
    for stage, p in zip(OPEN_STAGES[scenario], weights, strict=True):
        assert abs((lost_from == stage).mean() - p) <= four_se(p, lost_from.size), stage


def _in_last_days(day: np.ndarray) -> np.ndarray:
    next_start = (day.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype(np.int64)
    return next_start - day <= RUSH_DAYS


def test_month_end_rush_moves_the_share_of_closes_the_rule_gives():
    """Uniform closes over 2026: every day's chance to end in the month's last RUSH_DAYS days is enumerated
    from the rule (eligibility, quarter-end strength, each target day with the weekend -> Friday move)."""
    rng = np.random.default_rng(3)
    n = 300_000
    first = START // DAY
    close = START + rng.integers(0, 365 * DAY, n)
    rushed = month_end_rush(close, rng.random((n, 2)), B2B_RUSH)
    expected = 0.0
    for day in range(first, first + 365):
        d = np.array([day])
        start_month = d.astype("datetime64[D]").astype("datetime64[M]")
        month_start = int(start_month.astype("datetime64[D]").astype(np.int64)[0])
        next_start = int((start_month + 1).astype("datetime64[D]").astype(np.int64)[0])
        pull = day - month_start < RUSH_PULL_DAYS
        push = RUSH_DAYS < next_start - day <= RUSH_PUSH_DAYS
        month_index = int(start_month.astype(np.int64)[0])
        quarter_end = ((month_index - 1) % 3 == 2) if pull else (month_index % 3 == 2)
        chance = min(B2B_RUSH * (QUARTER_RUSH if quarter_end else 1.0), 1.0) if pull or push else 0.0
        end_day = month_start if pull else next_start
        targets = np.array([end_day - 1 - k for k in range(RUSH_DAYS)])
        targets -= np.maximum((targets + 3) % 7 - 4, 0)
        landed = _in_last_days(targets).mean()
        expected += (1 - chance) * float(_in_last_days(d)[0]) + chance * landed
    expected /= 365
    assert abs(rush_share(first, first + 365, B2B_RUSH) - expected) < 1e-9
    realized = _in_last_days(rushed // DAY).mean()
    assert realized > 2 * _in_last_days(close // DAY).mean()
    assert abs(realized - expected) <= four_se(expected, n)
    assert (np.abs(rushed - close) <= (RUSH_PUSH_DAYS + 2) * DAY).all()
    assert (month_end_rush(close, rng.random((n, 2)), B2C_RUSH) == close).all()


def test_b2b_closes_bunch_at_month_ends_and_b2c_ones_do_not(b2b, b2c):
    for data, rushed in ((b2b, True), (b2c, False)):
        closed = data["deals"]["closed_at"][data["deals"]["closed_at"] >= 0]
        share = _in_last_days(closed // DAY).mean()
        calendar = 0.0986  # 18 of the 182 days of 2026-01-01..07-01 are a month's last three
        if rushed:
            assert share > 2 * calendar
        else:
            assert abs(share - calendar) <= four_se(calendar, closed.size) + 0.02
