"""The realism section of the report: does the written data tell believable stories (issue 14)?

Each row measures one property on the rows a simulation wrote and compares it with what the engine's rules give
(``simulations.engine.localtime``, ``touches``, ``paths``), with a tolerance of
``STANDARD_ERRORS`` binomial standard errors at the measured sample size (exact rules: tolerance 0).

The report runs at every completion, so every read is bounded: aggregates over indexed columns, and a sample of
``SAMPLE_BLOCKS`` x ``BLOCK_CONTACTS`` contacts (evenly spaced key blocks, read through the
(simulation, contact_key) index) for the local-time rows, which need each row's time zone; larger key blocks for the
stage-fit and lost-stage rows; at most CLOSED_SAMPLE close times.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Count, Max, Q

from crm.models import Activity, Contact, Deal, DealStageEvent, LifecycleEvent
from scenarios.parameters import ScenarioParameters
from simulations.engine import scenario_style
from simulations.engine.catalog import OPEN_STAGES
from simulations.engine.localtime import (
    CONSUMER,
    PROFILES,
    REP_PROFILE,
    ZONE_COUNTRY,
    ZONES,
    Calendar,
    window_calendar,
)
from simulations.engine.paths import lost_stage_shares
from simulations.engine.trajectories import QUARTER_RUSH, rush_share
from simulations.models import Simulation
from simulations.reads.calibration_statistics import STANDARD_ERRORS, rounded

SAMPLE_BLOCKS = 20
BLOCK_CONTACTS = 25
STAGE_BLOCK_CONTACTS = 100
DEAL_BLOCK_LEADS = 2_500
"""Key blocks of the stage-fit rows (2,000 contacts) and of the lost-stage rows (50,000 leads' deals)."""
CLOSED_SAMPLE = 5_000
WORK_HOURS = (8, 18)
"""Local "working hours" measured: 08:00-18:00 on a working day (not a weekend or public holiday)."""
LATE_WORDS = ("contract", "negotiation", "closing", "onboarding", "quote", "proposal", "budget", "pricing")


def _row(measure: str, expected: float, realized: float | None, tolerance: float, n: int, note: str) -> dict:
    ok = realized is not None and abs(realized - expected) <= tolerance + 1e-12
    return {
        "measure": measure,
        "expected": rounded(expected),
        "realized": None if realized is None else rounded(realized),
        "tolerance": rounded(tolerance),
        "sample": n,
        "verdict": "OK" if ok else "WARN",
        "note": note,
    }


def _binomial(p: float, n: int) -> float:
    return STANDARD_ERRORS * math.sqrt(max(p * (1 - p), 0.0) / max(n, 1))


def _blocks(simulation: Simulation, size: int) -> list[tuple[int, int]]:
    """SAMPLE_BLOCKS evenly spaced [lo, hi] ranges of ``size`` contact keys (lead keys: deals use their opener's)."""
    top = Contact.objects.filter(simulation=simulation).aggregate(top=Max("key"))["top"]
    if top is None:
        return []
    starts = np.linspace(0, max(top + 1 - size, 0), SAMPLE_BLOCKS).astype(np.int64)
    return [(int(lo), min(int(lo) + size - 1, top)) for lo in starts]


def _in_blocks(field: str, blocks: list[tuple[int, int]]) -> Q:
    """``field`` in any of the blocks (each a range lookup on an indexed key): an empty Q when there are none."""
    where = Q(pk__in=[])
    for lo, hi in blocks:
        where |= Q(**{f"{field}__range": (lo, hi)})
    return where


def simulation_calendar(simulation: Simulation) -> Calendar:
    """The calendar the engine planned the simulation with (``localtime.window_calendar``; cached per process)."""
    start, end = int(simulation.window_start.timestamp()), int(simulation.window_end.timestamp())
    return window_calendar(start, end, float(simulation.parameters.get("seasonalSlowdown", 0.0)))


def _local(rows: Iterable[tuple[dt.datetime, str]], cal) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local hour, local day is a day off, country index) of each (UTC moment, IANA zone) row."""
    hours, off, countries = [], [], []
    for moment, zone in rows:
        local = moment.astimezone(ZoneInfo(zone))
        epoch_day = (local.date() - dt.date(1970, 1, 1)).days
        index = min(max(epoch_day - cal.first, 0), cal.days - 1)
        country = int(ZONE_COUNTRY[ZONES.index(zone)])
        hours.append(local.hour)
        off.append(bool(cal.off[country, index]))
        countries.append(country)
    return np.array(hours, dtype=np.int64), np.array(off, dtype=bool), np.array(countries, dtype=np.int64)


def _local_time_rows(simulation: Simulation, style: str) -> list[dict]:
    blocks = _blocks(simulation, BLOCK_CONTACTS)
    sample = Contact.objects.filter(_in_blocks("key", blocks), simulation=simulation).exclude(timezone="")
    zones = dict(sample.values_list("key", "timezone"))
    read = Activity.objects.filter(_in_blocks("contact_key", blocks), simulation=simulation).order_by()
    activities = [
        (kind, direction, at, key)
        for kind, direction, at, key in read.values_list("type", "direction", "occurred_at", "contact_key")
        if key in zones
    ]
    start, end = int(simulation.window_start.timestamp()), int(simulation.window_end.timestamp())
    cal = simulation_calendar(simulation)
    window = slice(start // 86_400 - cal.first, (end - 1) // 86_400 - cal.first + 1)
    off_days = cal.off[:, window].mean(axis=1)
    # per country: the share of the window's days that are days off
    rep = [
        (at, zones[key])
        for kind, direction, at, key in activities
        if kind in ("note", "task", "meeting") or (kind == "call" and direction == "OUTBOUND")
    ]
    rows = []
    profile = PROFILES[REP_PROFILE[style]]
    if rep:
        hour, off, country = _local(rep, cal)
        weights = np.asarray(profile.hours)
        in_hours = weights[WORK_HOURS[0] : WORK_HOURS[1]].sum() / weights.sum()
        days_off = float(off_days[country].mean())
        off_share = days_off * profile.off_day_rate
        expected = (1 - off_share) * in_hours
        realized = float(((hour >= WORK_HOURS[0]) & (hour < WORK_HOURS[1]) & ~off).mean())
        note = (
            f"rep actions (notes, tasks, meetings, outbound calls) of {len(zones)} sampled contacts at 08:00-18:00 on "
            f"a local working day; expected: the {profile.name} profile's hours x (1 - days off {days_off:.3f} x "
            f"kept rate {profile.off_day_rate:g})"
        )
        rows.append(_row("rep actions in local working hours", expected, realized, _binomial(expected, hour.size),
                         hour.size, note))  # fmt: skip
        rows.append(_row("rep actions on a local day off", off_share, float(off.mean()), _binomial(off_share, off.size),
                         off.size, "weekends and public holidays in the contact's country"))  # fmt: skip
    inbound = [
        (at, zones[key]) for kind, direction, at, key in activities if direction in ("INBOUND", "INCOMING_EMAIL")
    ]
    if style == "b2c" and inbound:
        hour, _, _ = _local(inbound, cal)
        weights = np.asarray(CONSUMER.hours)
        expected = weights[18:23].sum() / weights.sum()
        realized = float(((hour >= 18) & (hour < 23)).mean())
        rows.append(_row("consumer actions at 18:00-23:00 local", expected, realized, _binomial(expected, hour.size),
                         hour.size, "inbound calls and e-mails the consumer sent"))  # fmt: skip
    return rows


def _stage_fit_rows(simulation: Simulation) -> list[dict]:
    """Over the contacts of STAGE_BLOCK_CONTACTS-key blocks (an exact rule: any breach in the sample is a WARN)."""
    sample = Contact.objects.filter(_in_blocks("key", _blocks(simulation, STAGE_BLOCK_CONTACTS)), simulation=simulation)
    # Contacts back at lead after a lost deal keep their deal's touches: only those never on a deal count.
    on_deals = LifecycleEvent.objects.filter(simulation=simulation, to_stage="opportunity").values("contact_key")
    early = sample.filter(lifecycle_stage__in=("subscriber", "lead")).exclude(key__in=on_deals).values("key")
    late = Q()
    for word in LATE_WORDS:
        late |= Q(subject__icontains=word)
    # Subqueries, not key lists: PostgreSQL hashes them, where it tests each row against a list of constants.
    on_early = Activity.objects.filter(simulation=simulation, contact_key__in=early).order_by()
    counts = on_early.aggregate(all=Count("pk"), late=Count("pk", filter=late))
    customers = sample.filter(lifecycle_stage__in=("customer", "evangelist")).values("key")
    onboarding = Activity.objects.filter(
        simulation=simulation, contact_key__in=sample.values("key"), subject="Onboarding call"
    ).order_by()
    onboarding_counts = onboarding.aggregate(all=Count("pk"), off=Count("pk", filter=~Q(contact_key__in=customers)))
    share = counts["late"] / counts["all"] if counts["all"] else None
    off = onboarding_counts["off"] / onboarding_counts["all"] if onboarding_counts["all"] else None
    return [
        _row("late-stage touches on subscribers and leads", 0.0, share, 0.0, counts["all"],
             f"activities whose subject names {', '.join(LATE_WORDS)} on contacts still at subscriber or lead "
             "that were never on a deal"),
        _row("onboarding calls on non-customers", 0.0, off, 0.0, onboarding_counts["all"],
             "onboarding happens after the win only (customers and evangelists)"),
    ]  # fmt: skip


def path_rows(simulation: Simulation) -> list[dict]:
    """The path-mix rows (``path_mix``) and the lost deals' drop-out mix; the calibration report reuses them for
    the funnelPaths and dealPaths parameters."""
    from simulations.reads import path_mix  # its rows use this module's helpers

    style = _style(simulation)
    parameters = ScenarioParameters.from_json(simulation.parameters)
    blocks = _blocks(simulation, DEAL_BLOCK_LEADS)

    def in_blocks(field: str) -> Q:
        return _in_blocks(field, blocks)

    lost = dict(
        DealStageEvent.objects.filter(in_blocks("deal_key"), simulation=simulation, to_stage="closedlost")
        .order_by()
        .values_list("from_stage")
        .annotate(n=Count("pk"))
    )
    total = sum(lost.values())
    weights = lost_stage_shares(parameters.dealPaths.lostStageDecay, len(OPEN_STAGES[style]))
    return [
        *path_mix.lifecycle_rows(simulation, parameters, _row),
        *path_mix.outcome_rows(simulation, parameters, _row, in_blocks),
        *path_mix.deal_rows(simulation, parameters, style, _row, in_blocks),
        *(
            _row(f"lost deals dropping out at {stage}", float(p), lost.get(stage, 0) / total if total else None,
                 _binomial(float(p), total), total, "share of closedlost deals whose last open stage this was "
                 "(dealPaths.lostStageDecay)")
            for stage, p in zip(OPEN_STAGES[style], weights, strict=True)
        ),
    ]  # fmt: skip


def month_end_closes(simulation: Simulation, strength: float) -> tuple[float, float | None, float, int]:
    """(expected, realized, tolerance, closes sampled): the share of closes in a month's last 3 days, expected from
    the close rush of ``strength`` for closes spread evenly over the window's days (``trajectories.rush_share``);
    the tolerance is STANDARD_ERRORS binomial standard errors."""
    closes: list[dt.datetime] = [
        c
        for c in Deal.objects.filter(simulation=simulation, closed_at__isnull=False)
        .order_by()
        .values_list("closed_at", flat=True)[:CLOSED_SAMPLE]
        if c is not None
    ]
    first, last = int(simulation.window_start.timestamp()) // 86_400, int(simulation.window_end.timestamp()) // 86_400
    realized = float(np.mean([(c + dt.timedelta(days=3)).month != c.month for c in closes])) if closes else None
    expected = rush_share(first, last, strength)
    return expected, realized, _binomial(expected, len(closes)), len(closes)


def _month_end_row(strength: float, measured: tuple[float, float | None, float, int]) -> dict:
    expected, realized, tolerance, n = measured
    note = (
        f"closeRush {strength:g} (x{QUARTER_RUSH:g} at quarter ends); expected for closes spread evenly over the "
        "window's days"
    )
    return _row("closes in the last 3 days of a month", expected, realized, tolerance, n, note)


def _style(simulation: Simulation) -> str:
    return scenario_style(str(simulation.parameters.get("id", simulation.scenario)))


def realism_rows(
    simulation: Simulation,
    *,
    paths: list[dict[str, Any]] | None = None,
    month_end: tuple[float, float | None, float, int] | None = None,
) -> list[dict[str, Any]]:
    """Every realism row of the simulation (bounded reads; see the module docstring). ``paths`` and ``month_end``
    are ``path_rows`` and ``month_end_closes`` when the caller has read them already (the report's calibration
    rows use them too)."""
    style = _style(simulation)
    strength = ScenarioParameters.from_json(simulation.parameters).closeRush
    return [
        *_local_time_rows(simulation, style),
        *_stage_fit_rows(simulation),
        *(path_rows(simulation) if paths is None else paths),
        _month_end_row(strength, month_end_closes(simulation, strength) if month_end is None else month_end),
    ]
