"""Arrivals in the lead's own time: the distribution method's UTC draws moved to the lead's local clock.

The distribution method (``distributions``) draws N' times on a UTC grid before any lead has a place. Once the
plan knows each lead's time zone (its company's city), ``local_arrivals`` moves every draw into the lead's day:

- methods that describe a local clock (``LOCAL_CLOCK_METHODS``: business_hours' office hours, weekend_surge's
  Saturdays and Sundays) are read as the lead's wall clock: the drawn time minus the zone's UTC offset that day,
  so "09:00-17:00 on a weekday" means 09:00-17:00 where the lead is;
- the shaped methods (linear, front_loaded, back_loaded, bell_curve, random_bursts: a macro shape over the
  window) are shaped by the scenario, in local time (``localtime.human_times``):
    b2b: with probability B2B_SHAPING_SHARE an arrival moves into 09:00-17:00 local on a working day
         (``localtime.BUYER_B2B``); one drawn on a weekend or public holiday goes to one of the two working days
         before or three after it, evenly, so the weekend is thinned without piling onto Friday or Monday; in a
         holiday season (``localtime.SLOWDOWNS``) it waits, with the season's chance x ``seasonalSlowdown``,
         for the first working days after it;
    b2c: with probability B2C_EVENING_SHARE_WEEKDAY (working days) or B2C_EVENING_SHARE_DAY_OFF (weekends
         and holidays) an arrival moves to the same local day's evening 18:00-24:00
         (``localtime.CONSUMER_EVENING``);
- trickle, daily_spike and custom are left in UTC: their hours are moments the user picked for everyone (a
  campaign blast at 12:00 UTC reaches every zone at once).

A moved time outside [start, end) keeps the drawn one. The moves are small (hours, a few days; a season's
deferral a few weeks) so the method's macro shape is kept. Uniforms come from the ARRIVAL_CLOCK stream, three
per lead whatever the method, so the stream never shifts.
"""

from __future__ import annotations

import numpy as np

from .distributions import DISTRIBUTIONS
from .localtime import BUYER_B2B_PROFILE, CONSUMER_EVENING_PROFILE, DAY, ZONE_COUNTRY, Calendar, human_times

LOCAL_CLOCK_METHODS = frozenset({"business_hours", "weekend_surge"})
B2B_SHAPING_SHARE = 0.6
B2C_EVENING_SHARE_WEEKDAY = 0.25
B2C_EVENING_SHARE_DAY_OFF = 0.45


def local_arrivals(
    times: np.ndarray,
    zone: np.ndarray,
    method: str,
    style: str,
    u: np.ndarray,
    cal: Calendar,
    start: int,
    end: int,
) -> np.ndarray:
    """``times`` (UTC draws of ``method``, one per lead, any order) moved to each lead's local time (module
    docstring); ``zone`` indexes localtime.ZONES; ``u`` is (n, 3) uniforms. The result is not sorted. Each
    row's result depends on that row alone, so the plan moves the leads in row blocks."""
    days = cal.days
    index = np.minimum(np.maximum(times // DAY - cal.first, 0), days - 1)
    offset = cal.offset.ravel()[zone * days + index]
    if method in LOCAL_CLOCK_METHODS:
        candidate = times - offset
        moved = np.ones(times.size, dtype=bool)
    elif not DISTRIBUTIONS[method].shaped:
        return times
    elif style == "b2c":
        local_index = np.minimum(np.maximum((times + offset) // DAY - cal.first, 0), days - 1)
        day_off = cal.off.ravel()[ZONE_COUNTRY[zone] * days + local_index]
        moved = u[:, 0] < np.where(day_off, B2C_EVENING_SHARE_DAY_OFF, B2C_EVENING_SHARE_WEEKDAY)
        candidate = human_times(times, zone, CONSUMER_EVENING_PROFILE, u[:, 1], u[:, 2], cal)
    else:
        moved = u[:, 0] < B2B_SHAPING_SHARE
        candidate = human_times(times, zone, BUYER_B2B_PROFILE, u[:, 1], u[:, 2], cal)
    moved &= (candidate >= start) & (candidate < end)
    return np.where(moved, candidate, times)
