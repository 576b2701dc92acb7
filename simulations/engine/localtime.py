"""Local time: human actions happen in working hours of the place they happen, on working days.

A nominal time (a point a model drew on a continuous clock) becomes a human time in three steps, vectorised:

1. its local day in the zone of the contact's city (UTC offset of that day from the IANA database, so
   daylight saving is followed);
2. a day off (Saturday, Sunday or a public holiday of the country, ``public_holidays``) keeps the action with
   the profile's ``off_day_rate``; otherwise the action moves to one of the two working days before it or the
   three after it (``SPREAD``, evenly, so neither Friday nor Monday piles up);
3. the local time of day is redrawn from the profile's hourly weights (lunch dip, end-of-day tail).

Actors and profiles (docs/engine.md "Local time"): a B2B rep works 08:00-18:00 with a lunch dip and a tail to
21:00, almost never on a day off; a B2C sales associate works longer days and Saturdays; a consumer acts in the
evening and at weekends as much as on weekdays; marketing e-mails leave at campaign send times (mid-morning or
early afternoon, Tuesday-Thursday favoured by the off-day rate of weekends only). The actor's place is the
contact's city: territory teams sell into their own region (catalog.COUNTRIES), so the contact's zone stands
for the rep's. Times at or after ``end + MARGIN_DAYS`` are returned unchanged (they are never written).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from .catalog import COUNTRIES
from .public_holidays import public_holidays

DAY = 86_400
HOUR = 3_600
CLOCK_BUCKETS = 1 << 16
"""Resolution of the time-of-day draw: a day's 86,400 s over 65,536 buckets (1.3 s)."""
MARGIN_DAYS = 400
"""Days after the window's end the calendar covers (a deal may close up to this after the end and still
decide account-level joins; later times are left as drawn)."""

ZONES: tuple[str, ...] = tuple(dict.fromkeys(city.timezone for country in COUNTRIES for city in country.cities))
CITY_ZONE = np.array([ZONES.index(city.timezone) for country in COUNTRIES for city in country.cities], dtype=np.int64)
_ZONE_OF_COUNTRY = {city.timezone: c for c, country in enumerate(COUNTRIES) for city in country.cities}
ZONE_COUNTRY = np.array([_ZONE_OF_COUNTRY[zone] for zone in ZONES], dtype=np.int64)
SPREAD = np.array([-2, -1, 0, 1, 2], dtype=np.int64)
"""Where an action moved off a day off lands: this many working days from the next working day (0)."""


@dataclass(frozen=True)
class Profile:
    """Who acts: hourly weights of the local time of day (24 values) and the chance to act on a day off."""

    name: str
    hours: tuple[float, ...]
    off_day_rate: float
    slows: bool = False
    """Whether the actor takes the country's holiday seasons (SLOWDOWNS): B2B people do, consumers do not."""

    @functools.cached_property
    def cdf(self) -> np.ndarray:
        weights = np.asarray(self.hours, dtype=np.float64)
        return np.cumsum(weights) / weights.sum()

    @functools.cached_property
    def clock_table(self) -> np.ndarray:
        """Seconds after local midnight for each of CLOCK_BUCKETS equal buckets of a uniform (its midpoint)."""
        return _clock(self.cdf, (np.arange(CLOCK_BUCKETS) + 0.5) / CLOCK_BUCKETS)


