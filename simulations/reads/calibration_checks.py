"""The calibration checks: one function per parameter group, each reading a simulation's rows through a
``CalibrationContext`` and returning CalibrationRows (see ``reads.report`` for what is counted and why)."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Case, Count, Max, Min, Q, QuerySet, Sum, Value, When

from crm.models import Activity, Contact, Deal, LifecycleEvent
from crmsim.vocabulary import FUNNEL_STAGES, GENERATED_ACTIVITY_TYPES, LIFECYCLE_STAGES
from scenarios.parameters import TOUCHPOINT_KINDS, ScenarioParameters, get_leaf
from simulations.engine import lead_count, scenario_style
from simulations.engine.touches import ONBOARDING_DAYS
from simulations.engine.trajectories import CYCLE_SHAPE, DAY, DWELL_FRACTION
from simulations.lifecycle.requests import engine_inputs
from simulations.models import Simulation
from simulations.reads import sql
from simulations.reads.calibration_statistics import (
    SE,
    STANDARD_ERRORS,
    CalibrationRow,
    clipped_normal_moments,
    rounded,
    truncated_gamma_mean,
    verdict,
    within,
)
from simulations.reads.outcome_checks import DealOutcomeSample, deal_outcome_sample, expected_win_rate, outcome_rows
from simulations.reads.realism import month_end_closes, path_rows, simulation_calendar
from simulations.reads.realism_local import SeasonCounts, SeasonEntry, season_counts

HORIZON_DWELLS = 20
"""How many mean funnel dwells before the window's end a story must have stopped to count as finished."""

HUMAN_TIME_SLACK_DAYS = 10
"""Moving an action to working time shifts it by a few days at most (a long weekend plus SPREAD working days);
a story counts as finished when its span ended this long before the window's end."""

CHUNK_SIZE = 50_000

TOUCHPOINTS: tuple[tuple[str, str], ...] = tuple(
    (f"touchpointDensity.{kind}", activity_type)
    for kind, activity_type in zip(TOUCHPOINT_KINDS, GENERATED_ACTIVITY_TYPES[: len(TOUCHPOINT_KINDS)], strict=True)
)
"""Touchpoint parameter -> the activity type it generates (notes, tasks, calls: the engine's first three kinds;
e-mails and meetings are not scenario parameters yet)."""


@dataclass(frozen=True)
class CalibrationContext:
    """The reads of one report. The measurements that a calibration row and a realism row share are read once,
    here, and handed to both (``reads.report.calibration_report``)."""

    simulation: Simulation
    parameters: ScenarioParameters
    contacts: QuerySet[Contact]
    deals: QuerySet[Deal]
    activities: QuerySet[Activity]
    events: QuerySet[LifecycleEvent]

    @classmethod
    def of(cls, simulation: Simulation) -> CalibrationContext:
        return cls(
            simulation=simulation,
            parameters=ScenarioParameters.from_json(simulation.parameters),
            contacts=Contact.objects.filter(simulation=simulation),
            deals=Deal.objects.filter(simulation=simulation),
            activities=Activity.objects.filter(simulation=simulation),
            events=LifecycleEvent.objects.filter(simulation=simulation),
        )

    @functools.cached_property
    def deal_outcomes(self) -> DealOutcomeSample:
        """Every deal as the engine's outcome scores."""
        return deal_outcome_sample(self.simulation, self.parameters, self.deals)

    @functools.cached_property
    def path_rows(self) -> list[dict[str, Any]]:
        """The realism section's path-mix rows (``realism.path_rows``)."""
        return path_rows(self.simulation)

    @functools.cached_property
    def season_counts(self) -> list[SeasonEntry]:
        """The holiday seasons' counts (``realism_local.season_counts``)."""
        style = scenario_style(self.parameters.id)
        return season_counts(self.simulation, style, simulation_calendar(self.simulation))

    @functools.cached_property
    def month_end_closes(self) -> tuple[float, float | None, float, int]:
        """The close rush's measurement at the configured strength (``realism.month_end_closes``)."""
        return month_end_closes(self.simulation, self.parameters.closeRush)

    @property
    def end_seconds(self) -> int:
        return int(self.simulation.window_end.timestamp())

    @property
    def mean_dwell_days(self) -> float:
        return DWELL_FRACTION * self.parameters.avgSalesCycleDays

    @property
    def horizon_days(self) -> float:
        return HORIZON_DWELLS * self.mean_dwell_days

    @property
    def finished_before(self) -> dt.datetime:
        """A story whose last step came before this moment is over (up to an e^-20 chance per lead)."""
        return self.simulation.window_end - dt.timedelta(days=self.horizon_days)


