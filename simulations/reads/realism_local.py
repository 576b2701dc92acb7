"""Realism rows for arrivals in local time and the holiday seasons (issue 14, items 2 and 3).

Every read is bounded: ARRIVAL_SAMPLE contacts at evenly spaced keys for the arrival rows, and the rep actions
and arrivals, in the months around the seasons, of SEASON_BLOCK_CONTACTS x SAMPLE_BLOCKS contacts of evenly spaced
key blocks (``realism._blocks``) for the season rows. Local time is the contact's zone's UTC offset at the day's UTC
noon, as the engine reads it (``localtime``). Expected values come from the engine's rules and the window's
calendar per country (weighted by the sample's countries); tolerances are STANDARD_ERRORS binomial (shares) or
Poisson (ratios) standard errors at the measured counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Max, Q

from crm.models import Activity, Contact
from simulations.engine import scenario_style
from simulations.engine.arrivals import (
    B2B_SHAPING_SHARE,
    B2C_EVENING_SHARE_DAY_OFF,
    B2C_EVENING_SHARE_WEEKDAY,
    LOCAL_CLOCK_METHODS,
)
from simulations.engine.distributions import DISTRIBUTIONS
from simulations.engine.localtime import (
    BUYER_B2B,
    DEFER_DAYS,
    REP_B2B,
    SLOWDOWNS,
    ZONE_COUNTRY,
    ZONES,
    Calendar,
    Slowdown,
    landing_volume,
)
from simulations.models import Simulation
from simulations.reads import sql
from simulations.reads.calibration_statistics import STANDARD_ERRORS
from simulations.reads.realism import _binomial, _blocks, _in_blocks, _row, simulation_calendar

DAY, HOUR = 86_400, 3_600
ARRIVAL_SAMPLE = 10_000
SEASON_BLOCK_CONTACTS = 2_500
OFFICE = (9, 17)
EVENING = (18, 24)
REFERENCE = {"August holidays": ((7, 1), (7, 31)), "Year-end holidays": ((11, 24), (12, 19))}
"""The working days each season is compared with: the weeks just before it (the weeks after it receive the
deferred work)."""
REP_KINDS = Q(type__in=("note", "task", "meeting")) | Q(type="call", direction="OUTBOUND")


def _local(at: np.ndarray, zone: np.ndarray, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """(local seconds, local day's calendar index) of UTC seconds ``at`` in zones ``zone``."""
    days = cal.days
    index = np.clip(at // DAY - cal.first, 0, days - 1)
    local = at + cal.offset[zone, index]
    return local, np.clip(local // DAY - cal.first, 0, days - 1)


def _zones(names: list[str]) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(ZONES)}
    return np.array([lookup[name] for name in names], dtype=np.int64)


def _window(simulation: Simulation, cal: Calendar) -> np.ndarray:
    first = int(simulation.window_start.timestamp()) // DAY - cal.first
    last = (int(simulation.window_end.timestamp()) - 1) // DAY - cal.first
    return np.arange(first, last + 1)


def _expected_arrivals(method: str, params: dict, style: str, window: np.ndarray, cal: Calendar, weight: np.ndarray):
    """(office-hours share, evening share, Saturday+Sunday share, Fri+Mon vs Tue-Thu ratio) the rules give."""
    weekday = (window + cal.first + 3) % 7
    n_day = np.bincount(weekday, minlength=7) / window.size
    off = cal.off[:, window]
    work = np.stack([np.bincount(weekday[~off[c]], minlength=7) for c in range(off.shape[0])]) / window.size
    working = work.sum(axis=1)  # per country: share of the window's days that are working days
    weekend = n_day[5:].sum()
    if method == "business_hours":
        inside = 5 * (params["endHour"] - params["startHour"])
        total = inside + params["offHoursWeight"] * (168 - inside)
        return inside / total, None, params["offHoursWeight"] * 48 / total, 1.0
    if method in LOCAL_CLOCK_METHODS:  # weekend_surge
        factor = params["factor"]
        return None, None, 2 * factor / (5 + 2 * factor), 1.0
    if style == "b2c":
        evening_base = (EVENING[1] - EVENING[0]) / 24
        moved = working * B2C_EVENING_SHARE_WEEKDAY + (1 - working) * B2C_EVENING_SHARE_DAY_OFF
        day_share = n_day
        evening = float(weight @ (moved + (1 - moved) * evening_base))
        office = None
    else:
        s = B2B_SHAPING_SHARE
        volumes = [landing_volume(cal, c, 0.0)[window] for c in range(off.shape[0])]
        landed = np.stack([np.bincount(weekday, weights=volume, minlength=7) for volume in volumes])
        day_share = weight @ ((1 - s) * n_day[None, :] + s * landed / window.size)
        office = float(s + (1 - s) * (weight @ working) * (OFFICE[1] - OFFICE[0]) / 24)
        weekend = (1 - s) * weekend
        evening = None
    ratio = (day_share[0] + day_share[4]) / 2 / (day_share[1:4].sum() / 3)
    return office, evening, float(weekend), float(ratio)


def _spread_sample(simulation: Simulation) -> tuple[np.ndarray, list[str]]:
    """(createdate as epoch seconds, time zone) of ARRIVAL_SAMPLE contacts at evenly spaced keys (arrival order), in
    one query (``sql.key_in``): a systematic sample over the whole window (key blocks would cover a few days each,
    and the weekday mix of a few days is not the window's)."""
    top = Contact.objects.filter(simulation=simulation).aggregate(top=Max("key"))["top"]
    if top is None:
        return np.empty(0, dtype=np.int64), []
    sampled, keys = sql.key_in("key", np.unique(np.linspace(0, top, ARRIVAL_SAMPLE).astype(np.int64)).tolist())
    query = " ".join(
        [
            "SELECT", sql.epoch("created_at"), ", timezone FROM", sql.table(Contact), "WHERE simulation_id = %s AND",
            sampled, "AND timezone <> '' ORDER BY key",
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(query, [simulation.pk, keys])
        rows = cursor.fetchall()
    return np.array([at for at, _ in rows], dtype=np.int64), [zone for _, zone in rows]


def arrival_rows(simulation: Simulation, style: str, cal: Calendar) -> list[dict[str, Any]]:
    method, params = simulation.distribution, dict(simulation.distribution_params or {})
    if method not in DISTRIBUTIONS or not (DISTRIBUTIONS[method].shaped or method in LOCAL_CLOCK_METHODS):
        return []
    params = {**{p.name: p.default for p in DISTRIBUTIONS[method].params}, **params}
    at, zones = _spread_sample(simulation)
    if not zones:
        return []
    zone = _zones(zones)
    country = ZONE_COUNTRY[zone]
    local, day = _local(at, zone, cal)
    hour, weekday = (local % DAY) // HOUR, (local // DAY + 3) % 7
    weight = np.bincount(country, minlength=cal.off.shape[0]) / at.size
    office, evening, weekend, ratio = _expected_arrivals(method, params, style, _window(simulation, cal), cal, weight)
    n = at.size
    where = f"{n} sampled contacts' createdate in their own time zone ({method} arrivals, {style} shaping)"
    result = []
    if office is not None:
        day_ok = (weekday < 5) if method == "business_hours" else ~cal.off[country, day]
        lo, hi = (params["startHour"], params["endHour"]) if method == "business_hours" else OFFICE
        realized = float((day_ok & (hour >= lo) & (hour < hi)).mean())
        result.append(_row(f"arrivals at {lo:02d}:00-{hi:02d}:00 local on a working day", office, realized,
                           _binomial(office, n), n, where))  # fmt: skip
    if evening is not None:
        realized = float(((hour >= EVENING[0]) & (hour < EVENING[1])).mean())
        result.append(_row("arrivals at 18:00-24:00 local", evening, realized, _binomial(evening, n), n, where))
    result.append(_row("arrivals on a local Saturday or Sunday", weekend, float((weekday >= 5).mean()),
                       _binomial(weekend, n), n, f"{where}; weekend draws are thinned, not piled"))  # fmt: skip
    counts = np.bincount(weekday, minlength=7)
    edge, middle = int(counts[0] + counts[4]), int(counts[1:4].sum())
    if edge and middle:
        realized = edge / 2 / (middle / 3)
        tolerance = STANDARD_ERRORS * realized * math.sqrt(1 / edge + 1 / middle)
        note = f"{where}; expected from the window's weekdays and each country's working days (public holidays)"
        result.append(_row("arrivals per Friday/Monday vs per Tuesday-Thursday", ratio, realized, tolerance,
                           edge + middle, note))  # fmt: skip
    return result


def _in(season_days: tuple[tuple[int, int], tuple[int, int]], month_day: np.ndarray) -> np.ndarray:
    (m0, d0), (m1, d1) = season_days
    return (month_day >= m0 * 100 + d0) & (month_day <= m1 * 100 + d1)


@dataclass(frozen=True)
class SeasonCounts:
    """One season's events against the weeks before it: ``predicted`` is what the season's working days would get
    at the reference rate without the season, ``kept`` what they get with it (the rules), ``season`` and
    ``reference`` the counted events."""

    kept: float
    predicted: float
    season: int
    reference: int

    @staticmethod
    def ratio(counts: list[SeasonCounts]) -> tuple[float, float, float, int]:
        """(expected, realized, tolerance, count) of the pooled per-working-day rate over the reference's."""
        kept, predicted = sum(c.kept for c in counts), sum(c.predicted for c in counts)
        season, reference = sum(c.season for c in counts), sum(c.reference for c in counts)
        realized = season / predicted
        tolerance = STANDARD_ERRORS * realized * math.sqrt(1 / season + 1 / reference)
        return kept / predicted, realized, tolerance, season + reference


SeasonEntry = tuple[Slowdown, str, float, SeasonCounts]
"""(season, "rep actions" | "arrivals", share of them that follows the seasons, counts)."""


def _season_days(window: np.ndarray, cal: Calendar, season: Slowdown) -> tuple[np.ndarray, np.ndarray] | None:
    """The window's days (calendar indexes) in the season and in its reference weeks; None unless it holds both."""
    dates = (window + cal.first).astype("datetime64[D]")
    month_day = (
        (dates.astype("datetime64[M]").astype(np.int64) % 12 + 1) * 100
        + (dates - dates.astype("datetime64[M]")).astype(np.int64)
        + 1
    )
    in_season, in_reference = (
        window[_in((season.first, season.last), month_day)],
        window[_in(REFERENCE[season.name], month_day)],
    )
    if in_season.size == 0 or in_reference.size == 0:
        return None
    return in_season, in_reference


def _season_counts(
    at: np.ndarray,
    zone: np.ndarray,
    cal: Calendar,
    days: tuple[np.ndarray, np.ndarray],
    share: float,
    end_day: int,
) -> SeasonCounts | None:
    """The counts of a season whose days and reference days are ``days`` (``_season_days``), or None when nothing
    was counted; ``share`` of the times follow the seasons (the rest are never moved)."""
    in_season, in_reference = days
    _, day = _local(at, zone, cal)
    country = ZONE_COUNTRY[zone]
    working = ~cal.off[country, day]
    actions_season = working & np.isin(day, in_season)
    actions_reference = working & np.isin(day, in_reference)
    predicted = kept = 0.0
    off_rate = REP_B2B.off_day_rate if share == 1 else BUYER_B2B.off_day_rate
    for c in range(cal.off.shape[0]):
        season_days = in_season[~cal.off[c, in_season]]
        reference_days = in_reference[~cal.off[c, in_reference]]
        if season_days.size == 0 or reference_days.size == 0:
            continue
        volume = landing_volume(cal, c, off_rate, share)
        rate = float((actions_reference & (country == c)).sum()) / volume[reference_days].sum()
        # A deferral lands on one of the DEFER_DAYS working days from resume; past the window's end it is dropped
        # (rep actions) or not made (arrivals keep their drawn time): ``share`` says which.
        targets = cal.work_days[c, np.minimum(cal.resume[c, season_days][:, None] + np.arange(DEFER_DAYS),
                                              cal.work_days.shape[1] - 1)]  # fmt: skip
        leaves = (targets < end_day).mean(axis=1) if share < 1 else 1.0
        predicted += rate * volume[season_days].sum()
        kept += rate * float((volume[season_days] * (1 - share * cal.slow[c, season_days] * leaves)).sum())
    a_season, a_reference = int(actions_season.sum()), int(actions_reference.sum())
    if not predicted or not a_season or not a_reference:
        return None
    return SeasonCounts(kept, predicted, a_season, a_reference)


STEADY_METHODS = frozenset({"linear", "business_hours", "weekend_surge", "daily_spike"})
"""Arrival methods with a steady rate over the window: the weeks before a season are its fair reference."""


def season_counts(simulation: Simulation, style: str, cal: Calendar) -> list[SeasonEntry]:
    """A SeasonEntry for every season the window holds with the weeks before it; none for B2C, a strength of 0 or
    arrivals without a steady rate (and then nothing is read)."""
    strength = float(simulation.parameters.get("seasonalSlowdown", 0.0))
    if style != "b2b" or strength <= 0 or simulation.distribution not in STEADY_METHODS:
        return []
    window = _window(simulation, cal)
    seasons = [(season, days) for season in SLOWDOWNS if (days := _season_days(window, cal, season)) is not None]
    if not seasons:
        return []
    end_day = int(simulation.window_end.timestamp()) // DAY
    blocks = _blocks(simulation, SEASON_BLOCK_CONTACTS)
    zones = dict(
        Contact.objects.filter(_in_blocks("key", blocks), simulation=simulation)
        .exclude(timezone="")
        .values_list("key", "timezone")
    )
    months = (7, 8, 11, 12)
    raw = list(
        Activity.objects.filter(REP_KINDS, simulation=simulation, occurred_at__month__in=months)
        .filter(_in_blocks("contact_key", blocks))
        .order_by()
        .values_list("occurred_at", "contact_key")
    )
    actions = [(moment, zones[key]) for moment, key in raw if key in zones]
    arrivals = list(
        Contact.objects.filter(_in_blocks("key", blocks), simulation=simulation, created_at__month__in=months)
        .exclude(timezone="")
        .values_list("created_at", "timezone")
    )
    sources = [("rep actions", actions, 1.0)]
    if DISTRIBUTIONS[simulation.distribution].shaped:
        sources.append(("arrivals", arrivals, B2B_SHAPING_SHARE))
    result = []
    for season, days in seasons:
        for what, items, share in sources:
            if not items:
                continue
            at = np.array([int(moment.timestamp()) for moment, _ in items], dtype=np.int64)
            counts = _season_counts(at, _zones([z for _, z in items]), cal, days, share, end_day)
            if counts is not None:
                result.append((season, what, share, counts))
    return result


def season_rows(simulation: Simulation, counted: list[SeasonEntry]) -> list[dict[str, Any]]:
    strength = float(simulation.parameters.get("seasonalSlowdown", 0.0))
    rows = []
    for season, what, share, counts in counted:
        (r0, r1) = REFERENCE[season.name]
        expected, realized, tolerance, n = SeasonCounts.ratio([counts])
        note = (
            f"{what} per working day of the {season.name} ({season.first[1]}/{season.first[0]}-"
            f"{season.last[1]}/{season.last[0]}) over the rate of {r0[1]}/{r0[0]}-{r1[1]}/{r1[0]}, pooled over "
            f"countries; expected 1 - {share:g} x seasonalSlowdown {strength:g} x share away "
            f"({', '.join(f'{k} {v:g}' for k, v in season.away.items())})"
        )
        rows.append(_row(f"{what} in the {season.name} vs the weeks before", expected, realized, tolerance, n, note))
    return rows


def local_realism_rows(simulation: Simulation, *, seasons: list[SeasonEntry] | None = None) -> list[dict[str, Any]]:
    """The arrival and season rows (module docstring); ``seasons`` is ``season_counts`` when the caller has read
    it already."""
    style = scenario_style(str(simulation.parameters.get("id", simulation.scenario)))
    cal = simulation_calendar(simulation)
    counted = season_counts(simulation, style, cal) if seasons is None else seasons
    return [*arrival_rows(simulation, style, cal), *season_rows(simulation, counted)]