_ = 0.0
REP_B2B = Profile(
    "rep_b2b",
    (_, _, _, _, _, _, _, 0.3, 0.9, 1.0, 1.1, 1.05, 0.55, 0.75, 1.0, 1.0, 0.9, 0.55, 0.2, 0.08, 0.04, 0.02, _, _),
    0.04,
    True,
)
"""Sales reps: 08:00-18:00, lunch dip at 12:00, an end-of-day tail; 4% of actions kept on a weekend or holiday
(assumption after published call-log studies: under 5% of B2B sales calls fall on weekends)."""
REP_B2C = Profile(
    "rep_b2c",
    (_, _, _, _, _, _, _, _, 0.5, 0.9, 1.0, 1.0, 0.7, 0.8, 1.0, 1.0, 1.0, 0.9, 0.7, 0.5, 0.25, _, _, _),
    0.35,
)
"""Retail/e-commerce sales associates: 08:00-21:00 in shifts, a third of day-off actions kept (Saturdays)."""
CONSUMER = Profile(
    "consumer",
    (0.1, 0.05, _, _, _, _, 0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9, 0.8, 0.7, 0.7, 0.8, 1.0, 1.3, 1.6, 1.7, 1.5, 1.0, 0.4),
    1.0,
)
"""Consumers: evenings peak 19:00-22:00, days off as busy as working days."""
CAMPAIGN = Profile(
    "campaign",
    (_, _, _, _, _, _, _, _, 0.3, 1.0, 1.2, 0.6, _, _, 0.8, 0.6, _, _, _, _, _, _, _, _),
    0.05,
)
"""Marketing e-mail sends: 09:00-11:00 and 14:00-16:00 local, rarely at weekends."""
BUYER_B2B = Profile(
    "buyer_b2b",
    (_, _, _, _, _, _, _, _, _, 0.8, 1.2, 1.3, 0.9, 0.8, 1.2, 1.1, 0.7, _, _, _, _, _, _, _),
    0.0,
    True,
)
"""A business buyer filling in a form: 09:00-17:00 local on a working day (the arrival shaping's office hours)."""
CONSUMER_EVENING = Profile(
    "consumer_evening", (_, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, 0.7, 1.0, 1.4, 1.4, 1.0, 0.5), 1.0
)
"""A consumer signing up in the evening: 18:00-24:00 local, any day (the B2C arrival shaping's evenings)."""
PROFILES = (REP_B2B, REP_B2C, CONSUMER, CAMPAIGN, BUYER_B2B, CONSUMER_EVENING)
OFF_DAY_RATES = np.array([p.off_day_rate for p in PROFILES])
SLOWS = np.array([p.slows for p in PROFILES])
REP_PROFILE = {"b2b": 0, "b2c": 1}
CONSUMER_PROFILE, CAMPAIGN_PROFILE, BUYER_B2B_PROFILE, CONSUMER_EVENING_PROFILE = 2, 3, 4, 5


@dataclass(frozen=True)
class Slowdown:
    """A holiday season: from (month, day) to (month, day), inclusive, and the share of B2B people away on each
    working day of it, per country code (at ``seasonalSlowdown`` 1)."""

    name: str
    first: tuple[int, int]
    last: tuple[int, int]
    away: dict[str, float]


SLOWDOWNS = (
    Slowdown("August holidays", (8, 1), (8, 31), {"US": 0.10, "GB": 0.15, "DE": 0.25, "FR": 0.45}),
    Slowdown("Year-end holidays", (12, 22), (12, 31), {"US": 0.45, "GB": 0.55, "DE": 0.60, "FR": 0.55}),
)
"""An assumption after national holiday habits (docs/scenarios.md "Holiday seasons"): about half of France's
employees take their main summer leave in August and many offices close mid-month; German school holidays spread
over July-September by Land; British and American summer leave is shorter and spread wider; the week between
Christmas and New Year runs on skeleton staff in all four countries."""
DEFER_DAYS = 10
"""A B2B action deferred by a holiday season lands on one of the first DEFER_DAYS working days after it (work
waits for people to come back, without piling onto the first morning)."""


@dataclass(frozen=True)
class Calendar:
    """Days ``first .. first + days - 1`` (epoch days): UTC offsets per zone, days off and the next working
    day per country."""

    first: int
    offset: np.ndarray
    """(zones, days) seconds east of UTC at the day's UTC noon."""
    off: np.ndarray
    """(countries, days) local day is a Saturday, Sunday or public holiday."""
    before: np.ndarray
    """(countries, days) working days of the calendar strictly before the day."""
    work_days: np.ndarray
    """(countries, most working days) epoch days of each country's working days, padded with the last one."""
    slow: np.ndarray
    """(countries, days) chance that a B2B action on this working day waits for the season's end (SLOWDOWNS x
    the strength; 0 on days off and outside the seasons)."""
    resume: np.ndarray
    """(countries, days) working days of the calendar before the first working day at or after the day that is
    outside every season (where deferred actions start landing)."""

    @property
    def days(self) -> int:
        return int(self.offset.shape[1])