def _lead_count_row(ctx: CalibrationContext) -> CalibrationRow:
    records = ctx.simulation.records
    multiplier = ctx.parameters.leadVolumeMultiplier
    expected = lead_count(engine_inputs(ctx.simulation))
    leads = ctx.contacts.count()
    return CalibrationRow(
        parameter="leadVolumeMultiplier",
        configured=multiplier,
        expected=rounded(expected / records),
        realized=rounded(leads / records),
        tolerance=0.0,
        verdict=verdict(leads == expected),
        note=f"exact: {leads} contacts, round({records} x {multiplier:g}) = {expected} leads planned",
    )


def _stage_rank_sql() -> str:
    """SQL: the ladder rank of ``to_stage`` (subscriber 0 .. opportunity 4), NULL for customer and the stages
    outside the ladder (evangelist, other)."""
    cases = " ".join(f"WHEN '{stage}' THEN {rank}" for rank, stage in enumerate(LIFECYCLE_STAGES[:5]))
    return f"CASE to_stage {cases} END"


def _funnel_exposure(ctx: CalibrationContext) -> dict[int, tuple[int, float, float, int]]:
    """Ladder step -> (contacts that reached it, sum of w, sum of w^2, contacts that reached a later ladder step),
    w = 1 - exp(-time left / mean dwell) at the contact's first arrival at the step (a contact recycled or back
    after a lost deal reached it earlier; a skip to SQL moves on from lead): one aggregate over the simulation's
    lifecycle events, no row read into Python. A window function finds each contact's top step: a self-join of
    the grouped rows was planned as a nested loop on a freshly written, unanalyzed table (20 s for 15,000
    contacts)."""
    weight = f"1.0 - exp(-(%s - {sql.epoch('first_at')}) / %s)"
    query = " ".join(
        [
            "WITH firsts AS (SELECT contact_key,", _stage_rank_sql(), "AS rank, min(occurred_at) AS first_at FROM",
            sql.table(LifecycleEvent), "WHERE simulation_id = %s GROUP BY contact_key, to_stage),",
            "ladder AS (SELECT *, max(rank) OVER (PARTITION BY contact_key) AS top FROM firsts",
            "WHERE rank IS NOT NULL)",
            "SELECT rank, count(*), sum(w), sum(w * w), sum(moved) FROM (SELECT rank,", weight,
            "AS w, CASE WHEN top > rank THEN 1 ELSE 0 END AS moved FROM ladder) AS reached GROUP BY rank",
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(query, [ctx.simulation.pk, ctx.end_seconds, ctx.mean_dwell_days * 86_400.0])
        return {
            int(rank): (int(n), float(s1 or 0.0), float(s2 or 0.0), int(moved or 0))
            for rank, n, s1, s2, moved in cursor.fetchall()
        }


def _funnel_rows(ctx: CalibrationContext) -> list[CalibrationRow]:
    """Conversion per funnel stage with the window's truncation modelled exactly.

    A contact that reached stage s at time t moves on, as seen by the window's end, when it converts (1 - drop)
    and its exponential dwell (mean ``DWELL_FRACTION x avgSalesCycleDays``) ends before the end: probability
    (1 - drop) x w with w = 1 - exp(-(end - t) / mean dwell). So drop is estimated as 1 - moved / sum(w), with
    the binomial-sum standard error sqrt(sum p w (1 - p w)) / sum(w). Every contact counts; none is discarded.
    """
    reached = _funnel_exposure(ctx)
    rows = []
    for step, stage in enumerate(FUNNEL_STAGES):
        drop = ctx.parameters.dropProbabilities[step]
        parameter = f"funnelAttrition.{stage}.dropProbability"
        count, exposure, exposure_squares, moved_on = reached.get(step, (0, 0.0, 0.0, 0))
        if exposure < 1.0:
            note = f"no contact reached {stage} early enough to measure"
            rows.append(CalibrationRow(parameter, drop, drop, None, None, "WARN", note))
            continue
        realized = 1.0 - moved_on / exposure
        p = 1.0 - drop
        # sum of p w (1 - p w) over the contacts = p sum(w) - p^2 sum(w^2)
        tolerance = STANDARD_ERRORS * math.sqrt(max(p * exposure - p * p * exposure_squares, 0.0)) / exposure
        rows.append(
            CalibrationRow(
                parameter=parameter,
                configured=drop,
                expected=drop,
                realized=rounded(realized),
                tolerance=rounded(tolerance),
                verdict=verdict(within(realized, drop, tolerance)),
                note=(
                    f"{moved_on} of {count} contacts that reached {stage} moved on; the window's end leaves "
                    f"each time to move on (exposure {exposure:.0f} = sum of 1 - exp(-time left / mean dwell "
                    f"{ctx.mean_dwell_days:g} d)); drop = 1 - moved / exposure, {SE}"
                ),
            )
        )
    return rows


def _win_rate_row(ctx: CalibrationContext) -> CalibrationRow:
    p = ctx.parameters.dealWinRateBase
    counts = ctx.deals.filter(is_won__isnull=False).aggregate(
        closed=Count("pk"), won=Count("pk", filter=Q(is_won=True))
    )
    closed, won = counts["closed"], counts["won"]
    if closed == 0:
        return CalibrationRow("dealWinRateBase", p, p, None, None, "WARN", "no closed deal to measure")
    realized = won / closed
    expected = expected_win_rate(ctx.parameters, ctx.deal_outcomes)
    expected = p if expected is None else expected
    tolerance = STANDARD_ERRORS * math.sqrt(expected * (1.0 - expected) / closed)
    return CalibrationRow(
        parameter="dealWinRateBase",
        configured=p,
        expected=rounded(expected),
        realized=rounded(realized),
        tolerance=rounded(tolerance),
        verdict=verdict(within(realized, expected, tolerance)),
        note=(
            f"{won} won of {closed} closed deals; the win probability has mean {p:g} over all deals, and expected "
            "is its mean over the deals that closed in the window (dealOutcomes: fast, small deals of strong "
            f"months win more, and the window's end keeps mostly fast ones); {STANDARD_ERRORS:g} binomial s.e."
        ),
    )


def _amount_cents(ctx: CalibrationContext) -> np.ndarray:
    values = ctx.deals.order_by().values_list("amount_cents", flat=True).iterator(chunk_size=CHUNK_SIZE)
    return np.fromiter(values, dtype=np.int64)


def _amount_rows(ctx: CalibrationContext) -> list[CalibrationRow]:
    amount = ctx.parameters.dealAmount
    low_cents, high_cents = round(amount.min * 100), round(amount.max * 100)
    mean, sd, p_low, p_high = clipped_normal_moments(
        amount.mu, amount.sigma, math.log(amount.min), math.log(amount.max)
    )
    cents = _amount_cents(ctx)
    n = int(cents.size)
    if n < 2:
        return [
            CalibrationRow(f"dealAmount.{name}", value, value, None, None, "WARN", "fewer than two deals to measure")
            for name, value in (("mu", amount.mu), ("sigma", amount.sigma), ("min", amount.min), ("max", amount.max))
        ]
    logs = np.log(cents / 100.0)
    realized_mean, realized_sd = float(logs.mean()), float(logs.std(ddof=1))
    at_low, at_high = float((cents == low_cents).mean()), float((cents == high_cents).mean())
    clipping = f"clipped: {at_low:.2%} at min, {at_high:.2%} at max (expected {p_low:.2%}, {p_high:.2%})"
    negligible = p_low + p_high < 1e-3
    basis = "mu, sigma (clipping negligible)" if negligible else "the clipped normal's moments"
    # s.e. of the sample sd by the delta method with the sample's fourth moment (normal: sd / sqrt(2n)).
    fourth = float(((logs - realized_mean) ** 4).mean())
    se_sd = math.sqrt(max(fourth - realized_sd**4, 0.0) / (4.0 * realized_sd**2 * n))
    mean_tolerance = STANDARD_ERRORS * sd / math.sqrt(n)
    sd_tolerance = STANDARD_ERRORS * se_sd
    smallest, largest = int(cents.min()), int(cents.max())
    return [
        CalibrationRow(
            parameter="dealAmount.mu",
            configured=amount.mu,
            expected=rounded(mean),
            realized=rounded(realized_mean),
            tolerance=rounded(mean_tolerance),
            verdict=verdict(within(realized_mean, mean, mean_tolerance)),
            note=f"mean ln(amount) of {n} deals vs {basis}; {SE}; {clipping}",
        ),
        CalibrationRow(
            parameter="dealAmount.sigma",
            configured=amount.sigma,
            expected=rounded(sd),
            realized=rounded(realized_sd),
            tolerance=rounded(sd_tolerance),
            verdict=verdict(within(realized_sd, sd, sd_tolerance)),
            note=f"sd of ln(amount) of {n} deals vs {basis}; {SE} (delta method)",
        ),
        CalibrationRow(
            parameter="dealAmount.min",
            configured=amount.min,
            expected=None,
            realized=smallest / 100,
            tolerance=None,
            verdict=verdict(smallest >= low_cents),
            note=f"smallest amount must be >= min; {at_low:.2%} of deals at min (expected {p_low:.2%})",
        ),
        CalibrationRow(
            parameter="dealAmount.max",
            configured=amount.max,
            expected=None,
            realized=largest / 100,
            tolerance=None,
            verdict=verdict(largest <= high_cents),
            note=f"largest amount must be <= max; {at_high:.2%} of deals at max (expected {p_high:.2%})",
        ),
    ]


def _cycle_row(ctx: CalibrationContext) -> CalibrationRow:
    configured = ctx.parameters.avgSalesCycleDays
    rows = ctx.deals.filter(closed_at__isnull=False).order_by().values_list("created_at", "closed_at")
    created: list[float] = []
    closed: list[float] = []
    for created_at, closed_at in rows.iterator(chunk_size=CHUNK_SIZE):
        if closed_at is not None:  # always, by the filter; narrows the type
            created.append(created_at.timestamp())
            closed.append(closed_at.timestamp())
    if not created:
        return CalibrationRow("avgSalesCycleDays", configured, None, None, None, "WARN", "no closed deal to measure")
    created_s, closed_s = np.asarray(created), np.asarray(closed)
    cycles = (closed_s - created_s) / DAY
    limits = (ctx.end_seconds - created_s) / DAY
    shape = int(CYCLE_SHAPE)
    expected, standard_error = truncated_gamma_mean(configured, shape, limits)
    realized = float(cycles.mean())
    tolerance = STANDARD_ERRORS * standard_error
    return CalibrationRow(
        parameter="avgSalesCycleDays",
        configured=configured,
        expected=rounded(expected, 3),
        realized=rounded(realized, 3),
        tolerance=rounded(tolerance, 3),
        verdict=verdict(within(realized, expected, tolerance)),
        note=(
            f"mean days created->closed of {cycles.size} closed deals; a deal created L days before the end shows "
            f"closed only if its cycle < L, so expected = mean of E[cycle | cycle < L] under "
            f"Gamma({shape}, mean {configured:g}); {SE}"
        ),
    )


def _company_rows(ctx: CalibrationContext) -> list[CalibrationRow]:
    low, high = ctx.parameters.contactsPerCompany
    sizes = (
        ctx.contacts.order_by()
        .values("company_key")
        .annotate(size=Count("pk"))
        .aggregate(companies=Count("company_key"), smallest=Min("size"), largest=Max("size"), contacts=Sum("size"))
    )
    companies = sizes["companies"] or 0
    if companies == 0:
        return [
            CalibrationRow(f"contactToCompanyRatio.{name}", value, None, None, None, "WARN", "no contacts to measure")
            for name, value in (("min", low), ("max", high))
        ]
    mean = sizes["contacts"] / companies
    middle = (low + high) / 2
    uniform_sd = math.sqrt(((high - low + 1) ** 2 - 1) / 12)
    tolerance = STANDARD_ERRORS * uniform_sd / math.sqrt(companies)
    mean_ok = within(mean, middle, tolerance)
    mean_note = f"mean {mean:.4f} over {companies} companies vs (min+max)/2 = {middle:g} +- {tolerance:.4f} ({SE})"
    return [
        CalibrationRow(
            parameter="contactToCompanyRatio.min",
            configured=low,
            expected=rounded(middle),
            realized=sizes["smallest"],
            tolerance=rounded(tolerance),
            verdict=verdict(sizes["smallest"] >= low and mean_ok),
            note=f"smallest company must have >= min contacts; {mean_note}",
        ),
        CalibrationRow(
            parameter="contactToCompanyRatio.max",
            configured=high,
            expected=rounded(middle),
            realized=sizes["largest"],
            tolerance=rounded(tolerance),
            verdict=verdict(sizes["largest"] <= high and mean_ok),
            note="largest company must have <= max contacts (every contact arrives inside the window, "
            "so company sizes are complete)",
        ),
    ]


def _finished_leads(ctx: CalibrationContext) -> tuple[QuerySet[Deal], QuerySet[Any, Any]]:
    """Leads a rep works whose activities are all written: deals closed HUMAN_TIME_SLACK_DAYS before the end
    (won ones ONBOARDING_DAYS earlier still: their touches run on after the win), and leads without a deal that
    reached MQL (rep touches start there) and whose last funnel step happened HORIZON_DWELLS mean dwells before
    the end (their activity span ends one dwell after that step).

    Which leads are finished depends on times and funnel outcomes only, never on the activity counts, so the
    selection does not bias the counts.
    """
    end = ctx.simulation.window_end
    slack = dt.timedelta(days=HUMAN_TIME_SLACK_DAYS)
    closed = ctx.deals.filter(
        Q(is_won=False, closed_at__lt=end - slack)
        | Q(is_won=True, closed_at__lt=end - slack - dt.timedelta(days=ONBOARDING_DAYS))
    )
    rank = Case(*(When(to_stage=stage, then=Value(i)) for i, stage in enumerate(LIFECYCLE_STAGES)))
    stopped = (
        ctx.events.order_by()
        .values("contact_key")
        .annotate(last=Max(rank), last_at=Max("occurred_at"))
        .filter(
            last__gte=LIFECYCLE_STAGES.index("marketingqualifiedlead"),
            last__lt=LIFECYCLE_STAGES.index("opportunity"),
            last_at__lt=ctx.finished_before,
        )
    )
    return closed, stopped


def _activities_per_finished_lead(ctx: CalibrationContext) -> dict[str, dict[str, int]]:
    """Activity type -> over the finished leads that have one: leads (``with_any``), activities (``total``),
    fewest and most per lead. One aggregate over the activities of the finished leads (a UNION of the two
    selections of ``_finished_leads``), grouped by type and lead."""
    closed, stopped = _finished_leads(ctx)
    closed_sql, closed_params = closed.order_by().values("key").query.sql_with_params()
    stopped_sql, stopped_params = stopped.order_by().values("contact_key").query.sql_with_params()
    types = [activity_type for _, activity_type in TOUCHPOINTS]
    query = " ".join(
        [
            "SELECT type, count(*), sum(n), min(n), max(n) FROM (SELECT type, contact_key, count(*) AS n FROM",
            sql.table(Activity), "WHERE simulation_id = %s AND type IN (", ", ".join(["%s"] * len(types)),
            ") AND contact_key IN (", closed_sql, "UNION", stopped_sql, ") GROUP BY type, contact_key) AS per_lead",
            "GROUP BY type",
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(query, [ctx.simulation.pk, *types, *closed_params, *stopped_params])
        return {
            str(kind): {"with_any": int(leads), "total": int(total), "least": int(least), "most": int(most)}
            for kind, leads, total, least, most in cursor.fetchall()
        }


def _touchpoint_rows(ctx: CalibrationContext) -> list[CalibrationRow]:
    closed, stopped = _finished_leads(ctx)
    leads = closed.count() + stopped.count()
    per_type = _activities_per_finished_lead(ctx) if leads else {}
    bounds = {
        "touchpointDensity.notesPerLead": ctx.parameters.notesPerLead,
        "touchpointDensity.tasksPerLead": ctx.parameters.tasksPerLead,
        "touchpointDensity.callsPerLead": ctx.parameters.callsPerLead,
    }
    rows = []
    for parameter, activity_type in TOUCHPOINTS:
        low, high = bounds[parameter]
        if leads == 0:
            rows.append(CalibrationRow(parameter, [low, high], None, None, None, "WARN", "no finished lead to measure"))
            continue
        per_lead = per_type.get(activity_type, {})
        with_any = per_lead.get("with_any", 0)
        least = per_lead.get("least", 0) if with_any == leads else 0
        most = per_lead.get("most", 0)
        mean = per_lead.get("total", 0) / leads
        middle = (low + high) / 2
        uniform_sd = math.sqrt(((high - low + 1) ** 2 - 1) / 12)
        tolerance = STANDARD_ERRORS * uniform_sd / math.sqrt(leads)
        rows.append(
            CalibrationRow(
                parameter=parameter,
                configured=[low, high],
                expected=middle,
                realized=rounded(mean),
                tolerance=rounded(tolerance),
                verdict=verdict(within(mean, middle, tolerance) and low <= least and most <= high),
                note=(
                    f"{activity_type}s per lead over {leads} finished leads (closed deal, or no deal and last step "
                    f"before {ctx.finished_before:%Y-%m-%d}): counts {least}..{most} must lie in [{low}, {high}], "
                    f"mean vs (lo+hi)/2 within {SE}"
                ),
            )
        )
    return rows


PATH_MEASURES: dict[str, tuple[str, str]] = {
    "funnelPaths.enterAsLeadShare": ("contacts created as lead", ""),
    "funnelPaths.enterAsOtherShare": ("contacts created as other", ""),
    "funnelPaths.skipToSqlShare": ("leads skipping MQL to SQL", ""),
    "funnelPaths.recycleShare": ("stopped MQL/SQL contacts recycled to lead", ""),
    "funnelPaths.nurtureCycles": (
        "stopped MQL/SQL contacts recycled to lead",
        "the recycle share as measured with this nurture time (a wrong nurture time skews it); ",
    ),
    "funnelPaths.lostToLeadShare": ("lost deals' contacts back to lead", ""),
    "funnelPaths.lostToOtherShare": ("lost deals' contacts set to other", "expected (1 - lostToLeadShare) x it; "),
    "funnelPaths.evangelistShare": ("customers becoming evangelists", ""),
    "dealPaths.stageSkipShare": ("deal stages skipped", ""),
    "dealPaths.regressionShare": ("deals moving back a stage", ""),
    "dealPaths.lostStageDecay": ("lost deals dropping out at appointmentscheduled", "the first stage's share of lost "
                                 "deals, 1 / sum of decay^i; "),
    "dealPaths.closeDateSlipShare": ("overdue close dates left unpushed", "expected (1 - share) x P(past); "),
    "dealPaths.closeDateSlipCycles": (
        "overdue close dates left unpushed",
        "the slip rule's row (a push's size cannot be told from the written rows: the engine tests measure it); ",
    ),
}  # fmt: skip
"""Path parameter -> (the realism row that measures it, what the row says about it)."""


def _path_rows(ctx: CalibrationContext) -> list[CalibrationRow]:
    """The funnelPaths and dealPaths parameters, each from its realism row (``realism.path_rows``)."""
    measured = {row["measure"]: row for row in ctx.path_rows}
    data = ctx.parameters.to_json()
    rows = []
    for path, (measure, how) in PATH_MEASURES.items():
        row = measured[measure]
        rows.append(
            CalibrationRow(
                parameter=path,
                configured=get_leaf(data, path),
                expected=row["expected"],
                realized=row["realized"],
                tolerance=row["tolerance"],
                verdict=row["verdict"],
                note=f"{how}{measure} over {row['sample']}: {row['note']}",
            )
        )
    return rows


def _season_row(ctx: CalibrationContext) -> CalibrationRow:
    """Rep actions per working day in the holiday seasons vs the weeks before them, pooled (realism_local)."""
    configured = ctx.parameters.seasonalSlowdown
    style = scenario_style(ctx.parameters.id)
    counts = [c for _, what, _, c in ctx.season_counts if what == "rep actions"]
    if not counts:
        reason = (
            "B2C people keep no B2B holiday seasons" if style == "b2c" else
            "the strength is 0" if configured <= 0 else
            "the window holds no season (1-31 Aug, 22-31 Dec) with the weeks before it, or its arrivals are not steady"
        )  # fmt: skip
        return CalibrationRow("seasonalSlowdown", configured, None, None, None, "OK", f"nothing to measure: {reason}")
    expected, realized, tolerance, n = SeasonCounts.ratio(counts)
    return CalibrationRow(
        parameter="seasonalSlowdown",
        configured=configured,
        expected=rounded(expected),
        realized=rounded(realized),
        tolerance=rounded(tolerance),
        verdict=verdict(within(realized, expected, tolerance)),
        note=(
            f"rep actions per working day in the window's holiday seasons over the rate of the weeks before them "
            f"({n} actions of sampled contacts); expected 1 - strength x the country's share away, on the volume "
            f"the calendar lands on each day; 4 Poisson s.e."
        ),
    )


def _close_rush_row(ctx: CalibrationContext) -> CalibrationRow:
    """The month-end close rush: closes in a month's last 3 days (the realism section's row, as a parameter's)."""
    configured = ctx.parameters.closeRush
    expected, realized, tolerance, n = ctx.month_end_closes
    if realized is None:
        return CalibrationRow(
            "closeRush", configured, rounded(expected), None, None, "OK", "nothing to measure: no close"
        )
    return CalibrationRow(
        parameter="closeRush",
        configured=configured,
        expected=rounded(expected),
        realized=rounded(realized),
        tolerance=rounded(tolerance),
        verdict=verdict(within(realized, expected, tolerance)),
        note=(
            f"share of {n} sampled closes in a month's last 3 days; expected from the rush for closes spread evenly "
            f"over the window's days (0 gives the calendar's share); {STANDARD_ERRORS:g} binomial s.e."
        ),
    )


CHECKS: tuple[Callable[[CalibrationContext], CalibrationRow | list[CalibrationRow]], ...] = (
    _lead_count_row,
    _cycle_row,
    _funnel_rows,
    _win_rate_row,
    _amount_rows,
    _company_rows,
    _touchpoint_rows,
    outcome_rows,
    _path_rows,
    _season_row,
    _close_rush_row,
)