def _seasons(dates: list[dt.date], off: np.ndarray, strength: float) -> tuple[np.ndarray, np.ndarray]:
    """``(slow, resume)`` of the Calendar for ``dates`` (see there)."""
    slow = np.zeros(off.shape)
    month_day = np.array([d.month * 100 + d.day for d in dates])
    for season in SLOWDOWNS:
        inside = (month_day >= season.first[0] * 100 + season.first[1]) & (
            month_day <= season.last[0] * 100 + season.last[1]
        )
        for c, country in enumerate(COUNTRIES):
            slow[c, inside] = np.minimum(strength * season.away.get(country.code, 0.0), 1.0)
    slow[off] = 0.0
    working = ~off
    before = np.cumsum(working, axis=1) - working
    clear = working & (slow == 0.0)
    index = np.arange(off.shape[1])
    # The first clear working day at or after each day: a reversed running minimum of the clear days' indexes.
    nearest = np.where(clear, index, off.shape[1] - 1)
    nearest = np.minimum.accumulate(nearest[:, ::-1], axis=1)[:, ::-1]
    resume = np.take_along_axis(before, nearest, axis=1)
    return slow, resume


@functools.lru_cache(maxsize=8)
def calendar(first_day: int, last_day: int, strength: float = 0.0) -> Calendar:
    days = last_day - first_day + 1
    dates = [dt.date(1970, 1, 1) + dt.timedelta(days=first_day + i) for i in range(days)]
    offset = np.empty((len(ZONES), days), dtype=np.int64)
    for z, name in enumerate(ZONES):
        zone = ZoneInfo(name)
        for i, date in enumerate(dates):
            moment = dt.datetime(date.year, date.month, date.day, 12, tzinfo=dt.UTC)
            offset[z, i] = int(moment.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]
    years = sorted({d.year for d in dates})
    weekday = (np.arange(first_day, last_day + 1) + 3) % 7
    off = np.empty((len(COUNTRIES), days), dtype=bool)
    for c, country in enumerate(COUNTRIES):
        public = public_holidays(country.code, years)
        off[c] = (weekday >= 5) | np.array([d in public for d in dates])
    working = ~off
    before = np.cumsum(working, axis=1) - working
    work_days = np.empty((len(COUNTRIES), int(working.sum(axis=1).max())), dtype=np.int64)
    for c in range(len(COUNTRIES)):
        mine = first_day + np.flatnonzero(working[c])
        work_days[c] = np.concatenate([mine, np.full(work_days.shape[1] - mine.size, mine[-1])])
    slow, resume = _seasons(dates, off, strength)
    return Calendar(
        first=first_day, offset=offset, off=off, before=before, work_days=work_days, slow=slow, resume=resume
    )


def window_calendar(start: int, end: int, slowdown: float = 0.0) -> Calendar:
    """The calendar of a window, with holiday seasons at strength ``slowdown`` (``seasonalSlowdown``)."""
    return calendar(start // DAY - 2, end // DAY + MARGIN_DAYS, float(slowdown))


def human_times(
    times: np.ndarray,
    zone: np.ndarray,
    profile: np.ndarray | int,
    keep_u: np.ndarray,
    clock_u: np.ndarray,
    cal: Calendar,
) -> np.ndarray:
    """Each nominal UTC time moved to its actor's working time (module docstring). ``profile`` indexes
    PROFILES (one for all, or per time); ``keep_u``/``clock_u`` are uniforms in [0, 1)."""
    shape = np.shape(times)
    times = np.ravel(times)
    zone = np.broadcast_to(zone, shape).ravel()
    keep_u, clock_u = np.ravel(keep_u), np.ravel(clock_u)
    days = cal.days
    # Inside the calendar (less its first and last day) every day index below is in range: no clipping.
    inside = (times >= (cal.first + 1) * DAY) & (times < (cal.first + days - 1) * DAY)
    t = np.where(inside, times, (cal.first + 1) * DAY)
    country = ZONE_COUNTRY[zone]
    offset = cal.offset.ravel()
    local_day = (t + offset[zone * days + (t // DAY - cal.first)]) // DAY
    i = local_day - cal.first
    cell = country * days + i
    if np.ndim(profile) == 0:
        off_rate: float | np.ndarray = PROFILES[int(profile)].off_day_rate
        slows: bool | np.ndarray = bool(SLOWS[int(profile)])
    else:
        profiles = np.broadcast_to(np.asarray(profile, dtype=np.int64), shape).ravel()
        off_rate = OFF_DAY_RATES[profiles]
        slows = SLOWS[profiles]
    off_day = cal.off.ravel()[cell]
    move = off_day & (keep_u >= off_rate)
    # A moved action lands on one of the two working days before or three after, evenly (no Monday pile).
    spread_u = (keep_u - off_rate) / np.maximum(1.0 - off_rate, 1e-12) * SPREAD.size
    spread = np.minimum(np.maximum(spread_u.astype(np.int64), 0), SPREAD.size - 1)
    width = cal.work_days.shape[1]
    target = np.minimum(np.maximum(cal.before.ravel()[cell] + SPREAD[spread], 0), width - 1)
    # On a working day of a holiday season a B2B action waits, with the season's chance, for one of the first
    # DEFER_DAYS working days after it. The day is where the action lands (a day off's action moved onto a season
    # day waits too); the uniform is keep_u on a working day, the unused part of the spread draw after a move.
    landed = np.where(move, cal.work_days.ravel()[country * width + target] - cal.first, i)
    season_u = np.where(off_day, spread_u - spread, keep_u)
    landed_cell = country * days + landed
    slow = np.where(slows & (move | ~off_day), cal.slow.ravel()[landed_cell], 0.0)
    defer = (slow > 0) & (season_u < slow)
    later = (np.where(defer, season_u / np.maximum(slow, 1e-12), 0.0) * DEFER_DAYS).astype(np.int64)
    later = cal.resume.ravel()[landed_cell] + np.minimum(np.maximum(later, 0), DEFER_DAYS - 1)
    target = np.where(defer, np.minimum(later, width - 1), target)
    move |= defer
    day = np.where(move, cal.work_days.ravel()[country * width + target], local_day)
    bucket = (clock_u * CLOCK_BUCKETS).astype(np.int64)
    if np.ndim(profile) == 0:
        clock = PROFILES[int(profile)].clock_table[bucket]
    else:
        clock = np.empty(times.shape, dtype=np.int64)
        for k, p in enumerate(PROFILES):
            rows = np.flatnonzero(profiles == k)
            if rows.size:
                clock[rows] = p.clock_table[bucket[rows]]
    moved = day * DAY + clock - offset[zone * days + (day - cal.first)]
    return np.where(inside, moved, times).reshape(shape)


def _clock(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Seconds after local midnight: the hour by inverse CDF of the hourly weights, the second inside the hour
    from where ``u`` falls in that hour's share."""
    hour = np.minimum(np.searchsorted(cdf, u, side="right"), 23)
    below = np.where(hour > 0, cdf[np.maximum(hour - 1, 0)], 0.0)
    fraction = (u - below) / np.maximum(cdf[hour] - below, 1e-12)
    return hour * HOUR + np.clip(np.floor(fraction * HOUR), 0, HOUR - 1).astype(np.int64)


def not_before(
    moved: np.ndarray, floor: np.ndarray, zone: np.ndarray, profile: np.ndarray, keep_u: np.ndarray, cal: Calendar
) -> np.ndarray:
    """``moved`` (human times), but never before ``floor``: a time before it keeps its local clock on the first
    day at or after the floor, and, when that day is a day off, the first working day after (with the same
    ``keep_u`` chance to stay as ``human_times`` gives)."""
    early = moved < floor
    candidate = floor + (moved - floor) % DAY
    days = cal.days
    day = np.minimum(np.maximum(candidate // DAY - cal.first, 0), days - 1)
    local_day = (candidate + cal.offset.ravel()[zone * days + day]) // DAY
    i = np.minimum(np.maximum(local_day - cal.first, 0), days - 1)
    country = ZONE_COUNTRY[zone]
    cell = country * days + i
    width = cal.work_days.shape[1]
    following = cal.work_days.ravel()[country * width + np.minimum(cal.before.ravel()[cell], width - 1)]
    shift = np.where(cal.off.ravel()[cell] & (keep_u >= OFF_DAY_RATES[profile]), following - (cal.first + i), 0)
    return np.where(early, candidate + np.maximum(shift, 0) * DAY, moved)


def landing_volume(cal: Calendar, country: int, off_rate: float, share: float = 1.0) -> np.ndarray:
    """(days,) relative volume each working day of ``country`` gets from an even nominal spread of actions, before
    the seasons: its own day's plus the ``share`` of the moved actions of days off that ``human_times`` lands on it
    (SPREAD around the next working day). What the realism rows and tests expect per weekday and season."""
    working = ~cal.off[country]
    volume = working.astype(np.float64)
    width = cal.work_days.shape[1]
    for day in np.flatnonzero(~working):
        targets = np.clip(cal.before[country, day] + SPREAD, 0, width - 1)
        np.add.at(volume, cal.work_days[country, targets] - cal.first, share * (1 - off_rate) / SPREAD.size)
    return volume
